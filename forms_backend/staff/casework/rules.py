"""Case types and their clocks, from `casework.toml`: which inquiries are grievances, appeals or general
questions, and by when staff must acknowledge and resolve each one.

A deadline of N days ends at the end of the Nth day (calendar or business, in the plan's or the
market's time zone) after the day of receipt; an expedited case is due a number of hours after receipt.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from forms_backend.form.fields import TOPICS
from forms_backend.settings import SettingsError
from sitegen.config.toml_lines import TomlLines

NUMBERS = ("acknowledge_days", "resolve_days", "expedited_hours")


class CaseRulesError(SettingsError):
    """casework.toml is missing, unreadable or inconsistent; the message is `casework.toml:line: … — fix`."""


@dataclass(frozen=True)
class CaseType:
    name: str
    label: str  # what staff call it, e.g. "Grievance"
    topics: tuple[str, ...]  # the form topics that open a case of this type
    acknowledge_days: int
    resolve_days: int
    expedited_hours: int | None  # None: this type cannot be expedited
    acknowledged_by_contact: bool  # the first call that reaches the member is the acknowledgement


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: datetime  # UTC
    resolve_by: datetime  # UTC


@dataclass(frozen=True)
class CaseRules:
    types: dict[str, CaseType]  # in the file's order; the first is the default for unknown topics
    market_types: dict[str, dict[str, CaseType]]  # each market's types, with its overrides applied
    business_days: bool
    holidays: frozenset[date]
    due_soon_days: int

    def types_for(self, market: str = "") -> dict[str, CaseType]:
        return self.market_types.get(market, self.types)

    def type_for_topic(self, topic: str, market: str = "") -> CaseType:
        types = self.types_for(market)
        return next((t for t in types.values() if topic in t.topics), next(iter(types.values())))

    def deadlines(self, received: datetime, case_type: CaseType, expedited: bool, zone: ZoneInfo) -> Deadlines:
        """When a case received at `received` (UTC) must be acknowledged and resolved."""
        local_day = received.astimezone(zone).date()
        acknowledge = self._end_of(self._add_days(local_day, case_type.acknowledge_days), zone)
        resolve = self._end_of(self._add_days(local_day, case_type.resolve_days), zone)
        if expedited and case_type.expedited_hours:
            resolve = received + timedelta(hours=case_type.expedited_hours)
            acknowledge = min(acknowledge, resolve)
        return Deadlines(acknowledge, resolve)

    def _add_days(self, start: date, days: int) -> date:
        if not self.business_days:
            return start + timedelta(days=days)
        day = start
        while days > 0:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in self.holidays:
                days -= 1
        return day

    @staticmethod
    def _end_of(day: date, zone: ZoneInfo) -> datetime:
        """The last moment of a local day, in UTC (a deadline "by the 5th" includes all of the 5th)."""
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return next_midnight.astimezone(UTC) - timedelta(microseconds=1)


def load_case_rules(path: Path, markets: tuple[str, ...] = ()) -> CaseRules:
    shown = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseRulesError(
            f"{shown}: the case types file is missing — restore it from version control (see 'Casework' in README.md)"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseRulesError(
            f"{shown}:{TomlLines.line_of_decode_error(exc) or 1}: cannot be read: {TomlLines.in_editor_words(exc)}"
        ) from None
    lines = TomlLines(text)

    def fail(problem: str, *keys: str) -> CaseRulesError:
        return CaseRulesError(f"{shown}:{lines.line_of(*keys)}: {problem}")

    days = data.get("days", "calendar")
    if days not in ("calendar", "business"):
        raise fail(f'days = {days!r}: write "calendar" or "business"', "days")
    try:
        holidays = frozenset(date.fromisoformat(day) for day in data.get("holidays", []))
    except (TypeError, ValueError):
        raise fail('holidays must be dates like "2026-12-25"', "holidays") from None
    types = {name: _case_type(name, table, fail) for name, table in data.get("types", {}).items()}
    if not types:
        raise fail("no case types: add at least one [types.NAME] table", "types")
    for topic in TOPICS:
        owners = [t.name for t in types.values() if topic in t.topics]
        if len(owners) > 1:
            raise fail(
                f"topic {topic!r} opens cases of two types ({', '.join(owners)}) — give it to one",
                "types",
                owners[1],
                "topics",
            )
    market_types: dict[str, dict[str, CaseType]] = {}
    for market, table in data.get("markets", {}).items():
        if market not in markets:
            raise fail(
                f"[markets.{market}] is not a market of site.toml ({', '.join(markets) or 'it has none'})",
                "markets",
                market,
            )
        overrides = table.get("types", {})
        for name in overrides:
            if name not in types:
                raise fail(
                    f"[markets.{market}.types.{name}]: no case type {name!r} to override",
                    "markets",
                    market,
                    "types",
                    name,
                )
        market_types[market] = {
            name: _overridden(t, overrides.get(name, {}), fail, market) for name, t in types.items()
        }
    due_soon = data.get("due_soon_days", 2)
    if not isinstance(due_soon, int) or due_soon < 1:
        raise fail("due_soon_days must be a whole number of days, 1 or more", "due_soon_days")
    return CaseRules(types, market_types, days == "business", holidays, due_soon)


def _case_type(name: str, table: dict[str, Any], fail: Any) -> CaseType:
    topics = table.get("topics", [])
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise fail(
            f"[types.{name}] topic {unknown[0]!r} is not a form topic ({', '.join(TOPICS)})", "types", name, "topics"
        )
    numbers = _numbers(table, fail, f"types.{name}", ("types", name), required=("acknowledge_days", "resolve_days"))
    return CaseType(
        name,
        str(table.get("label", name)),
        tuple(topics),
        numbers["acknowledge_days"],
        numbers["resolve_days"],
        numbers.get("expedited_hours"),
        bool(table.get("acknowledged_by_contact", False)),
    )


def _overridden(base: CaseType, table: dict[str, Any], fail: Any, market: str) -> CaseType:
    numbers = _numbers(
        table, fail, f"markets.{market}.types.{base.name}", ("markets", market, "types", base.name), required=()
    )
    return replace(
        base,
        acknowledge_days=numbers.get("acknowledge_days", base.acknowledge_days),
        resolve_days=numbers.get("resolve_days", base.resolve_days),
        expedited_hours=numbers.get("expedited_hours", base.expedited_hours),
    )


def _numbers(
    table: dict[str, Any], fail: Any, where: str, keys: tuple[str, ...], required: tuple[str, ...]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in NUMBERS:
        if name not in table:
            if name in required:
                raise fail(f"[{where}] needs {name} = a whole number", *keys)
            continue
        value = table[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail(f"[{where}] {name} must be a whole number, 1 or more", *keys, name)
        found[name] = value
    return found
