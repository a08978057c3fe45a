"""Put a finished build in place without ever showing a half-built site.

A full build is written to a temporary folder and swapped in whole. An incremental build moves
each changed file into place with an atomic rename, and only after every page rendered and every
check passed; a failed build of either kind leaves the previous `site/` untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


def publish_swap(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by the complete site in `staging` (which is consumed)."""
    os.chmod(staging, 0o755)
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def publish_in_place(staging: Path, out_dir: Path, remove: Iterable[str], keep_only_static: set[str] | None) -> None:
    """Move every file of `staging` into `out_dir`, delete `remove`, and drop static files no longer used."""
    for folder, _, names in os.walk(staging):
        for name in names:
            source = Path(folder) / name
            target = out_dir / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for relative in remove:
        gone = out_dir / relative
        if gone.is_file():
            gone.unlink()
            _remove_empty_parents(gone.parent, out_dir)
    static = out_dir / "static"
    for old in static.rglob("*") if static.is_dir() and keep_only_static is not None else []:
        if old.is_file() and old.relative_to(out_dir).as_posix() not in keep_only_static:  # type: ignore[operator]
            old.unlink()


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
