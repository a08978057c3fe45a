"""A submission as a case: its type and deadlines, when it was acknowledged and resolved.

Every change happens inside the caller's transaction, with its audit entry, and ends by working out
`next_due_at` again: the deadline that matters now (acknowledge, then resolve; none once resolved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from forms_backend.staff import audit
from forms_backend.staff.casework.rules import CaseRules, CaseType
from forms_backend.staff.presenting import Clock
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import StoredInquiry, stamp, stored_time

NEXT_DUE = "CASE WHEN resolved_at IS NOT NULL THEN NULL WHEN acknowledged_at IS NULL THEN acknowledge_due_at ELSE resolve_due_at END"
RESOLVED_STATUSES = ("answered", "closed")


def hours_between(start: str, end: datetime) -> float:
    return round((end - stored_time(start)).total_seconds() / 3600, 4)


@dataclass(frozen=True)
class Casework:
    rules: CaseRules
    clock: Clock

    def case_type(self, name: str, market: str = "") -> CaseType | None:
        return self.rules.types_for(market).get(name)

    def new_case(self, created_at: str, topic: str, market: str) -> dict[str, object]:
        """The case columns of a submission received at `created_at`: its type, the plan's local day and week
        of receipt, its deadlines, and the one that matters first (acknowledging)."""
        case_type = self.rules.type_for_topic(topic, market)
        received = stored_time(created_at)
        zone = self.clock.zone(market)
        local_day = received.astimezone(zone).date()
        deadlines = self.rules.deadlines(received, case_type, False, zone)
        return {
            "case_type": case_type.name,
            "expedited": 0,
            "received_on": local_day.isoformat(),
            "received_week": (local_day - timedelta(days=local_day.weekday())).isoformat(),
            "acknowledge_due_at": stamp(deadlines.acknowledge_by),
            "resolve_due_at": stamp(deadlines.resolve_by),
            "next_due_at": stamp(deadlines.acknowledge_by),
        }

    def open_case(self, tx: Tx, reference: str, created_at: str, topic: str, market: str) -> None:
        """Give a submission stored before casework (not yet acknowledged or resolved) its case."""
        columns = self.new_case(created_at, topic, market)
        tx.execute(
            f"UPDATE submissions SET {', '.join(f'{name} = ?' for name in columns)} WHERE reference = ?",
            (*columns.values(), reference),
        )

    def reclassify(self, tx: Tx, actor: str, item: StoredInquiry, new_type: str, expedited: bool) -> None:
        """Change a case's type or expedited flag; deadlines count again from the day of receipt."""
        case_type = self.case_type(new_type, item.market)
        if case_type is None or (expedited and not case_type.expedited_hours):
            raise ValueError(new_type)
        before = (
            f"{item.case.case_type}{' (expedited)' if item.case and item.case.expedited else ''}"
            if item.case
            else "(none)"
        )
        self._set_deadlines(tx, item.reference, stored_time(item.created_at), case_type, expedited, item.market)
        audit.record(
            tx, actor, "reclassify", item.reference, f"{before} → {new_type}{' (expedited)' if expedited else ''}"
        )

    def _set_deadlines(
        self,
        tx: Tx,
        reference: str,
        received: datetime,
        case_type: CaseType,
        expedited: bool,
        market: str,
    ) -> None:
        deadlines = self.rules.deadlines(received, case_type, expedited, self.clock.zone(market))
        tx.execute(
            "UPDATE submissions SET case_type = ?, expedited = ?, acknowledge_due_at = ?, resolve_due_at = ? WHERE reference = ?",
            (
                case_type.name,
                int(expedited),
                stamp(deadlines.acknowledge_by),
                stamp(deadlines.resolve_by),
                reference,
            ),
        )
        self._refresh(tx, reference)

    def acknowledge(self, tx: Tx, actor: str, reference: str, at: datetime, how: str) -> bool:
        """Record the acknowledgement once (the first one counts); True if this was it."""
        row = tx.fetchone(
            "SELECT created_at FROM submissions WHERE reference = ? AND acknowledged_at IS NULL", (reference,)
        )
        if row is None:
            return False
        tx.execute(
            "UPDATE submissions SET acknowledged_at = ?, acknowledge_hours = ? WHERE reference = ? AND acknowledged_at IS NULL",
            (stamp(at), hours_between(str(row[0]), at), reference),
        )
        self._refresh(tx, reference)
        audit.record(tx, actor, "acknowledge", reference, how)
        return True

    def status_changed(self, tx: Tx, reference: str, new_status: str, at: datetime) -> None:
        """Answering or closing resolves the case; reopening it makes its resolve deadline count again."""
        if new_status in RESOLVED_STATUSES:
            row = tx.fetchone(
                "SELECT created_at FROM submissions WHERE reference = ? AND resolved_at IS NULL", (reference,)
            )
            if row is not None:
                tx.execute(
                    "UPDATE submissions SET resolved_at = ?, resolve_hours = ? WHERE reference = ?",
                    (stamp(at), hours_between(str(row[0]), at), reference),
                )
        else:
            tx.execute(
                "UPDATE submissions SET resolved_at = NULL, resolve_hours = NULL WHERE reference = ?", (reference,)
            )
        self._refresh(tx, reference)

    @staticmethod
    def _refresh(tx: Tx, reference: str) -> None:
        tx.execute(f"UPDATE submissions SET next_due_at = {NEXT_DUE} WHERE reference = ?", (reference,))

    def classify_unclassified(self, database: Database, batch: int = 2000) -> int:
        """Open cases for submissions stored before casework existed (resumable; each batch commits).
        They are the rows with no received day yet, found through the report index's first column."""
        done = 0
        while True:
            rows = database.run_sync_read(
                lambda tx: tx.fetchall(
                    "SELECT reference, created_at, topic, market, status FROM submissions WHERE received_on = '' ORDER BY id LIMIT ?",
                    (batch,),
                )
            )
            if not rows:
                return done

            def classify(tx: Tx, rows: list[tuple[object, ...]] = rows) -> None:
                for reference, created_at, topic, market, status in rows:
                    self.open_case(tx, str(reference), str(created_at), str(topic), str(market))
                    if status in RESOLVED_STATUSES:  # resolved before anyone kept time: no clock to show
                        tx.execute(
                            "UPDATE submissions SET resolved_at = created_at, next_due_at = NULL WHERE reference = ?",
                            (reference,),
                        )

            database.run_sync_write(classify)
            done += len(rows)
