"""The numbers the inbox shows (how many match, per status, per queue), from counts kept up to date
by the database itself rather than by counting a million rows on every page.

Triggers on `submissions` (storage/migrations.py) keep two small tables in the same transaction as
every insert, change and delete, whoever makes it (the form, staff, retention, a restore):

- `submission_counts`: rows per received day (UTC), status, topic, language and market;
- `open_case_counts`: open cases (with a deadline still to meet) per received day, day of the next
  deadline, assignee, status, topic, language and market.

A filter on those columns is a sum over at most a few hundred rows a day. Only the deadline queues
compare with this very moment: whole days come from the table, and the one or two days the moment
falls in are counted on the deadline index, which holds a day's cases at most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..storage.database import Tx

if TYPE_CHECKING:
    from .inbox import Filters, Viewer


def _where(filters: Filters, day_column: str = "day", with_status: bool = True) -> tuple[list[str], list[object]]:
    """The filters as conditions on a counts table's columns."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (
        ("status", filters.status if with_status else ""),
        ("topic", filters.topic),
        ("lang", filters.lang),
        ("market", filters.market),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.date_from:
        clauses.append(f"{day_column} >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        clauses.append(f"{day_column} <= ?")
        params.append(filters.date_to)
    return clauses, params


def _sum(tx: Tx, sql: str, params: list[object]) -> int:
    row = tx.fetchone(sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def matching(tx: Tx, filters: Filters) -> int:
    """How many submissions match the filters (no queue)."""
    clauses, params = _where(filters)
    return _sum(tx, "SELECT SUM(n) FROM submission_counts" + _and(clauses), params)


def per_status(tx: Tx, filters: Filters) -> dict[str, int]:
    """How many match the filters, whatever their status, per status."""
    clauses, params = _where(filters, with_status=False)
    rows = tx.fetchall(f"SELECT status, SUM(n) FROM submission_counts{_and(clauses)} GROUP BY status", params)
    return {str(status): int(count) for status, count in rows if count}


def in_queue(tx: Tx, queue: str, filters: Filters, viewer: Viewer) -> int:
    """How many open cases a queue holds under the filters (its status filter included)."""
    clauses, params = _where(filters)
    if queue == "mine":
        return _sum(
            tx, "SELECT SUM(n) FROM open_case_counts" + _and([*clauses, "assignee = ?"]), [*params, viewer.username]
        )
    if queue == "unassigned":
        return _sum(tx, "SELECT SUM(n) FROM open_case_counts" + _and([*clauses, "assignee = ''"]), params)
    if queue == "overdue":
        return _due_between(tx, "", viewer.now, filters)
    return _due_between(tx, viewer.now, viewer.soon, filters)  # due_soon


def _due_between(tx: Tx, start: str, end: str, filters: Filters) -> int:
    """Open cases whose next deadline is at or after `start` and before `end` (stored-time text; "" for the
    beginning of time): whole days from the table, the edge days from the deadline index."""
    start_day, end_day = start[:10], end[:10]
    clauses, params = _where(filters)
    whole_days = ["due_day < ?"] + (["due_day > ?"] if start else [])
    total = _sum(
        tx,
        "SELECT SUM(n) FROM open_case_counts" + _and([*clauses, *whole_days]),
        [*params, end_day, *([start_day] if start else [])],
    )
    edges = (
        [(start, end)]
        if start and start_day == end_day
        else [(end_day, end)] + ([(start, start_day + "T99")] if start else [])
    )
    row_clauses, row_params = _row_where(filters)
    for low, high in edges:
        total += _sum(
            tx,
            "SELECT COUNT(*) FROM submissions" + _and([*row_clauses, "next_due_at >= ?", "next_due_at < ?"]),
            [*row_params, low, high],
        )
    return total


def _row_where(filters: Filters) -> tuple[list[str], list[object]]:
    """The same filters on the submissions table itself (for the edge days)."""
    clauses, params = _where(filters, day_column="created_at")
    if filters.date_to:
        params[-1] = filters.date_to + "T99"  # every time on that day sorts before this
        clauses[-1] = "created_at < ?"
    return clauses, params


def _and(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""
