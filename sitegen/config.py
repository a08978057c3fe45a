"""Load and validate `site.toml` once, at the edge, into frozen dataclasses.

Every problem is reported with the line of the offending key, all at once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from .errors import ConfigError, SourceError, raise_all

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STYLE_KEYS = (
    "am", "pm", "noon", "midnight", "day_range", "every_day", "days_first",
    "time_first", "with_zone", "always", "contact",
)


@dataclass(frozen=True)
class Hours:
    """One opening period: days (indexes into DAY_CODES) and times; `always` means 24/7."""

    days: tuple[int, ...]
    is_range: bool
    open: time | None
    close: time | None

    @property
    def always(self) -> bool:
        return self.open is None


@dataclass(frozen=True)
class ContactLine:
    name: str
    labels: dict[str, str]
    phone: str  # digits only: 11 for NANP with leading 1, 3 for N11 codes
    tty: tuple[str, ...]
    hours: tuple[Hours, ...]
    time_zone: str


@dataclass(frozen=True)
class Form:
    name: str
    paths: dict[str, str]
    shown_as: dict[str, str]
    contact: str


@dataclass(frozen=True)
class Style:
    """The plan's house style for one language; time_zones overrides Babel's names."""

    patterns: dict[str, str]
    time_zones: dict[str, str]


@dataclass(frozen=True)
class SiteConfig:
    path: str
    plan_name: str
    base_url: str
    languages: tuple[str, ...]
    time_zone: str
    contacts: dict[str, ContactLine]
    forms: dict[str, Form]
    styles: dict[str, Style]
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)
    readability: dict[str, float] = field(default_factory=dict)  # per language: max grade (en) or min ease (es)

    @property
    def default_language(self) -> str:
        return self.languages[0]


class _Locator:
    """Finds the line of a dotted key in the TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, *keys: str) -> int:
        section_line = 0
        # Find the deepest [table] header that is a prefix of the key path.
        for depth in range(len(keys), 0, -1):
            header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(_key_re(k) for k in keys[:depth]) + r"\s*\]+")
            for number, line in enumerate(self.lines, 1):
                if header.match(line):
                    section_line = number
                    break
            if section_line:
                rest = keys[depth:]
                break
        else:
            rest = keys
        if rest:
            key = re.compile(r"^\s*" + _key_re(rest[0]) + r"\s*[=.]")
            for number in range(section_line, len(self.lines)):
                if key.match(self.lines[number]):
                    return number + 1
        return section_line or 1


def _key_re(key: str) -> str:
    return "(?:" + re.escape(key) + '|"' + re.escape(key) + '")'


