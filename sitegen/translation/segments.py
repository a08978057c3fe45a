"""A Markdown body as a translator sees it: blocks of structure around the texts to translate.

Every line of a body belongs to exactly one block, so joining the blocks' lines gives the body back.
A block's `pieces` alternate structure and text (structure, text, structure, …, structure): a
heading is ("## ", "Cómo revisamos", " {#como}"), a table row has one text per cell, a blank line,
a `::: only` fence or a code block is structure alone. Inside a text, what a translator must not
change (placeholders, link targets, inline code, HTML tags) is split off as `Code`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LIST_ITEM = re.compile(r"(\s*(?:[-*+]|\d+[.)])\s+)(.*)")
QUOTE = re.compile(r"(\s*>\s?)(.*)")
HEADING = re.compile(r"(\s{0,3}#{1,6}\s+)(.*?)(\s*\{#[^}]*\}\s*|\s*)$")
CODE_FENCE = re.compile(r"\s*(```|~~~)")
PASSAGE_FENCE = re.compile(r"\s*:::")
TABLE_SEPARATOR = re.compile(r"\s*\|?[\s|:-]*-[\s|:-]*$")
PROTECTED = re.compile(
    r"(?P<placeholder>\{\{.*?\}\})"
    r"|(?P<code>`[^`\n]*`)"
    r"|(?P<open>!?\[)(?=(?:[^\[\]]|\[[^\]]*\])*\]\([^)\s]*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<close>\]\([^)\s]*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<tag></?[A-Za-z][^<>]*>)"
)


@dataclass(frozen=True)
class Block:
    line: int  # the block's first line in its file
    raw: tuple[str, ...]  # its lines as written
    pieces: tuple[str, ...]  # structure, text, structure, …: texts at odd indices

    @property
    def texts(self) -> tuple[str, ...]:
        return self.pieces[1::2]

    @property
    def shape(self) -> tuple[str, int]:
        """What the block is, without its words: for lining up a page with its translation."""
        if not self.texts:
            return ("".join(self.raw).strip(), 0)
        lead = re.sub(r"\d+", "1", self.pieces[0]).strip()
        return (lead, len(self.texts))

    @property
    def unit_text(self) -> str:
        """The block as one line of normalised text (how the translation status compares versions)."""
        return " ".join(" ".join(line.split()) for line in self.raw if line.strip())

    def with_texts(self, texts: tuple[str, ...]) -> str:
        """The block rebuilt on one line with other texts in the same structure."""
        rebuilt = [piece if index % 2 == 0 else texts[index // 2] for index, piece in enumerate(self.pieces)]
        return "".join(rebuilt)


def blocks(body: str, first_line: int = 1) -> list[Block]:
    """Split a Markdown body into blocks; `first_line` is the body's first line in its file."""
    lines = body.split("\n")
    found: list[Block] = []
    index = 0
    while index < len(lines):
        end = _block_end(lines, index)
        raw = tuple(lines[index:end])
        found.append(Block(first_line + index, raw, _pieces(raw)))
        index = end
    return found


def _block_end(lines: list[str], start: int) -> int:
    """The index just past the block that starts at `start`."""
    first = lines[start]
    if CODE_FENCE.match(first):
        marker = CODE_FENCE.match(first).group(1)  # type: ignore[union-attr]
        closing = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith(marker)), len(lines) - 1)
        return closing + 1
    if not first.strip() or _stands_alone(first):
        return start + 1
    end = start + 1
    while end < len(lines) and lines[end].strip() and not _starts_block(lines[end]):
        end += 1
    return end


def _stands_alone(line: str) -> bool:
    return bool(HEADING.match(line) or PASSAGE_FENCE.match(line) or line.lstrip().startswith("|"))


def _starts_block(line: str) -> bool:
    return _stands_alone(line) or bool(CODE_FENCE.match(line) or LIST_ITEM.match(line) or QUOTE.match(line))


def _pieces(raw: tuple[str, ...]) -> tuple[str, ...]:
    first = raw[0]
    if not first.strip() or CODE_FENCE.match(first) or PASSAGE_FENCE.match(first) or TABLE_SEPARATOR.match(first):
        return ("\n".join(raw),)
    if first.lstrip().startswith("|"):
        return _table_row(first)
    heading = HEADING.match(first)
    if heading:
        return (heading.group(1), heading.group(2), heading.group(3))
    lead = LIST_ITEM.match(first) or QUOTE.match(first)
    prefix = lead.group(1) if lead else first[: len(first) - len(first.lstrip())]
    text = " ".join(part.strip() for part in (first[len(prefix) :], *raw[1:]) if part.strip())
    return (prefix, text, "")


def _table_row(row: str) -> tuple[str, ...]:
    cells = row.split("|")
    pieces: list[str] = [cells[0] + "|"]
    for cell in cells[1:-1]:
        stripped = cell.strip()
        left = cell[: len(cell) - len(cell.lstrip())]
        right = cell[len(cell.rstrip()) :]
        pieces[-1] += left
        pieces += [stripped, right + "|"]
    pieces[-1] += cells[-1]
    return tuple(pieces)


@dataclass(frozen=True)
class Code:
    """A piece of a text the translator must keep as it is: XLIFF 1.2's `ph`, or a `bpt`/`ept` pair."""

    kind: str  # "ph", "bpt" or "ept"
    id: str
    native: str  # the Markdown it stands for


Inline = tuple["str | Code", ...]


def split_inline(text: str) -> Inline:
    """A text as words and codes; a link is a bpt/ept pair around its (translatable) words."""
    parts: list[str | Code] = []
    opened: list[str] = []
    number = 0
    position = 0
    for match in PROTECTED.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        kind = match.lastgroup
        if kind == "open":
            number += 1
            opened.append(str(number))
            parts.append(Code("bpt", str(number), match.group()))
        elif kind == "close" and opened:
            parts.append(Code("ept", opened.pop(), match.group()))
        else:
            number += 1
            parts.append(Code("ph", str(number), match.group()))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return tuple(parts)


def join_inline(parts: Inline) -> str:
    return "".join(part.native if isinstance(part, Code) else part for part in parts)


def codes(parts: Inline) -> list[Code]:
    return [part for part in parts if isinstance(part, Code)]
