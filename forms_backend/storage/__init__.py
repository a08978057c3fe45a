"""Storage: one interface over SQLite (embedded default) and PostgreSQL (when DATABASE_URL says so)."""

from __future__ import annotations

from forms_backend.storage.database import Database, Dialect, StorageUnavailable, Tx
from forms_backend.storage.migrations import migrate


def open_database(url: str, timeout: float | None = None) -> Database:
    """`sqlite:///path/to/file.db` or `postgresql://…`; runs pending migrations. `timeout` bounds each wait
    on a PostgreSQL server (the web app sets it; SQLite waits at most its own few seconds for a lock)."""
    if url.startswith("sqlite:"):
        from forms_backend.storage.sqlite import SQLiteDatabase

        # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them
        database: Database = SQLiteDatabase(url.removeprefix("sqlite:///"))
    elif url.startswith(("postgres://", "postgresql://")):
        from forms_backend.storage.postgres import PostgresDatabase

        database = PostgresDatabase(url, timeout=timeout)
    else:
        raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql://")
    database.run_sync_write(migrate)
    return database


__all__ = ["Database", "Dialect", "StorageUnavailable", "Tx", "open_database"]
