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
from collections.abc import Iterable, Mapping
from pathlib import Path

from sitegen.atomic_files import write_atomically
from sitegen.engine.cache import OutputRecord


class Staging:
    """Where a build keeps what it rendered until every check passed and it publishes: a private folder
    beside the output (worker processes write there; a first build swaps it in whole), or, for the page
    or two an edit renders in this process, memory: publishing then writes each file beside its target
    and renames it into place, with no folder to make and remove in every market's tree on every save."""

    def __init__(self, out_dir: Path, in_memory: bool) -> None:
        self.folder: Path | None = None
        self.files: dict[str, bytes] = {}  # name in the site -> bytes, when in memory
        if not in_memory:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.tmp-", dir=out_dir.parent))

    def write(self, name: str, data: bytes) -> None:
        if self.folder is None:
            self.files[name] = data
            return
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)  # the folder is private until it is published

    def publish(self, out_dir: Path, remove: Iterable[str] | None, keep_only_static: set[str] | None) -> None:
        """Put the files in place: over the site in `out_dir`, deleting `remove`, or (None) as the whole site."""
        if self.folder is None:
            for name, data in self.files.items():  # in the order written: the build id last
                write_atomically(out_dir / name, data)
            remove_outputs(out_dir, remove or (), keep_only_static)
        elif remove is None:
            publish_swap(self.folder, out_dir)
        else:
            publish_in_place(self.folder, out_dir, remove, keep_only_static)

    def discard(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.files = {}


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
    remove_outputs(out_dir, remove, keep_only_static)


def remove_outputs(out_dir: Path, remove: Iterable[str], keep_only_static: set[str] | None) -> None:
    """Delete the files no page writes any more, and the static files no longer used."""
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


def outputs_gone(
    before: Mapping[str, OutputRecord], after: Mapping[str, OutputRecord], rendered: set[str], same_pages: bool = False
) -> set[str]:
    """The output files no page writes any more. Only a page that rendered or went can have given one up,
    and only one whose file moved needs the full list of files still written (a slug change, a page gone)."""
    went = set() if same_pages else before.keys() - after.keys()
    moved = {
        before[source].output
        for source in rendered | went
        if source in before and (source not in after or after[source].output != before[source].output)
    }
    return moved - {record.output for record in after.values()} if moved else set()
