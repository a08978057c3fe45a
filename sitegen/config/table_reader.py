"""The base of the site.toml reader: a table's values checked by type, each problem noted with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen.config.toml_lines import TomlLines
from sitegen.errors import ConfigError, SourceError


class TableReader:
    """Reads one parsed TOML document; collects every problem (`errors`) rather than stopping at the first."""

    def __init__(self, path: str, data: dict[str, Any], locator: TomlLines, root: Path) -> None:
        self.path = path
        self.root = root
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

    def _check_zone(self, keys: tuple[str, ...], zone: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(keys, f"unknown time zone {zone!r}", 'use an IANA name such as "America/Chicago"')
