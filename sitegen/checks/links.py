"""Every internal link and #anchor resolves to a built page or heading, within the page's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag

from ..content import Page
from ..errors import ContentError, SourceError

MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


class _LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")


def links_and_ids(html: str) -> tuple[list[str], set[str]]:
    parser = _LinksAndIds()
    parser.feed(html)
    return parser.hrefs, parser.ids


def check_links(page: Page, body_html: str, page_ids: dict[str, set[str]], external_paths: set[str]) -> list[SourceError]:
    """Check the links in one page's body against the site's pages (url -> ids) and backend paths."""
    hrefs, own_ids = links_and_ids(body_html)
    errors: list[SourceError] = []
    for href in hrefs:
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
            continue  # tel:, mailto:, https: are not ours to resolve
        target, anchor = urldefrag(href)
        line = _line_of(page, href)
        if target and not target.startswith("/"):
            errors.append(ContentError(page.path, line, f"relative link {href!r}", "start site links with /, e.g. /en/utilization-management/"))
            continue
        if target and not (target == "/" or target.startswith(f"/{page.lang}/")):
            errors.append(ContentError(page.path, line, f"link {href!r} leaves the page's language ({page.lang})",
                                       f"link to the /{page.lang}/ version of that page"))
            continue
        if not target:
            ids = own_ids
        elif target in page_ids:
            ids = page_ids[target]
        elif target in external_paths:
            continue
        else:
            errors.append(ContentError(page.path, line, f"link {href!r} leads to no page", "check the slug; page URLs are /<lang>/<slug>/"))
            continue
        if anchor and anchor not in ids:
            errors.append(ContentError(page.path, line, f"link {href!r} names a heading that does not exist",
                                       f"use one of: {', '.join('#' + i for i in sorted(ids)) or '(the page has no headings)'}"))
    return errors


def _line_of(page: Page, href: str) -> int:
    for offset, line in enumerate(page.body.split("\n")):
        if href in line:
            return page.body_line + offset
    return page.body_line
