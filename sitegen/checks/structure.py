"""Page structure members rely on: headings that do not skip levels, images with alt text."""

from __future__ import annotations

import re

from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError

HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.S)
IMAGE = re.compile(r"<img\b[^>]*>", re.I)
ALT = re.compile(r'\salt="([^"]*)"', re.I)


def check_structure(page: Page, body_html: str) -> list[SourceError]:
    errors: list[SourceError] = []
    level = 1  # the template gives every page its <h1> (the title)
    for match in HEADING.finditer(body_html):
        new = int(match.group(1))
        text = re.sub(r"<[^>]+>", "", match.group(2)).strip()
        if new == 1:
            errors.append(
                ContentError(
                    page.path,
                    page.line_containing("# " + text),
                    f"heading {text!r} is a second top-level heading",
                    "the title is the page's only '#' heading; use '##' for sections",
                )
            )
        elif new > level + 1:
            errors.append(
                ContentError(
                    page.path,
                    page.line_containing(text),
                    f"heading {text!r} skips from level {level} to {new}",
                    f"use {'#' * (level + 1)} for it, or add the missing level above it",
                )
            )
        level = new
    for tag in IMAGE.findall(body_html):
        alt = ALT.search(tag)
        if alt is None or not alt.group(1).strip():
            source = re.search(r'src="([^"]*)"', tag)
            errors.append(
                ContentError(
                    page.path,
                    page.line_containing(source.group(1) if source else "!["),
                    "image has no alt text",
                    "describe the image in the brackets: ![what it shows](image.png)",
                )
            )
    return errors
