"""Versioned schema migrations. Append new steps; never edit a released one."""

from __future__ import annotations

from forms_backend.storage import counted
from forms_backend.storage.database import Dialect, Tx

TYPES = {
    Dialect.SQLITE: {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB", "real": "REAL"},
    Dialect.POSTGRES: {"id": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA", "real": "DOUBLE PRECISION"},
}

# Each step is a list of statements; {id} and {blob} take the dialect's types. A statement given as
# a dict holds each dialect's own statements.
Statement = str | dict[Dialect, list[str]]

APPEND_ONLY_AUDIT: dict[Dialect, list[str]] = {
    Dialect.SQLITE: [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    ],
    Dialect.POSTGRES: [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}

STEPS: list[list[Statement]] = [
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
    [
        """CREATE TABLE staff_users (
            id {id},
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE notes (
            id {id},
            reference TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sealed {blob} NOT NULL
        )""",
        "CREATE INDEX notes_reference ON notes (reference, created_at)",
        """CREATE TABLE audit_log (
            id {id},
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            reference TEXT,
            detail TEXT NOT NULL DEFAULT ''
        )""",
        APPEND_ONLY_AUDIT,
        """CREATE TABLE outbox (
            reference TEXT PRIMARY KEY,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at)",
        "CREATE INDEX submissions_topic_created ON submissions (topic, created_at)",
        "CREATE INDEX submissions_lang_created ON submissions (lang, created_at)",
    ],
    [
        # The market (state and plan) whose form page a submission came from; '' for a single-plan site.
        "ALTER TABLE submissions ADD COLUMN market TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX submissions_market_created ON submissions (market, created_at)",
    ],
    [
        # The blind index (keys/search_index.py): keyed digests of each submission's search terms, never the terms.
        """CREATE TABLE search_terms (
            submission_id BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
            key_id TEXT NOT NULL,
            digest {blob} NOT NULL
        )""",
        "CREATE INDEX search_terms_digest ON search_terms (digest)",
        "CREATE INDEX search_terms_submission ON search_terms (submission_id, key_id)",
    ],
    [
        # Per-client rate limits shared by every worker (form/rate_limits.py; used on PostgreSQL).
        """CREATE TABLE rate_limits (
            bucket TEXT NOT NULL,
            client TEXT NOT NULL,
            tokens DOUBLE PRECISION NOT NULL,
            stamp DOUBLE PRECISION NOT NULL,
            allowed BOOLEAN NOT NULL,
            PRIMARY KEY (bucket, client)
        )""",
        "CREATE INDEX rate_limits_stamp ON rate_limits (bucket, stamp)",
    ],
    [
        # Casework (staff/casework/cases.py): each submission is a case with a type and deadlines from casework.toml.
        # next_due_at is the deadline that matters now (acknowledge, then resolve; NULL once resolved),
        # so every queue is one index range. Received day and week are the plan's local ones, for reports.
        "ALTER TABLE submissions ADD COLUMN case_type TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE submissions ADD COLUMN expedited INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE submissions ADD COLUMN received_on TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE submissions ADD COLUMN received_week TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE submissions ADD COLUMN acknowledge_due_at TEXT",
        "ALTER TABLE submissions ADD COLUMN resolve_due_at TEXT",
        "ALTER TABLE submissions ADD COLUMN acknowledged_at TEXT",
        "ALTER TABLE submissions ADD COLUMN resolved_at TEXT",
        "ALTER TABLE submissions ADD COLUMN next_due_at TEXT",
        "ALTER TABLE submissions ADD COLUMN acknowledge_hours {real}",
        "ALTER TABLE submissions ADD COLUMN resolve_hours {real}",
        # The queues and the report read only these indexes (they cover every column those queries use).
        "CREATE INDEX submissions_next_due ON submissions (next_due_at, case_type, market)",
        "CREATE INDEX submissions_assigned_due ON submissions (assigned_to, next_due_at)",
        "CREATE INDEX submissions_report ON submissions"
        " (received_on, market, case_type, preferred_language, received_week, acknowledge_hours, resolve_hours)",
        """CREATE TABLE contact_attempts (
            id {id},
            reference TEXT NOT NULL,
            at TEXT NOT NULL,
            staff TEXT NOT NULL,
            outcome TEXT NOT NULL,
            language TEXT NOT NULL,
            interpreter INTEGER NOT NULL,
            sealed {blob} NOT NULL
        )""",
        "CREATE INDEX contact_attempts_reference ON contact_attempts (reference, at)",
        "ALTER TABLE staff_users ADD COLUMN email TEXT",
        # Mail that is not about one new submission (the daily digest) carries its own recipient and text.
        "ALTER TABLE outbox ADD COLUMN recipient TEXT",
        "ALTER TABLE outbox ADD COLUMN subject TEXT",
        "ALTER TABLE outbox ADD COLUMN body TEXT",
    ],
    [
        # /healthz writes here while the storage is failing, to see whether a member's write would work again.
        "CREATE TABLE service_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL)",
    ],
    [
        # Counts the inbox shows, kept up to date by triggers (storage/counted.py), and the open cases'
        # indexes the queues are read along: no staff page counts a million rows.
        *counted.INBOX_STATEMENTS,
    ],
    [
        # The report's figures from counts kept the same way: received per day, open cases per type, and how
        # long cases took counted per week and duration bucket, with the indexes a percentile's bucket is
        # read along. The triggers are replaced by ones that keep every counts table.
        *counted.REPORT_STATEMENTS,
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
            for text in (
                statement[tx.dialect] if isinstance(statement, dict) else [statement.format(**TYPES[tx.dialect])]
            ):
                tx.execute(text)
        tx.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    return len(STEPS)
