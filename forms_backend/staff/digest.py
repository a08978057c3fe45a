"""The daily digest: each staff member with an email address is told how many of their cases are due
soon or overdue, and how many unassigned cases are overdue, with links to those queues. Counts and
links only: no member, no message, nothing from a case reaches a mailbox.

It goes through the outbox like the new-inquiry notice (sent, retried with back-off, never lost);
one row per person per day, so running the command twice sends one digest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import stamp


@dataclass(frozen=True)
class Digest:
    username: str
    email: str
    due_soon: int
    overdue: int
    unassigned_overdue: int

    @property
    def worth_sending(self) -> bool:
        return bool(self.due_soon or self.overdue or self.unassigned_overdue)


def digests(tx: Tx, now: datetime, due_soon_days: int) -> list[Digest]:
    """Each active staff member with an email address, and their counts."""
    now_text, soon_text = stamp(now), stamp(now + timedelta(days=due_soon_days))
    mine = {
        str(user): (int(soon), int(late))
        for user, soon, late in tx.fetchall(
            "SELECT assigned_to, SUM(CASE WHEN next_due_at >= ? AND next_due_at < ? THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN next_due_at < ? THEN 1 ELSE 0 END) FROM submissions"
            " WHERE assigned_to IS NOT NULL AND next_due_at < ? GROUP BY assigned_to",
            (now_text, soon_text, now_text, soon_text),
        )
    }
    row = tx.fetchone("SELECT COUNT(*) FROM submissions WHERE assigned_to IS NULL AND next_due_at < ?", (now_text,))
    unassigned = int(row[0]) if row else 0
    users = tx.fetchall(
        "SELECT username, email FROM staff_users WHERE disabled = 0 AND email IS NOT NULL ORDER BY username"
    )
    return [Digest(str(name), str(email), *mine.get(str(name), (0, 0)), unassigned) for name, email in users]


def queue_digests(
    database: Database, render: Callable[[Digest], tuple[str, str]], now: datetime, due_soon_days: int, day: date
) -> int:
    """Put today's digests in the outbox (once per person per day); return how many were added."""

    def enqueue(tx: Tx) -> int:
        added = 0
        for digest in digests(tx, now, due_soon_days):
            if not digest.worth_sending:
                continue
            subject, body = render(digest)
            added += tx.execute(
                "INSERT INTO outbox (reference, next_attempt_at, recipient, subject, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (reference) DO NOTHING",
                (f"digest/{day.isoformat()}/{digest.username}", stamp(now), digest.email, subject, body),
            )
        return added

    return database.run_sync_write(enqueue)
