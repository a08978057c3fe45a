"""Is the site in an output folder already what a build would make? Told from file times and sizes alone,
before the build engine is even imported, so that `build.py` on an unchanged project answers at once
(as make and ninja do).

After each successful build, `record()` keeps one hash of the time and size of every file a build reads
(site.toml, content/, templates/, locales/, static/ and the generator's own code) and of the time of every
folder holding them (adding, removing or renaming a file changes its folder's time), with what the output
folder holds at its top and the build id of every tree written. `fresh_pages()` compares them with the
files as they are now.

The times are taken before the build reads anything, so a file changed during the build is seen as changed
next time. If a file changed less than a second before that, nothing is recorded: file times move in clock
ticks, and an edit made in the same tick, to the same size, would otherwise look unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

FORMAT = "memberpages-fresh-3"
SOURCES = ("site.toml", "content", "templates", "locales", "static")
CODE_DIR = Path(__file__).resolve().parents[1]  # all of sitegen: a new version of the generator builds again
MARKER = ".build-id"  # as the build writes it at the top of every tree
RACY_NS = 1_000_000_000
# Folders no build reads: the approved texts are read only to explain a change (content/approvals.toml,
# which the build compares, is looked at like any source).
NOT_READ = {"content/approved"}

Stat = tuple[int, int]  # modification time (ns) and size; a folder's size is recorded as -1


class Snapshot(NamedTuple):
    """The sources' times and sizes at one moment, and their one hash (see `_digest`)."""

    taken_ns: int
    files: dict[str, Stat]
    digest: str


def snapshot(root: Path) -> Snapshot:
    """Every source file and folder of the project at `root` (paths relative to it), and the generator's code."""
    taken_ns = time.time_ns()
    files: dict[str, Stat] = {}
    for name in SOURCES:
        _walk(root / name, name, files, folders=True)
    _walk(CODE_DIR, "<generator>", files, folders=False, suffix=".py")
    return Snapshot(taken_ns, files, _digest(files))


def _walk(path: Path | str, shown: str, into: dict[str, Stat], folders: bool, suffix: str = "") -> None:
    try:
        stat = os.stat(path)
    except OSError:
        return  # absent: recorded by its absence (a file that appears is then a new key)
    if not os.path.isdir(path):
        into[shown] = (stat.st_mtime_ns, stat.st_size)
        return
    if folders:
        into[shown + "/"] = (stat.st_mtime_ns, -1)
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir():
                if entry.name != "__pycache__" and f"{shown}/{entry.name}" not in NOT_READ:
                    _walk(entry.path, f"{shown}/{entry.name}", into, folders, suffix)
            elif entry.name.endswith(suffix):
                entry_stat = entry.stat()
                into[f"{shown}/{entry.name}"] = (entry_stat.st_mtime_ns, entry_stat.st_size)


def record(root: Path, out_dir: Path, before: Snapshot, pages: int, trees: Iterable[Path]) -> None:
    """Remember that building the sources as `before` found them gave the site now in `out_dir`
    (`trees`: the folders holding a build id, the output folder itself for a site without markets)."""
    if any(mtime_ns >= before.taken_ns - RACY_NS for mtime_ns, _ in before.files.values()):
        forget(root, out_dir)  # a file changed too recently to trust its time: the next build looks at it
        return
    kept = {
        "format": FORMAT,
        "pages": pages,
        "sources": before.digest,
        "output": _output_top(out_dir),
        "build_ids": {str(tree): _read(tree / MARKER) for tree in sorted(trees)},
    }
    from sitegen.atomic_files import write_atomically

    # A build interrupted here leaves the old record or none, never half of one.
    write_atomically(_record_path(root, out_dir), json.dumps(kept).encode())


def forget(root: Path, out_dir: Path) -> None:
    """Drop the record (a build that did not record its sources, e.g. with --no-cache, wrote the output)."""
    _record_path(root, out_dir).unlink(missing_ok=True)


def fresh_pages(root: Path, out_dir: Path) -> tuple[int | None, Snapshot]:
    """The number of pages in `out_dir` if a build would change nothing there (else None), and the
    sources as they are now (a build that follows can start from this snapshot)."""
    now = snapshot(root)
    try:
        kept = json.loads(_record_path(root, out_dir).read_text(encoding="utf-8"))
        unchanged = (
            kept["format"] == FORMAT
            and kept["sources"] == now.digest
            and kept["output"] == _output_top(out_dir)
            and all(_read(Path(tree) / MARKER) == build_id for tree, build_id in kept["build_ids"].items())
        )
        return (int(kept["pages"]) if unchanged else None), now
    except (OSError, ValueError, KeyError, TypeError):  # no record yet, or a damaged one: build
        return None, now


def _digest(files: dict[str, Stat]) -> str:
    """One hash of every file's path, time and size (ten thousand of them make a short record), one line each."""
    lines = [f"{path}\t{mtime_ns}\t{size}" for path, (mtime_ns, size) in sorted(files.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _output_top(out_dir: Path) -> dict[str, list[int]]:
    """What the output folder holds at its top (a page deleted inside a tree is the build ids' business)."""
    try:
        with os.scandir(out_dir) as entries:
            return {e.name: [(s := e.stat()).st_mtime_ns, s.st_size] for e in sorted(entries, key=lambda e: e.name)}
    except OSError:
        return {}


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _record_path(root: Path, out_dir: Path) -> Path:
    name = hashlib.sha256(f"{FORMAT}|{root.resolve()}|{out_dir.resolve()}".encode()).hexdigest()[:16]
    return root / ".build-cache" / f"{name}.fresh.json"
