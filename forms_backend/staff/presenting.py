"""How staff pages say things: times in the plan's own zone, phone numbers and dates as people
write them, statuses and history in words, and repeated reads folded into one line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_name

from forms_backend.staff.audit import AuditEntry
from forms_backend.storage.records import stored_time

STATUS_WORDS = {"new": "New", "in_progress": "In progress", "answered": "Answered", "closed": "Closed"}
ACTION_WORDS = {
    "view": "viewed it",
    "status": "changed the status",
    "assign": "assigned it",
    "note": "added a note",
    "search": "searched",
    "export": "exported",
    "login": "signed in",
    "logout": "signed out",
    "login.failed": "failed to sign in",
    "login.refused": "was refused sign-in",
    "user.add": "added a user",
    "user.disable": "disabled a user",
    "user.enable": "enabled a user",
    "retention.purge": "removed old submissions",
    "reclassify": "changed the case type",
    "acknowledge": "acknowledged it",
    "call": "logged a call",
    "bulk": "changed it with others",
    "report": "looked at the report",
    "report.csv": "downloaded the report",
    "user.email": "set a digest address",
    "digest": "queued the daily digests",
}


@dataclass(frozen=True)
class Clock:
    """Turns stored UTC times into the plan's local time, per market when markets have their own zones."""

    default_zone: str
    market_zones: dict[str, str]

    def zone(self, market: str = "") -> ZoneInfo:
        return ZoneInfo(self.market_zones.get(market, self.default_zone))

    def local(self, stored: str, market: str = "", long: bool = False) -> str:
        """'2026-11-29T23:51:02.1Z' → '2026-11-29 18:51 ET' (or '… Eastern Time' with long=True)."""
        moment = stored_time(stored)
        zone = self.zone(market)
        here = moment.astimezone(zone)
        name = get_timezone_name(zone, "long" if long else "short", zone_variant="generic", locale="en_US")
        return f"{here:%Y-%m-%d %H:%M} {name}"


def phone_words(digits: str) -> str:
    """Stored digits '5135550142' → '513-555-0142'."""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 and digits.isdigit() else digits


def birth_date_words(iso: str) -> str:
    """'1980-03-27' → '27 March 1980 (1980-03-27)': no reader can take the day for the month."""
    try:
        return f"{format_date(date.fromisoformat(iso), 'd MMMM y', locale='en_US')} ({iso})"
    except ValueError:
        return iso


def status_change_words(detail: str) -> str:
    """'new → in_progress' → 'New → In progress'."""
    return " → ".join(STATUS_WORDS.get(part.strip(), part.strip()) for part in detail.split("→"))


@dataclass(frozen=True)
class HistoryLine:
    when: str
    actor: str
    what: str


def history_lines(entries: Iterable[AuditEntry], clock: Clock, market: str = "") -> list[HistoryLine]:
    """A case's history in words, newest first; one person's reads on one day fold into one line,
    so changes stand out (the audit log itself keeps every read)."""
    lines: list[HistoryLine] = []
    reads: dict[tuple[str, str], tuple[int, int]] = {}  # (who, day) -> (its line, how many reads)
    for entry in entries:
        when = clock.local(entry.at, market)
        if entry.action == "view":
            key = (entry.actor, when[:10])
            if key in reads:
                index, count = reads[key]
                reads[key] = (index, count + 1)
                continue
            reads[key] = (len(lines), 1)
        detail = status_change_words(entry.detail) if entry.action == "status" else entry.detail
        lines.append(
            HistoryLine(
                when, entry.actor, ACTION_WORDS.get(entry.action, entry.action) + (f" ({detail})" if detail else "")
            )
        )
    for (_, day), (index, count) in reads.items():
        if count > 1:
            lines[index] = replace(lines[index], what=f"viewed it {count} times on {day}")
    return lines


@dataclass(frozen=True)
class Span:
    """A stretch of time as staff read it: the largest whole unit, and whether it is past."""

    amount: int
    unit: str  # "day", "hour" or "minute"
    past: bool


def span(start: datetime, end: datetime) -> Span:
    seconds = (end - start).total_seconds()
    minutes = int(abs(seconds) // 60)
    for unit, size in (("day", 1440), ("hour", 60)):
        if minutes >= size:
            return Span(minutes // size, unit, seconds < 0)
    return Span(minutes, "minute", seconds < 0)
