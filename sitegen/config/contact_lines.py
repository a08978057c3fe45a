"""Contact lines and their hours as site.toml writes them: phone and TTY numbers, opening hours, the house style
that phrases them per language."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from sitegen.config.phones import Phone
from sitegen.config.schema import DAY_CODES, STYLE_KEYS, ContactLine, Hours, Style
from sitegen.config.table_reader import TableReader
from sitegen.config.toml_lines import TomlLines


class ContactLineReader(TableReader):
    """Reads [contacts.NAME] tables (shared or a market's) and [style.LANG] tables."""

    def _style(self, lang: str) -> Style:
        table = (self.data.get("style") or {}).get(lang)
        if not isinstance(table, dict):
            self.error(
                ("style",),
                f"missing [style.{lang}]",
                f"add the house style for {lang!r}; copy [style.en] and translate it",
            )
            return Style({k: "" for k in STYLE_KEYS}, {})
        patterns = {}
        for key in STYLE_KEYS:
            value = self.require(table, ("style", lang, key), str, "see the [style.en] table for the expected patterns")
            patterns[key] = value or ""
        zones = table.get("time_zones") or {}
        day_alone = table.get("day_alone") or {}
        for day in day_alone:
            if day not in DAY_CODES:
                self.error(
                    ("style", lang, "day_alone"),
                    f"unknown day {day!r} in [style.{lang}.day_alone]",
                    f"use one of: {', '.join(DAY_CODES)}",
                )
        return Style(
            patterns,
            {str(k): str(v) for k, v in zones.items()},
            {str(k): str(v) for k, v in day_alone.items() if k in DAY_CODES},
        )

    def _contact(
        self, name: str, table: dict[str, Any], languages: list[str], zone: str, keys: tuple[str, ...] = ()
    ) -> ContactLine:
        keys = keys or ("contacts", name)
        labels = (
            self.require(
                table,
                (*keys, "label"),
                dict,
                'e.g. label = { en = "Member Services", es = "Servicios para Afiliados" }',
            )
            or {}
        )
        for lang in languages:
            if labels and not labels.get(lang):
                self.error(
                    (*keys, "label"), f"contact line '{name}' has no {lang!r} label", f'add {lang} = "…" to its label'
                )
        phone = self._phone(
            (*keys, "phone"), self.require(table, (*keys, "phone"), str, 'e.g. phone = "1-844-607-2829"') or ""
        )
        tty_values = table.get("tty", [])
        if not isinstance(tty_values, list):
            self.error((*keys, "tty"), "'tty' must be a list of numbers", 'e.g. tty = ["1-800-743-3333", "711"]')
            tty_values = []
        tty = tuple(self._phone((*keys, "tty"), str(value)) for value in tty_values)
        line_zone = table.get("time_zone", zone)
        self._check_zone((*keys, "time_zone"), str(line_zone))
        hours_values = (
            self.require(
                table, (*keys, "hours"), list, 'e.g. hours = [{ days = "mon-fri", open = "08:00", close = "17:00" }]'
            )
            or []
        )
        hours = tuple(h for h in (self._hours((*keys, "hours"), value) for value in hours_values) if h)
        email = table.get("email", "")
        if not isinstance(email, str) or (email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", email)):
            self.error(
                (*keys, "email"),
                f"{email!r} is not an email address",
                'e.g. email = "CivilRightsCoordinator@example.org"',
            )
            email = ""
        address = table.get("address", [])
        if not isinstance(address, list) or not all(isinstance(part, str) and part.strip() for part in address):
            self.error(
                (*keys, "address"),
                "'address' must be a list of lines",
                'e.g. address = ["Attn: Civil Rights Coordinator", "P.O. Box 1947", "Dayton, OH 45401"]',
            )
            address = []
        return ContactLine(
            name, {str(k): str(v) for k, v in labels.items()}, phone, tty, hours, str(line_zone), email, tuple(address)
        )

    def _phone(self, keys: tuple[str, ...], value: str) -> str:
        phone = Phone.parse(value)
        if phone is not None:
            return phone.digits
        self.error(
            keys,
            f"{value!r} is not a phone number we can dial",
            'write a US number such as "1-844-607-2829" or a code such as "711"',
        )
        return ""

    def _hours(self, keys: tuple[str, ...], value: object) -> Hours | None:
        hint = 'write { days = "mon-fri", open = "08:00", close = "17:00" } or { days = "always" }'
        if not isinstance(value, dict) or not isinstance(value.get("days"), str):
            self.error(keys, "each hours entry needs days, open and close", hint)
            return None
        days_text = value["days"].strip().lower()
        if days_text == "always":
            return Hours(tuple(range(7)), True, None, None)
        days = _parse_days(days_text)
        if days is None:
            self.error(keys, f"cannot read days {value['days']!r}", 'use "mon-fri", "mon,wed,fri", "sat" or "always"')
            return None
        opens, closes = _parse_time(value.get("open")), _parse_time(value.get("close"))
        if opens is None or closes is None:
            self.error(
                keys,
                f"cannot read the opening times in {TomlLines.as_written(value)}",
                'use 24-hour "HH:MM", e.g. open = "08:00", close = "17:30"',
            )
            return None
        if closes != time(0) and closes <= opens:
            self.error(
                keys,
                f"closing time {value.get('close')} is not after opening time {value.get('open')}",
                "check the times; use 24-hour clock",
            )
            return None
        return Hours(days, "-" in days_text, opens, closes)


def _parse_days(text: str) -> tuple[int, ...] | None:
    if "-" in text:
        first, _, last = (part.strip() for part in text.partition("-"))
        if first in DAY_CODES and last in DAY_CODES:
            a, b = DAY_CODES.index(first), DAY_CODES.index(last)
            return tuple(range(a, b + 1)) if a < b else None
        return None
    parts = [part.strip() for part in text.split(",")]
    if all(part in DAY_CODES for part in parts) and len(set(parts)) == len(parts):
        return tuple(sorted(DAY_CODES.index(part) for part in parts))
    return None


def _parse_time(value: object) -> time | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        return None
    hour, minute = int(value[:2]), int(value[3:])
    if hour == 24 and minute == 0:
        return time(0)  # midnight at the end of the day
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
