"""Put a finished build in place without ever showing a half-built site.

A full build is written to a temporary folder and swapped in whole. An incremental build moves
each changed file into place with an atomic rename, and only after every page rendered and every
check passed; a failed build of either kind leaves the previous `site/` untouched. Above market trees,
the site-level files are written only when they changed, and what no longer belongs is pruned.
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
            remove_empty_parents(gone.parent, out_dir)
    static = out_dir / "static"
    for old in static.rglob("*") if static.is_dir() and keep_only_static is not None else []:
        if old.is_file() and old.relative_to(out_dir).as_posix() not in keep_only_static:  # type: ignore[operator]
            old.unlink()


def remove_empty_parents(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents up to (not including) `root` while they are empty."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def write_changed(folder: Path, files: dict[str, bytes]) -> int:
    """Write the files whose bytes differ from what is there, so a no-op build writes nothing."""
    written = 0
    for name, data in files.items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != data:
            write_atomically(target, data)
            written += 1
    return written


def prune_except(folder: Path, root: Path, kept: set[str]) -> None:
    """Remove everything under `folder` that is neither a kept path nor on the way to one."""
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        relative = entry.relative_to(root).as_posix()
        if relative in kept or ".tmp-" in entry.name:
            continue
        if entry.is_dir() and not entry.is_symlink() and any(k.startswith(relative + "/") for k in kept):
            prune_except(entry, root, kept)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def write_atomically(target: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a page."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
