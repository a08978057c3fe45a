"""The text of a page as published, the thing a state approves: what members read once placeholders,
passages and config values are filled in (title and body), without markup or the site's chrome."""

from __future__ import annotations

import html
import re

from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import SourceError
from sitegen.rendering.contacts import ContactFormatter
from sitegen.rendering.page_body import page_body
from sitegen.rendering.placeholders import PLACEHOLDER, render_placeholder

# Elements that start a new line of text; other tags vanish, table cells become a space.
BLOCK = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|dl|dt|dd|tr|table|thead|tbody|tfoot|caption|blockquote|div|section|pre|br|hr|figure|figcaption)\b[^>]*>",
    re.IGNORECASE,
)
CELL = re.compile(r"</?t[dh]\b[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def material_text(title: str, body_html: str) -> str:
    """Title and body as plain text, one block (paragraph, heading, list item) per line."""
    text = html.unescape(TAG.sub("", CELL.sub(" ", BLOCK.sub("\n", body_html))))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join([" ".join(title.split()), *(line for line in lines if line)])


def published_text(page: Page, config: SiteConfig) -> tuple[str, dict[str, str], list[SourceError]]:
    """The text a build would publish for `page` in `config`'s market, the placeholders it uses with their
    text, or the problems that stop it."""
    body_html, body, errors = page_body(page, config)
    if errors:
        return "", {}, errors
    values = {inner.strip(): placeholder_text(inner, page, config) for inner in PLACEHOLDER.findall(body)}
    return material_text(page.title, body_html), values, []


def placeholder_text(inner: str, page: Page, config: SiteConfig) -> str:
    """What one placeholder reads as ("" if it no longer resolves)."""
    try:
        shown = render_placeholder(inner, page, config, ContactFormatter.for_config(config, page.lang))
    except SourceError:
        return ""
    return material_text("", str(shown)).strip()