def load_config(path: Path, display_path: str | None = None) -> SiteConfig:
    """Read and validate the config file; raise `SiteErrors` listing every problem."""
    shown = display_path or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(shown, 0, "config file not found", "create it; see site.toml in the project for an example") from None
    except UnicodeDecodeError:
        raise ConfigError(shown, 0, "config file is not UTF-8 text", "save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        line = int(match.group(1)) if match else 0
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(shown, line, f"not valid TOML: {problem}", "check quotes, brackets and '=' on that line") from None
    return _Validator(shown, data, _Locator(text)).config()


class _Validator:
    def __init__(self, path: str, data: dict[str, Any], locator: _Locator) -> None:
        self.path = path
        self.data = data
        self.locator = locator
        self.errors: list[SourceError] = []

    def error(self, keys: tuple[str, ...], problem: str, hint: str) -> None:
        self.errors.append(ConfigError(self.path, self.locator.line_of(*keys), problem, hint))

    def require(self, table: dict[str, Any], keys: tuple[str, ...], kind: type, hint: str) -> Any:
        value = table.get(keys[-1])
        if value is None:
            self.error(keys[:-1] or keys, f"missing '{'.'.join(keys)}'", hint)
        elif not isinstance(value, kind):
            self.error(keys, f"'{'.'.join(keys)}' must be a {kind.__name__}", hint)
            return None
        return value

    def config(self) -> SiteConfig:
        site = self.require(self.data, ("site",), dict, "add a [site] table") or {}
        plan = self.require(site, ("site", "plan_name"), str, 'e.g. plan_name = "CareSource"') or ""
        base_url = self.require(site, ("site", "base_url"), str, 'e.g. base_url = "https://www.example.org"') or ""
        if base_url and not re.fullmatch(r"https?://[^\s/]+", base_url.rstrip("/")):
            self.error(("site", "base_url"), f"base_url {base_url!r} is not a site address", 'use scheme and host only, e.g. "https://www.example.org"')
        languages = self.require(site, ("site", "languages"), list, 'e.g. languages = ["en", "es"]') or []
        languages = [lang for lang in languages if self._check_language(lang)]
        zone = self.require(site, ("site", "time_zone"), str, 'e.g. time_zone = "America/New_York"') or "UTC"
        self._check_zone(("site", "time_zone"), zone)
        styles = {lang: self._style(lang) for lang in languages}
        contacts = {
            name: self._contact(name, table, languages, zone)
            for name, table in sorted((self.data.get("contacts") or {}).items())
            if isinstance(table, dict)
        }
        forms = {
            name: self._form(name, table, languages, contacts)
            for name, table in sorted((self.data.get("forms") or {}).items())
            if isinstance(table, dict)
        }
        readability = self._readability(languages)
        raise_all(self.errors)
        return SiteConfig(
            path=self.path, plan_name=plan, base_url=base_url.rstrip("/"), languages=tuple(languages),
            time_zone=zone, contacts=contacts, forms=forms, styles=styles, raw=self.data, readability=readability,
        )

    def _readability(self, languages: list[str]) -> dict[str, float]:
        table = self.data.get("readability", {})
        targets = {"en": 8.0, "es": 70.0}
        for lang, value in table.items() if isinstance(table, dict) else []:
            if not isinstance(value, (int, float)):
                self.error(("readability", lang), f"readability target for {lang!r} must be a number", "e.g. en = 8 (grade), es = 70 (ease)")
            else:
                targets[str(lang)] = float(value)
        return {lang: targets[lang] for lang in languages if lang in targets}

    def _check_language(self, lang: object) -> bool:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(str(lang))
        except (UnknownLocaleError, ValueError):
            self.error(("site", "languages"), f"unknown language code {lang!r}", 'use ISO codes such as "en" or "es"')
            return False
        return True

    def _check_zone(self, keys: tuple[str, ...], zone: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(keys, f"unknown time zone {zone!r}", 'use an IANA name such as "America/Chicago"')

    def _style(self, lang: str) -> Style:
        table = (self.data.get("style") or {}).get(lang)
        if not isinstance(table, dict):
            self.error(("style",), f"missing [style.{lang}]", f"add the house style for {lang!r}; copy [style.en] and translate it")
            return Style({k: "" for k in STYLE_KEYS}, {})
        patterns = {}
        for key in STYLE_KEYS:
            value = self.require(table, ("style", lang, key), str, "see the [style.en] table for the expected patterns")
            patterns[key] = value or ""
        zones = table.get("time_zones") or {}
        return Style(patterns, {str(k): str(v) for k, v in zones.items()})

    def _contact(self, name: str, table: dict[str, Any], languages: list[str], zone: str) -> ContactLine:
        keys = ("contacts", name)
        labels = self.require(table, (*keys, "label"), dict, 'e.g. label = { en = "Member Services", es = "Servicios para Afiliados" }') or {}
        for lang in languages:
            if labels and not labels.get(lang):
                self.error((*keys, "label"), f"contact line '{name}' has no {lang!r} label", f"add {lang} = \"…\" to its label")
        phone = self._phone((*keys, "phone"), self.require(table, (*keys, "phone"), str, 'e.g. phone = "1-844-607-2829"') or "")
        tty_values = table.get("tty", [])
        if not isinstance(tty_values, list):
            self.error((*keys, "tty"), "'tty' must be a list of numbers", 'e.g. tty = ["1-800-743-3333", "711"]')
            tty_values = []
        tty = tuple(self._phone((*keys, "tty"), str(value)) for value in tty_values)
        line_zone = table.get("time_zone", zone)
        self._check_zone((*keys, "time_zone"), str(line_zone))
        hours_values = self.require(table, (*keys, "hours"), list, 'e.g. hours = [{ days = "mon-fri", open = "08:00", close = "17:00" }]') or []
        hours = tuple(h for h in (self._hours((*keys, "hours"), value) for value in hours_values) if h)
        return ContactLine(name, {str(k): str(v) for k, v in labels.items()}, phone, tty, hours, str(line_zone))

    def _phone(self, keys: tuple[str, ...], value: str) -> str:
        digits = re.sub(r"\D", "", value)
        if len(digits) == 10:
            digits = "1" + digits
        if (len(digits) == 11 and digits[0] == "1") or re.fullmatch(r"[2-9]11", digits):
            return digits
        self.error(keys, f"{value!r} is not a phone number we can dial", 'write a US number such as "1-844-607-2829" or a code such as "711"')
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
            self.error(keys, f"cannot read open/close times in {value!r}", 'use 24-hour "HH:MM", e.g. open = "08:00", close = "17:30"')
            return None
        if closes != time(0) and closes <= opens:
            self.error(keys, f"closing time {value.get('close')} is not after opening time {value.get('open')}", "check the times; use 24-hour clock")
            return None
        return Hours(days, "-" in days_text, opens, closes)

    def _form(self, name: str, table: dict[str, Any], languages: list[str], contacts: dict[str, ContactLine]) -> Form:
        keys = ("forms", name)
        paths = self.require(table, (*keys, "path"), dict, 'e.g. path = { en = "/en/tell-us/", es = "/es/cuentenos/" }') or {}
        shown = self.require(table, (*keys, "shown_as"), dict, "the address printed in content, per language") or {}
        for lang in languages:
            path = paths.get(lang, "")
            if paths and not re.fullmatch(rf"/{lang}/[a-z0-9-]+/", str(path)):
                self.error((*keys, "path"), f"form '{name}' path for {lang!r} is {path!r}", f'use "/{lang}/<slug>/" with lowercase letters, digits and hyphens')
            if shown and not shown.get(lang):
                self.error((*keys, "shown_as"), f"form '{name}' has no {lang!r} address to show", f"add {lang} = \"…\"")
        contact = str(table.get("contact", ""))
        if contact not in contacts:
            self.error((*keys, "contact"), f"form '{name}' names unknown contact line {contact!r}", f"use one of: {', '.join(contacts) or '(none defined)'}")
        return Form(name, {str(k): str(v) for k, v in paths.items()}, {str(k): str(v) for k, v in shown.items()}, contact)


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
