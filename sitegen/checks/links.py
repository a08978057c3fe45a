"""Every internal link and #anchor resolves to a built page or heading, within the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urldefrag

from ..content import Page
from ..errors import ContentError, SourceError

HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')
ID = re.compile(r'\sid="([^"]*)"')


def links_and_ids(html: str) -> tuple[list[str], set[str]]:
    """The hrefs of links and the ids in HTML we rendered ourselves (Markdown output, our templates)."""
    return [_unescape(h) for h in HREF.findall(html)], {_unescape(i) for i in ID.findall(html)}


def _unescape(value: str) -> str:
    return value.replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")


def check_links(page: Page, hrefs: Iterable[str], own_ids: set[str], page_ids: dict[str, set[str]], external_paths: set[str],
                line_of: Callable[[Page, str], int], prefix: str = "", other_markets: Mapping[str, str] = {}) -> list[SourceError]:
    """Check one page's links against its tree's pages (url -> ids) and the backend's paths.

    In a market's tree (`prefix`), links are written as tree paths (/en/slug/) or with the market's own
    path; a link into another market's tree (`other_markets`: path -> name) is an error."""
    errors: list[SourceError] = []
    for href in hrefs:
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE):
            continue  # tel:, mailto:, https: are not ours to resolve
        target, anchor = urldefrag(href)
        other = next((name for path, name in other_markets.items() if target == path or target.startswith(path + "/")), None)
        if other is not None:
            errors.append(ContentError(page.path, line_of(page, href), f"link {href!r} leads into market '{other}', not this page's market",
                                       f"write site links as /{page.lang}/<slug>/: each market's build points them into its own tree"))
            continue
        if prefix and (target == prefix or target.startswith(prefix + "/")):
            target = target[len(prefix):] or "/"
        if target and not target.startswith("/"):
            errors.append(ContentError(page.path, line_of(page, href), f"relative link {href!r}", "start site links with /, e.g. /en/utilization-management/"))
            continue
        if target and not (target == "/" or target.startswith(f"/{page.lang}/")):
            errors.append(ContentError(page.path, line_of(page, href), f"link {href!r} leaves the page's language ({page.lang})",
                                       f"link to the /{page.lang}/ version of that page"))
            continue
        if not target:
            ids = own_ids
        elif target in page_ids:
            ids = page_ids[target]
        elif target in external_paths:
            continue
        else:
            errors.append(ContentError(page.path, line_of(page, href), f"link {href!r} leads to no page", "check the slug; page URLs are /<lang>/<slug>/"))
            continue
        if anchor and anchor not in ids:
            errors.append(ContentError(page.path, line_of(page, href), f"link {href!r} names a heading that does not exist",
                                       f"use one of: {', '.join('#' + i for i in sorted(ids)) or '(the page has no headings)'}"))
    return errors
