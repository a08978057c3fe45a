"""What staff filter the inbox by (status, topic, language, market, dates, queue), checked and turned into SQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from forms_backend.form.fields import TOPICS

STATUSES = ("new", "in_progress", "answered", "closed")
QUEUES = ("mine", "unassigned", "due_soon", "overdue")
LAST_PAGE = 100_000  # far past any real inbox; keeps OFFSET within every database's integer range
ASCII_DIGITS = re.compile(r"[0-9]{1,9}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def page_number(text: str | None) -> int:
    """A page number from a URL: ASCII digits only (not "²" or "٣"), clamped to 1..LAST_PAGE; anything else is page 1."""
    if not text or not ASCII_DIGITS.fullmatch(text):
        return 1
    return min(max(int(text), 1), LAST_PAGE)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and when: what "my queue", "due soon" and "overdue" mean for this request."""

    username: str
    now: str  # stored-time text, so it compares with next_due_at in SQL
    soon: str  # now plus casework.toml's due_soon_days


QUEUE_CLAUSES: dict[str, tuple[str, Callable[[Viewer], list[object]]]] = {
    "mine": ("assigned_to = ? AND next_due_at IS NOT NULL", lambda v: [v.username]),
    "unassigned": ("assigned_to IS NULL AND next_due_at IS NOT NULL", lambda v: []),
    "due_soon": ("next_due_at >= ? AND next_due_at < ?", lambda v: [v.now, v.soon]),
    "overdue": ("next_due_at < ?", lambda v: [v.now]),
}


@dataclass(frozen=True)
class Filters:
    queue: str = ""
    status: str = ""
    topic: str = ""
    lang: str = ""
    market: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query: dict[str, str], languages: tuple[str, ...], markets: tuple[str, ...] = ()) -> Filters:
        """Accept only known values; anything else is dropped and reported."""
        problems = []

        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = query.get(name, "")
            if value and value not in allowed:
                problems.append(f"unknown {name} {value!r} ignored")
                return ""
            return value

        def day(name: str) -> str:
            value = query.get(name, "")
            try:
                if value and not ISO_DAY.fullmatch(value):
                    raise ValueError(value)
                return date.fromisoformat(value).isoformat() if value else ""
            except ValueError:
                problems.append(f"{name} must be a date like 2026-11-24")
                return ""

        return cls(
            pick("queue", QUEUES),
            pick("status", STATUSES),
            pick("topic", TOPICS),
            pick("lang", languages),
            pick("market", markets),
            day("from"),
            day("to"),
            page_number(query.get("page")),
            tuple(problems),
        )

    def where(
        self, include_status: bool = True, viewer: Viewer | None = None, include_queue: bool = True
    ) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.queue and viewer and include_queue:
            clause, values = QUEUE_CLAUSES[self.queue]
            clauses.append(clause)
            params += values(viewer)
        conditions, condition_params = self.conditions(include_status)
        clauses += conditions
        params += condition_params
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def conditions(self, include_status: bool = True, day_column: str = "") -> tuple[list[str], list[object]]:
        """The filters but the queue, as SQL conditions: on the submissions' own columns, or on a counts
        table's (staff/counts.py) whose `day_column` holds the received day."""
        clauses: list[str] = []
        params: list[object] = []
        for column, value in (
            ("status", self.status if include_status else ""),
            ("topic", self.topic),
            ("lang", self.lang),
            ("market", self.market),
        ):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.date_from:
            clauses.append(f"{day_column or 'created_at'} >= ?")
            params.append(self.date_from)
        if self.date_to and day_column:
            clauses.append(f"{day_column} <= ?")
            params.append(self.date_to)
        elif self.date_to:
            clauses.append("created_at < ?")
            params.append(self.date_to + "T99")  # every time on that day sorts before this
        return clauses, params

    @property
    def order(self) -> str:
        """A queue shows the most urgent first; the inbox the newest."""
        return " ORDER BY next_due_at, id" if self.queue else " ORDER BY created_at DESC, id DESC"

    def query_string(self, **changes: object) -> str:
        values = {
            "queue": self.queue,
            "status": self.status,
            "topic": self.topic,
            "lang": self.lang,
            "market": self.market,
            "from": self.date_from,
            "to": self.date_to,
            "page": self.page,
        }
        values.update({k: v for k, v in changes.items()})
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})
