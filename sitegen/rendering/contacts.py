"""Contact details as text: Babel's locale data first, the plan's house style on top.

This is the only module that formats phone numbers, TTY lines and opening hours, so
every page, template and the form backend say them the same way.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import time
from functools import cache
from typing import Any, TypeVar

from babel import Locale
from babel.core import get_global
from babel.dates import format_time, get_day_names, get_timezone, get_timezone_name
from babel.lists import format_list
from markupsafe import Markup

from sitegen.config.phones import Phone
from sitegen.config.schema import DAY_CODES, ContactLine, Hours, SiteConfig, Style

T = TypeVar("T")


@cache
def _metazone(zone: str) -> str | None:
    """The zone's CLDR metazone, e.g. America_Eastern for America/Indiana/Indianapolis.

    Babel's CLDR data files some zones under older names (America/Indianapolis, America/Louisville)
    and then names them "United States (Indiana/Indianapolis) Time"; members read "Eastern Time"."""
    metazones = get_global("meta_zones")
    names = [zone] + [old for old, new in get_global("zone_aliases").items() if new == zone]
    return next((str(metazones[name]) for name in names if name in metazones), None)


def _metazone_name(zone: str, lang: str) -> str | None:
    metazone = _metazone(zone)
    found = Locale.parse(lang).meta_zones.get(metazone, {}).get("long", {}).get("generic") if metazone else None
    return str(found) if found else None


# How content and templates name the two phrase orders of the house style.
ORDERS = {"days-first": "days_first", "time-first": "time_first"}

_FORMATTERS: dict[tuple[int, str], ContactFormatter] = {}


class ContactFormatter:
    """Formats one config's contact lines for one language.

    Config is frozen, so each phrase is formatted once and remembered: every page's footer shows
    the same line, and Babel's formatting is the costly part."""

    def __init__(self, config: SiteConfig, lang: str) -> None:
        self.config = config
        self.lang = lang
        self.style: Style = config.styles[lang]
        self._memo: dict[tuple[str, str, str], Any] = {}

    @classmethod
    def for_config(cls, config: SiteConfig, lang: str) -> ContactFormatter:
        """The shared formatter of a config and language, so its remembered phrases serve every page."""
        key = (id(config), lang)
        found = _FORMATTERS.get(key)
        if found is None or found.config is not config:
            found = _FORMATTERS[key] = cls(config, lang)
        return found

    def _remember(self, kind: str, line: ContactLine, order: str, make: Callable[[], T]) -> T:
        return self.remember((kind, line.name, order), make)

    def remember(self, key: tuple[str, str, str], make: Callable[[], T]) -> T:
        """`make()`'s value, made once per key for this config and language."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]  # type: ignore[no-any-return]

    def pattern(self, name: str, **values: str) -> str:
        return self.style.patterns[name].format(**values)

    # -- times and days -------------------------------------------------------------

    def time(self, value: time) -> str:
        if value == time(12):
            return self.style.patterns["noon"]
        if value == time(0):
            return self.style.patterns["midnight"]
        babel_pattern = "h a" if value.minute == 0 else "h:mm a"
        text = format_time(value, babel_pattern, locale=self.lang)
        marker = format_time(value, "a", locale=self.lang)
        house_marker = self.style.patterns["am" if value.hour < 12 else "pm"]
        digits = text.replace(marker, "").strip().replace("\u202f", " ").strip()
        # "8 p.m." is read as one unit: a no-break space keeps it on one line (the house style's
        # marker may hold its own, as in "p.\u00a0m.").
        return f"{digits}\u00a0{house_marker}"

    def days(self, hours: Hours) -> str:
        names = get_day_names("wide", locale=self.lang)
        if len(hours.days) == 7:
            return self.style.patterns["every_day"]
        if hours.is_range:
            return self.pattern("day_range", first=names[hours.days[0]], last=names[hours.days[-1]])
        if len(hours.days) == 1 and DAY_CODES[hours.days[0]] in self.style.day_alone:  # "los sábados"
            return self.style.day_alone[DAY_CODES[hours.days[0]]]
        return format_list([names[d] for d in hours.days], locale=self.lang)

    def zone(self, zone: str) -> str:
        if zone in self.style.time_zones:
            return self.style.time_zones[zone]
        for styled, name in self.style.time_zones.items():  # the house name of a zone in the same metazone
            if _metazone(styled) is not None and _metazone(styled) == _metazone(zone):
                return name
        return _metazone_name(zone, self.lang) or get_timezone_name(
            get_timezone(zone), "long", zone_variant="generic", locale=self.lang
        )

    def hours(self, line: ContactLine, order: str = "days_first") -> str:
        """All of a line's opening periods as one phrase, e.g. 'Monday – Friday from 8 a.m. to 5 p.m. Eastern Time'."""
        return self._remember("hours", line, order, lambda: self._hours(line, order))

    def _hours(self, line: ContactLine, order: str) -> str:
        if any(h.always for h in line.hours):
            return self.style.patterns["always"]
        periods = [
            self.pattern(order, days=self.days(h), open=self.time(h.open), close=self.time(h.close))  # type: ignore[arg-type]
            for h in line.hours
        ]
        return self.pattern("with_zone", hours=format_list(periods, locale=self.lang), zone=self.zone(line.time_zone))

    # -- phones -------------------------------------------------------------------------

    def phone(self, line: ContactLine) -> Markup:
        return self._remember("phone", line, "", lambda: Phone(line.phone).link())

    def tty(self, line: ContactLine) -> Markup:
        return self._remember("tty", line, "", lambda: self._tty(line))

    def _tty(self, line: ContactLine) -> Markup:
        links = [str(Phone(d).link()) for d in line.tty]
        # format_list joins with the locale's "or"; the links are already escaped markup.
        return Markup(format_list(links, style="or", locale=self.lang))

    def contact(self, line: ContactLine, order: str = "time_first") -> Markup:
        """The full line, e.g. 'Member Services: 1-844-607-2829 (TTY: 1-800-743-3333), 8 a.m. to 8 p.m., …'."""
        return self._remember("contact", line, order, lambda: self._contact(line, order))

    def _contact(self, line: ContactLine, order: str) -> Markup:
        # Markup.format escapes the plain-text values and keeps the links as they are.
        return Markup(html.escape(self.style.patterns["contact"], quote=False)).format(
            label=line.labels[self.lang],
            phone=self.phone(line),
            tty=self.tty(line),
            hours=self.hours(line, order),
        )
