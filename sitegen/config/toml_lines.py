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
                if section_line and TABLE_HEADER.match(self.lines[number]):
                    break  # the key is not in its table: point at the table, not at another table's key
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

    @staticmethod
    def in_editor_words(exc: tomllib.TOMLDecodeError) -> str:
        """What the parser means, said the way an editor would fix it ("Illegal character '\\n'" is a quote left open)."""
        problem = TomlLines.plain_problem(exc)
        for pattern, words in EDITOR_WORDS:
            if re.search(pattern, problem):
                return words
        return problem

    @staticmethod
    def as_written(value: object) -> str:
        """A value as it is written in the file, e.g. { days = "mon-fri", open = "8:00" }, not as Python shows it."""
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{key} = {TomlLines.as_written(item)}" for key, item in value.items()) + " }"
        if isinstance(value, list):
            return "[" + ", ".join(TomlLines.as_written(item) for item in value) + "]"
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return str(value).lower() if isinstance(value, bool) else str(value)


EDITOR_WORDS = (
    (
        r"Illegal character '\\n'|Unterminated string",
        'a quoted value is not closed; end it with a double quote (") on the same line',
    ),
    (r"Invalid value", 'a value is not in double quotes; write it as name = "value"'),
    (r"Expected '=' after a key", "each line must be name = value; check for a missing '=' or a space in the name"),
    (r"Cannot (?:overwrite|declare)", "a field or table is written twice; keep one of them"),
    (
        r"Invalid initial character for a key part|Invalid statement",
        "this line is not name = value; check its first characters",
    ),
)


TABLE_HEADER = re.compile(r"^\s*\[")


def _key_re(key: str) -> str:
    return "(?:" + re.escape(key) + '|"' + re.escape(key) + '")'
