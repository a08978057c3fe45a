"""The append-only audit log: who did what, when, to which submission. The database refuses
UPDATE and DELETE on it (triggers), so the app has no way to rewrite history."""

from __future__ import annotations

from dataclasses import dataclass

from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import utc_now


@dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    reference: str | None
    detail: str


def record(tx: Tx, actor: str, action: str, reference: str | None = None, detail: str = "") -> None:
    """Append one entry inside the caller's transaction, so the entry and the change commit together."""
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, reference, detail) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), actor, action, reference, detail),
    )


async def append(database: Database, actor: str, action: str, reference: str | None = None, detail: str = "") -> None:
    await database.write(lambda tx: record(tx, actor, action, reference, detail))


async def entries(
    database: Database, page: int, per_page: int = 50, reference: str | None = None
) -> tuple[list[AuditEntry], int]:
    where, params = ("WHERE reference = ?", [reference]) if reference else ("", [])

    def read(tx: Tx) -> tuple[list[AuditEntry], int]:
        rows = tx.fetchall(
            f"SELECT at, actor, action, reference, detail FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, per_page, (page - 1) * per_page),
        )
        total = tx.fetchone(f"SELECT COUNT(*) FROM audit_log {where}", params)
        return [AuditEntry(*row) for row in rows], int(total[0]) if total else 0

    return await database.read(read)
