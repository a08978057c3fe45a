"""A redline for the state: the approved text against today's, word by word, as one printable HTML file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from sitegen.approval.records import Approval
from sitegen.rendering.templates import editor_template

BREAK = "\n"


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "del" or "ins"
    text: str


def word_diff(approved: str, now: str) -> list[list[Segment]]:
    """Paragraphs (the first is the title), each a run of unchanged, deleted and inserted words."""
    old, new = _tokens(approved), _tokens(now)
    paragraphs: list[list[Segment]] = [[]]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(paragraphs, "same", old[i1:i2])
            continue
        if tag in ("delete", "replace"):
            _add(paragraphs, "del", old[i1:i2])
        if tag in ("insert", "replace"):
            _add(paragraphs, "ins", new[j1:j2])
    return [paragraph for paragraph in paragraphs if paragraph]


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for number, line in enumerate(text.split("\n")):
        tokens += [BREAK] if number else []
        tokens += line.split()
    return tokens


def _add(paragraphs: list[list[Segment]], kind: str, tokens: list[str]) -> None:
    """Words go into the current paragraph; a line break starts the next one (a removed or added break too)."""
    words: list[str] = []
    for token in tokens:
        if token == BREAK:
            if words:
                paragraphs[-1].append(Segment(kind, " ".join(words)))
                words = []
            paragraphs.append([])
        else:
            words.append(token)
    if words:
        paragraphs[-1].append(Segment(kind, " ".join(words)))


def redline_html(
    templates_dir: Path, approval: Approval, approved: str, now: str, lang: str, market: str, plan_name: str
) -> str:
    """The redline page, from templates/redline.html."""
    return editor_template(
        templates_dir,
        "redline.html",
        approval=approval,
        paragraphs=word_diff(approved, now),
        lang=lang,
        market=market,
        plan_name=plan_name,
    )
