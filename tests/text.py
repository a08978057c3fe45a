"""Reading built pages as a member sees them: visible text, links and ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style", "head", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in {"p", "li", "h1", "h2", "h3", "div", "br", "ul", "header", "footer", "main"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text with white space folded, as a screen reader would read it in order."""
    parser = _Text()
    parser.feed(html)
    return normalise("".join(parser.parts))


def normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip()


def main_text(html: str) -> str:
    """Only the <main> element's visible text."""
    start, end = html.index("<main"), html.index("</main>")
    return visible_text(html[start:end])
