"""Versioned schema migrations. Append new steps; never edit a released one."""

from __future__ import annotations

from .database import Dialect, Tx

TYPES = {
    Dialect.SQLITE: {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    Dialect.POSTGRES: {"id": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"},
}

# Each step is a list of statements; {id} and {blob} take the dialect's types.
STEPS: list[list[str]] = [
    [
        """CREATE TABLE submissions (
            id {id},
            reference TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            lang TEXT NOT NULL,
            topic TEXT NOT NULL,
            contact_method TEXT NOT NULL,
            preferred_language TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new',
            assigned_to TEXT,
            sealed {blob} NOT NULL
        )""",
        "CREATE INDEX submissions_created ON submissions (created_at)",
        "CREATE INDEX submissions_status_created ON submissions (status, created_at)",
        """CREATE TABLE used_form_tokens (
            nonce TEXT PRIMARY KEY,
            used_at TEXT NOT NULL
        )""",
    ],
]


def migrate(tx: Tx) -> int:
    """Bring the schema up to date; return the version reached."""
    if tx.dialect is Dialect.POSTGRES:
        # Several workers may start at once; one migrates while the others wait.
        tx.execute("SELECT pg_advisory_xact_lock(715517)")
    tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = tx.fetchone("SELECT MAX(version) FROM schema_version")
    current = row[0] if row and row[0] is not None else 0
    for version, statements in enumerate(STEPS, start=1):
        if version <= current:
            continue
        for statement in statements:
            tx.execute(statement.format(**TYPES[tx.dialect]))
        tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    return len(STEPS)
