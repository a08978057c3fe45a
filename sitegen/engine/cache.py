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
from pathlib import Path
from typing import Any, NamedTuple

from sitegen.content.page import Page

FORMAT = "memberpages-build-cache-7"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
                                    lang TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
                                    key TEXT NOT NULL, slug TEXT NOT NULL, body_line INTEGER NOT NULL,
                                    meta_lines TEXT NOT NULL, digest TEXT NOT NULL, translated_from TEXT NOT NULL,
                                    markets TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (source TEXT PRIMARY KEY, input_key TEXT NOT NULL, output TEXT NOT NULL,
                                    deps TEXT NOT NULL, hrefs TEXT NOT NULL, ids TEXT NOT NULL,
                                    text TEXT NOT NULL);
"""


class OutputRecord(NamedTuple):
    """What one page's output was rendered from, and the links and ids its body holds (for link checks).
    (A tuple: a new process's one-page edit makes ten thousand of them from the cache.)"""

    input_key: str
    output: str
    deps: tuple[str, ...]
    hrefs: tuple[str, ...]
    ids: tuple[str, ...]
    text: str = ""  # the hash of the text as published, when approvals are on (see approval.material)


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

    def meta_json(self, key: str) -> Any:
        """A value kept with `keep_json`, or None (also for a damaged one)."""
        try:
            return json.loads(self.meta(key) or "null")
        except ValueError:
            return None

    def keep_json(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))

    def sources(self) -> dict[str, tuple[int, int, Page]]:
        """Each source file's size and time when last read, and its page without the body.
        (A page is a row of plain columns: a cold process decodes ten thousand of them for a one-page edit.)"""
        found = {}
        layouts: dict[str, dict[str, int]] = {}  # most pages have their front matter on the same lines
        for path, mtime, size, *columns in self.db.execute("SELECT * FROM sources"):
            page = page_from_row(str(path), columns, layouts)
            if page is not None:
                found[str(path)] = (int(mtime), int(size), page)
        return found

    def stats(self) -> dict[str, tuple[int, int]]:
        """Each source file's time and size when last read (without decoding the pages); read once, then kept."""
        if self._stats is None:  # (a damaged row's odd types compare unequal: its file is read again)
            self._stats = {p: (m, s) for p, m, s in self.db.execute("SELECT path, mtime_ns, size FROM sources")}
        return self._stats

    def outputs(self) -> dict[str, OutputRecord]:
        records = {}
        shared: dict[str, tuple[str, ...]] = {}  # most pages show the same few contact lines: split each list once
        for source, key, output, deps, hrefs, ids, text in self.db.execute("SELECT * FROM outputs"):
            try:
                deps_of = shared.get(deps) or shared.setdefault(deps, _split(deps))
                records[str(source)] = OutputRecord(
                    str(key), str(output), deps_of, _split(hrefs), _split(ids), str(text)
                )
            except (ValueError, TypeError, AttributeError):
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
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((p, *sources[p][:2], *page_to_row(sources[p][2])) for p in changed_sources if p in sources),
        )
        db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (source, r.input_key, r.output, _join(r.deps), _join(r.hrefs), _join(r.ids), r.text)
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


def page_to_row(page: Page) -> tuple[str | int, ...]:
    """The page without its body (read again from the file when the page must render)."""
    return (
        page.lang,
        page.title,
        page.description,
        page.key,
        page.slug,
        page.body_line,
        json.dumps(page.meta_lines),
        page.digest,
        page.translated_from,
        _join(page.markets),
    )


def page_from_row(path: str, row: list[Any], layouts: dict[str, dict[str, int]]) -> Page | None:
    """`layouts`: front-matter line numbers decoded so far, by their JSON (pages share them; nobody changes them)."""
    lang, title, description, key, slug, body_line, meta_lines, digest, translated_from, markets = row
    try:
        lines = layouts.get(meta_lines) or layouts.setdefault(
            meta_lines, {str(k): int(v) for k, v in json.loads(meta_lines).items()}
        )
        return Page(
            path,
            lang,
            title,
            description,
            key,
            slug,
            "",
            int(body_line),
            lines,
            {},
            digest,
            translated_from,
            _split(markets),
        )
    except (ValueError, TypeError, AttributeError):
        return None


def _join(values: tuple[str, ...]) -> str:
    return "\n".join(values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def _fast(db: sqlite3.Connection) -> None:
    """The cache is only a shortcut (a damaged one is detected and dropped), so it skips fsync."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
