"""Remove submissions older than the retention period, with their notes, calls and queued notifications.

Safe to run again and again: it removes only what is past the cutoff and records each run
in the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forms_backend.staff import audit
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import stamp


def purge(database: Database, older_than_days: int, actor: str = "retention") -> int:
    """Delete what was received before now minus `older_than_days`; return how many submissions."""
    cutoff = stamp(datetime.now(UTC) - timedelta(days=older_than_days))

    def remove(tx: Tx) -> int:
        expired = "SELECT reference FROM submissions WHERE created_at < ?"
        tx.execute(f"DELETE FROM notes WHERE reference IN ({expired})", (cutoff,))
        tx.execute(f"DELETE FROM contact_attempts WHERE reference IN ({expired})", (cutoff,))
        tx.execute(f"DELETE FROM outbox WHERE reference IN ({expired})", (cutoff,))
        removed = tx.execute("DELETE FROM submissions WHERE created_at < ?", (cutoff,))
        audit.record(
            tx,
            actor,
            "retention.purge",
            detail=f"removed {removed} submissions received before {cutoff[:10]} ({older_than_days} days)",
        )
        return removed

    return database.run_sync_write(remove)
