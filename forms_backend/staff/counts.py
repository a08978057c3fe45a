"""The numbers the inbox shows (how many match, per status, per queue), from counts kept up to date by
the database itself (storage/counted.py) rather than by counting a million rows on every page.

A filter on status, topic, language, market and received day is a sum over a small table. Only the
deadline queues compare with this very moment, so they are counted on the index of open cases'
deadlines, which holds every column the inbox filters on: "due soon" is the range from now to soon,
and "overdue" is every open case less those due from now on (in a team that keeps up, the smaller side;
in the benchmark's year of backlog, a twentieth of the open cases).
"""

from __future__ import annotations

from forms_backend.staff.filters import Filters, Viewer
from forms_backend.storage.database import Dialect, Tx


def _sum(tx: Tx, sql: str, params: list[object]) -> int:
    row = tx.fetchone(sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def matching(tx: Tx, filters: Filters) -> int:
    """How many submissions match the filters (no queue)."""
    clauses, params = filters.conditions(day_column="day")
    return _sum(tx, "SELECT SUM(n) FROM submission_counts" + _and(clauses), params)


def per_status(tx: Tx, filters: Filters) -> dict[str, int]:
    """How many match the filters, whatever their status, per status."""
    clauses, params = filters.conditions(include_status=False, day_column="day")
    rows = tx.fetchall(f"SELECT status, SUM(n) FROM submission_counts{_and(clauses)} GROUP BY status", params)
    return {str(status): int(count) for status, count in rows if count}


def per_queue(tx: Tx, filters: Filters, viewer: Viewer) -> dict[str, int]:
    """How many open cases each queue holds under the filters (their status filter included)."""
    dated = bool(filters.date_from or filters.date_to)
    clauses, params = filters.conditions(day_column="day")
    mine, unassigned, open_cases = _sums(
        tx,
        "SELECT SUM(CASE WHEN assignee = ? THEN n ELSE 0 END), SUM(CASE WHEN assignee = '' THEN n ELSE 0 END), SUM(n)"
        f" FROM {'open_case_counts' if dated else 'open_case_totals'}" + _and(clauses),
        [viewer.username, *params],
    )
    row_clauses, row_params = filters.conditions()
    not_yet_due, due_soon = _sums(
        tx,
        "SELECT COUNT(*), SUM(CASE WHEN next_due_at < ? THEN 1 ELSE 0 END)"
        f" FROM submissions{queue_index(tx, 'due_soon')}" + _and([*row_clauses, "next_due_at >= ?"]),
        [viewer.soon, *row_params, viewer.now],
    )
    return {"mine": mine, "unassigned": unassigned, "due_soon": due_soon, "overdue": open_cases - not_yet_due}


def _sums(tx: Tx, sql: str, params: list[object]) -> list[int]:
    row = tx.fetchone(sql, params) or ()
    return [int(value or 0) for value in row]


# A queue's rows are read along the index of its deadlines. SQLite, without statistics, would take the
# index of an equality filter instead (topic, language: a sixth or half of a million rows) and sort or
# scan them all; PostgreSQL keeps statistics (autovacuum) and chooses well by itself.
QUEUE_INDEXES = {
    "mine": "submissions_open_assigned",
    "unassigned": "submissions_open_assigned",
    "due_soon": "submissions_open_due",
    "overdue": "submissions_open_due",
}


def queue_index(tx: Tx, queue: str) -> str:
    """`INDEXED BY` the index a queue's rows are read along, on SQLite; "" elsewhere or outside a queue."""
    return f" INDEXED BY {QUEUE_INDEXES[queue]}" if queue and tx.dialect is Dialect.SQLITE else ""


def _and(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""
