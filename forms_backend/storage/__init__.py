"""Storage: one interface over SQLite (embedded default) and PostgreSQL (when DATABASE_URL says so)."""

from __future__ import annotations

from .database import Database, Dialect, Tx
from .migrations import migrate


def open_database(url: str) -> Database:
    """`sqlite:///path/to/file.db` or `postgresql://…`; runs pending migrations."""
    if url.startswith("sqlite:"):
        from .sqlite import SQLiteDatabase

        # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them
        database: Database = SQLiteDatabase(url.removeprefix("sqlite:///"))
    elif url.startswith(("postgres://", "postgresql://")):
        from .postgres import PostgresDatabase

        database = PostgresDatabase(url)
    else:
        raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
    database.run_sync_write(migrate)
    return database


__all__ = ["Database", "Dialect", "Tx", "open_database"]
