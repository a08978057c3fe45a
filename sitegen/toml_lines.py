"""Where a key stands in a TOML file, so messages about site.toml and the taglines can say `path:line`."""

from __future__ import annotations

import re
import tomllib


class TomlLines:
    """Finds the line of a dotted key in TOML text."""

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

    @staticmethod
    def line_of_decode_error(exc: tomllib.TOMLDecodeError) -> int:
        match = re.search(r"at line (\d+)", str(exc))
        return int(match.group(1)) if match else 0

    @staticmethod
    def plain_problem(exc: tomllib.TOMLDecodeError) -> str:
        """The parser's message without its own '(at line …, column …)'."""
        return re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))


def _key_re(key: str) -> str:
    return "(?:" + re.escape(key) + '|"' + re.escape(key) + '")'
