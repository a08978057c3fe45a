"""Read the content folders: which pages exist now, which were read anew, which cannot be read.

A page whose file has the time and size recorded in the state is taken from the state unread. A file
read less than a second after it changed has no time recorded: file times move in clock ticks, and a
second change within the same tick, to the same size, would not show (see `freshness`). With
`touched` (from a file watcher) only those files are looked at; without it every file is stat'ed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sitegen.content.page import Page, parse_page
from sitegen.engine.freshness import RACY_NS
from sitegen.engine.state import SourceState
from sitegen.errors import SourceError


@dataclass(frozen=True)
class Scan:
    sources: dict[str, SourceState]  # every page that can be read now
    reparsed: frozenset[str]  # pages read anew by this scan
    errors: list[SourceError]  # pages that cannot be read
    changed: bool  # a page came, went, or its content changed

    @property
    def unreadable_languages(self) -> frozenset[str]:
        """Languages with a page that could not be read (its partner's "missing translation" would mislead)."""
        return frozenset(error.path.split("/")[1] for error in self.errors if error.path.startswith("content/"))


# Pages read by this build, by (path, time, size): every market's build reads the same files, and the first read serves all.
ReadPages = dict[tuple[str, int, int], Page]

UNSURE = -1  # the time recorded for a file read too soon after it changed: never equal to a file's time

# Each language's pages as the caller just stat'ed them, sorted by name (`build.py` takes such a snapshot
# to see whether anything changed; the build then need not list and stat them again). See `listing_of`.
Listing = Mapping[str, list["_Stated"]]


def scan(
    content_dir: Path,
    languages: tuple[str, ...],
    known: Mapping[str, SourceState],
    touched: set[Path] | None,
    read: ReadPages | None = None,
    listing: Listing | None = None,
) -> Scan:
    """The pages in `content_dir` now; `known` is what was read before, `touched` the files a watcher saw change,
    `read` the pages another market's scan of this build has read already (and where to leave the ones read here),
    `listing` the files as the caller found them (else every content folder is listed and stat'ed)."""
    read = {} if read is None else read
    current: dict[str, SourceState] = dict(known) if touched is not None else {}
    changed = False
    if touched is not None:
        by_lang = [
            (lang, sorted(p for p in touched if p.parent == content_dir / lang and p.suffix == ".md"))
            for lang in languages
        ]
        for lang, paths in by_lang:
            for path in paths:
                if not path.is_file():
                    changed = current.pop(f"content/{lang}/{path.name}", None) is not None or changed
        entries: list[tuple[str, list[_File] | list[os.DirEntry[str]] | list[_Stated]]] = [
            (lang, _named(paths)) for lang, paths in by_lang
        ]
    else:
        entries = [(lang, _files(content_dir, lang, listing)) for lang in languages]
    reparsed: set[str] = set()
    errors: list[SourceError] = []
    recent = time.time_ns() - RACY_NS  # a file changed since may change again without its time changing
    for lang, files in entries:
        for entry in files:
            shown = f"content/{lang}/{entry.name}"
            stat = entry.stat()
            old = known.get(shown)
            if old and old.mtime_ns == stat.st_mtime_ns and old.size == stat.st_size and old.page.lang == lang:
                current[shown] = old
                continue
            try:
                page = read.get((shown, stat.st_mtime_ns, stat.st_size)) or parse_page(
                    Path(entry.path).read_bytes(), shown, lang
                )
                read[shown, stat.st_mtime_ns, stat.st_size] = page
            except SourceError as exc:
                errors.append(exc)
                current.pop(shown, None)
                continue
            changed = changed or not old or old.page.digest != page.digest  # touched but unchanged is no change
            # A time that recent is not recorded, so the next scan reads the file again (see `freshness`).
            current[shown] = SourceState(stat.st_mtime_ns if stat.st_mtime_ns < recent else UNSURE, stat.st_size, page)
            reparsed.add(shown)
    return Scan(current, frozenset(reparsed), errors, changed or current.keys() != known.keys())


def unchanged_since(
    content_dir: Path,
    languages: tuple[str, ...],
    recorded: Mapping[str, tuple[int, int]],
    listing: Listing | None = None,
) -> bool:
    """Every content file has the time and size `recorded`, and there are no others (a cold no-op build).
    Stops at the first difference: a one-page edit's process asks this too."""
    seen = 0
    for lang in languages:
        for entry in _files(content_dir, lang, listing):
            stat = entry.stat()
            if recorded.get(f"content/{lang}/{entry.name}") != (stat.st_mtime_ns, stat.st_size):
                return False
            seen += 1
    return seen == len(recorded)


def listing_of(files: Mapping[str, tuple[int, int]], content_dir: Path) -> Listing:
    """The pages (content/<lang>/*.md, as `_listed` finds them) among files the caller stat'ed, which it
    gives with their time and size by path relative to the project ("content/en/x.md")."""
    by_lang: dict[str, list[_Stated]] = {}
    folder = str(content_dir)  # (once: a new process's one-page edit lists ten thousand pages here)
    for path, (mtime_ns, size) in files.items():
        if path.startswith("content/") and path.endswith(".md"):
            lang, _, name = path[8:].partition("/")
            if name and "/" not in name:
                by_lang.setdefault(lang, []).append(_Stated(name, f"{folder}/{lang}/{name}", mtime_ns, size))
    return {lang: sorted(pages) for lang, pages in by_lang.items()}


def _files(content_dir: Path, lang: str, listing: Listing | None) -> list[os.DirEntry[str]] | list[_Stated]:
    """The pages of one language, sorted by name: from the caller's listing if there is one, else from the folder."""
    return _listed(content_dir / lang) if listing is None else listing.get(lang, [])


def _listed(folder: Path) -> list[os.DirEntry[str]]:
    if not folder.is_dir():
        return []
    return sorted((e for e in os.scandir(folder) if e.name.endswith(".md") and e.is_file()), key=lambda e: e.name)


@dataclass(frozen=True)
class _File:
    """The little of os.DirEntry a scan uses, for a file a watcher named."""

    path: str
    name: str

    def stat(self) -> os.stat_result:
        return os.stat(self.path)


def _named(paths: list[Path]) -> list[_File]:
    return [_File(str(p), p.name) for p in sorted(paths) if p.is_file()]


class _Stated(NamedTuple):
    """A file as a `Listing` recorded it, standing in for os.DirEntry (it is its own stat result).
    (A tuple, sorted by name: a listing of ten thousand pages makes ten thousand of them.)"""

    name: str
    path: str
    st_mtime_ns: int
    st_size: int

    def stat(self) -> _Stated:
        return self
