"""`backup FILE` and `restore FILE` for the embedded SQLite database.

A backup is one consistent copy taken through SQLite's online backup API while the server goes on
writing: every row committed before it began is in it. It is written 0600 under a temporary name,
checked, synced and renamed, so a half-written file never carries the backup's name. Sealed fields
stay sealed: the copy holds the same ciphertext, and the keys live in the environment, not in it.

A restore refuses what would lose data or could not be read: a database that already holds rows
(unless forced), a backup from a newer schema than this code knows, a damaged file, or rows that
the configured ENCRYPTION_KEYS cannot open. PostgreSQL has its own tools for this (pg_dump, base
backups with point-in-time recovery): see docs/DEPLOY.md.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from forms_backend.keys.crypto import DecryptionFailed, FieldCipher
from forms_backend.maintenance.rekey import SEALED
from forms_backend.private_files import FILE_MODE, private_file
from forms_backend.storage.migrations import STEPS

COUNTED = ("submissions", "notes", "contact_attempts", "staff_users", "audit_log")
POSTGRES_ADVICE = (
    "DATABASE_URL is PostgreSQL: back it up with pg_dump or base backups with WAL archiving "
    "(point-in-time recovery), and restore with pg_restore; see docs/DEPLOY.md, 'Backups and restore'"
)


class BackupError(Exception):
    """The backup or restore was refused; the message says why and what to do. Nothing was changed."""


@dataclass(frozen=True)
class Contents:
    schema: int
    rows: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{count:,} {table.replace('_', ' ')}" for table, count in self.rows.items())
        return f"{counts} (schema version {self.schema})"

    @property
    def holds_data(self) -> bool:
        return any(self.rows.values())


def sqlite_path(database_url: str) -> Path:
    if not database_url.startswith("sqlite:///"):
        raise BackupError(POSTGRES_ADVICE)
    return Path(database_url.removeprefix("sqlite:///"))


def backup(database: Path, target: Path) -> Contents:
    """Copy the live database to `target` (which must not exist yet), consistently, mode 0600."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name (a backup never overwrites one)")
    if not database.exists():
        raise BackupError(f"there is no database at {database}; check DATA_DIR or DATABASE_URL")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    try:
        with closing(_connect(database, read_only=True)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)  # one step: a read transaction over the whole copy, so it is one moment's state
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            contents = _check(copy, partial)
        _fsync(partial)
        partial.rename(target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return contents


def restore(source: Path, database: Path, cipher: FieldCipher, force: bool = False) -> Contents:
    """Replace the database's contents with the backup's, after checking it can be read and opened."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with closing(_connect(source, read_only=True)) as backup_file:
        contents = _check(backup_file, source)
        _check_keys(backup_file, cipher, source)
    if database.exists():
        with closing(_connect(database, read_only=True)) as current:
            existing = _contents(current)
        if existing.holds_data and not force:
            raise BackupError(
                f"{database} already holds {existing.summary()}; restore into an empty DATA_DIR, "
                "or add --force to replace them (take a backup of them first)"
            )
    private_file(database)
    with closing(_connect(source, read_only=True)) as backup_file, closing(_connect(database)) as live:
        live.execute("PRAGMA busy_timeout=30000")
        backup_file.backup(live)  # through SQLite, so a -wal file beside the old database cannot outlive it
    return contents


def _check(connection: sqlite3.Connection, path: Path) -> Contents:
    try:
        problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
        contents = _contents(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable database ({exc}); use another backup") from None
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged ({problems[0]}); use another backup")
    if contents.schema > len(STEPS):
        raise BackupError(
            f"{path} has schema version {contents.schema}, newer than this version of the service knows "
            f"({len(STEPS)}); restore it with the release that made it"
        )
    return contents


def _contents(connection: sqlite3.Connection) -> Contents:
    tables = {str(row[0]) for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        return Contents(0, {})
    schema = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
    rows = {
        table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED if table in tables
    }
    return Contents(int(schema), rows)


def _check_keys(connection: sqlite3.Connection, cipher: FieldCipher, path: Path) -> None:
    """Every sealed row of the backup must open with the configured keys, or the restore would hold
    health information nobody can read."""
    unopened = ", ".join(f"{count:,} {table}" for table, count in _unopened(connection, cipher))
    if unopened:
        raise BackupError(
            f"{path}: rows that do not open with the configured ENCRYPTION_KEYS ({unopened}); "
            "set the keys that were in use when the backup was taken (old keys may follow the new one)"
        )


def _unopened(connection: sqlite3.Connection, cipher: FieldCipher) -> Iterator[tuple[str, int]]:
    tables = {str(row[0]) for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for column in SEALED:
        if column.table not in tables:
            continue
        unreadable = 0
        for reference, sealed in connection.execute(f"SELECT reference, sealed FROM {column.table}"):
            try:
                cipher.open(bytes(sealed), bound_to=column.binding(str(reference)))
            except DecryptionFailed:
                unreadable += 1
        if unreadable:
            yield column.table, unreadable


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    return sqlite3.connect(path)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
