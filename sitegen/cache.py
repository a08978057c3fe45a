"""The persistent build cache: what each source was, and what each page's output was rendered from.

One SQLite file per project and output folder under `.build-cache/`. It is only ever a shortcut:
a cache that is corrupt, from another version or from another project is set aside with a warning
and the build starts from scratch. Nothing in it is executed (JSON and text only, no pickle).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .content import Page

FORMAT = "memberpages-build-cache-5"
PAGE_FIELDS = tuple(f.name for f in fields(Page))
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, page TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (source TEXT PRIMARY KEY, input_key TEXT NOT NULL, output TEXT NOT NULL,
                                    deps TEXT NOT NULL, hrefs TEXT NOT NULL, ids TEXT NOT NULL);
"""


@dataclass(frozen=True)
class OutputRecord:
    """What one page's output was rendered from, and the links and ids its body holds (for link checks)."""

    input_key: str
    output: str
    deps: tuple[str, ...]
    hrefs: tuple[str, ...]
    ids: tuple[str, ...]


class BuildCache:
    def __init__(self, path: Path, identity: str) -> None:
        self.path = path
        self.identity = identity
        self.db = self._open()
        self._stats: dict[str, tuple[int, int]] | None = None  # kept in step with the table by save()

    @classmethod
    def for_build(cls, source: Path, out_dir: Path) -> BuildCache:
        identity = f"{FORMAT}|{source.resolve()}|{out_dir.resolve()}"
        name = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return cls(source / ".build-cache" / f"{name}.sqlite", identity)

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )  # one builder, one thread at a time
            db.executescript(SCHEMA)
            _fast(db)
            found = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
            if found and found[0] != self.identity:
                raise ValueError("the cache belongs to another project, output folder or version")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (self.identity,))
            return db
        except (sqlite3.DatabaseError, ValueError) as exc:
            print(f"warning: ignoring the build cache {self.path} ({exc}); building from scratch", file=sys.stderr)
            for leftover in self.path.parent.glob(self.path.name + "*"):
                leftover.unlink()
            db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )  # one builder, one thread at a time
            db.executescript(SCHEMA)
            _fast(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (self.identity,))
            return db

    # -- reading (every read tolerates damage by returning "not cached") ------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def sources(self) -> dict[str, tuple[int, int, Page]]:
        """Each source file's size and time when last read, and its page without the body."""
        found = {}
        for path, mtime, size, text in self.db.execute("SELECT path, mtime_ns, size, page FROM sources"):
            page = page_from_json(str(text))
            if page is not None:
                found[str(path)] = (int(mtime), int(size), page)
        return found

    def stats(self) -> dict[str, tuple[int, int]]:
        """Each source file's time and size when last read (without decoding the pages); read once, then kept."""
        if self._stats is None:
            self._stats = {
                str(p): (int(m), int(s)) for p, m, s in self.db.execute("SELECT path, mtime_ns, size FROM sources")
            }
        return self._stats

    def outputs(self) -> dict[str, OutputRecord]:
        records = {}
        for source, key, output, deps, hrefs, ids in self.db.execute("SELECT * FROM outputs"):
            try:
                records[str(source)] = OutputRecord(str(key), str(output), _split(deps), _split(hrefs), _split(ids))
            except (ValueError, TypeError):
                continue
        return records

    # -- writing: one transaction per build, after it succeeded ----------------------------------

    def save(
        self,
        meta: dict[str, str],
        sources: dict[str, tuple[int, int, Page]],
        outputs: Mapping[str, OutputRecord],
        changed_sources: set[str],
        changed_outputs: set[str],
        removed: set[str],
    ) -> None:
        """Write what this build changed (everything, the first time) in one transaction."""
        db = self.db
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        db.executemany("DELETE FROM sources WHERE path = ?", ((p,) for p in removed))
        db.executemany("DELETE FROM outputs WHERE source = ?", ((p,) for p in removed))
        db.executemany(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
            ((p, *sources[p][:2], page_to_json(sources[p][2])) for p in changed_sources if p in sources),
        )
        db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
            (
                (source, r.input_key, r.output, _join(r.deps), _join(r.hrefs), _join(r.ids))
                for source, r in ((s, outputs[s]) for s in changed_outputs if s in outputs)
            ),
        )
        db.execute("COMMIT")
        if self._stats is not None:
            for path in removed:
                self._stats.pop(path, None)
            self._stats.update((p, (sources[p][0], sources[p][1])) for p in changed_sources if p in sources)

    def close(self) -> None:
        self.db.close()


def page_to_json(page: Page) -> str:
    """The page without its body (read again from the file when the page must render)."""
    fields = {name: getattr(page, name) for name in PAGE_FIELDS}  # not asdict(): it deep-copies
    return json.dumps({**fields, "body": "", "meta": {}}, ensure_ascii=False)


def page_from_json(text: str) -> Page | None:
    try:
        data: dict[str, Any] = json.loads(text)
        data["meta_lines"] = {str(k): int(v) for k, v in data["meta_lines"].items()}
        data["markets"] = tuple(str(m) for m in data.get("markets", ()))
        return Page(**data)
    except (ValueError, TypeError):
        return None


def _join(values: tuple[str, ...]) -> str:
    return "\n".join(values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def _fast(db: sqlite3.Connection) -> None:
    """The cache is only a shortcut (a damaged one is detected and dropped), so it skips fsync."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
