"""Every internal link and #anchor resolves to a built page or heading, within the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urldefrag

from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError

HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')
ID = re.compile(r'\sid="([^"]*)"')
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)


class LinkedPage(Protocol):
    """What the check needs of a rendered page: the links and ids its body holds."""

    @property
    def hrefs(self) -> tuple[str, ...]: ...

    @property
    def ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class LinkIndex:
    """What the last link check saw: each address's ids, and the pages each page links to."""

    ids: Mapping[str, frozenset[str]]  # url -> the ids on that page
    targets: Mapping[str, frozenset[str]] = field(
        default_factory=dict
    )  # page path -> the urls its links point to (no #fragment)


def hrefs_in(html: str) -> list[str]:
    """The hrefs of links in HTML we rendered ourselves (Markdown output, our templates)."""
    return [_unescape(h) for h in HREF.findall(html)]


def ids_in(html: str) -> set[str]:
    return {_unescape(i) for i in ID.findall(html)}


def _unescape(value: str) -> str:
    if "&" not in value:  # nearly every href and id: nothing to undo
        return value
    return (
        value.replace("&amp;", "&")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )


def check_links(
    page: Page,
    hrefs: Iterable[str],
    own_ids: AbstractSet[str],
    page_ids: Mapping[str, AbstractSet[str]],
    external_paths: set[str],
    line_of: Callable[[Page, str], int],
    prefix: str = "",
    other_markets: Mapping[str, str] = {},
) -> list[SourceError]:
    """Check one page's links against its tree's pages (url -> ids) and the backend's paths.

    In a market's tree (`prefix`), links are written as tree paths (/en/slug/) or with the market's own
    path; a link into another market's tree (`other_markets`: path -> name) is an error."""
    errors: list[SourceError] = []
    for href in hrefs:
        if SCHEME.match(href):
            continue  # tel:, mailto:, https: are not ours to resolve
        target, anchor = urldefrag(href)
        other = next(
            (name for path, name in other_markets.items() if target == path or target.startswith(path + "/")), None
        )
        if other is not None:
            errors.append(
                ContentError(
                    page.path,
                    line_of(page, href),
                    f"link {href!r} leads into market '{other}', not this page's market",
                    f"write site links as /{page.lang}/<slug>/: each market's build points them into its own tree",
                )
            )
            continue
        if prefix and (target == prefix or target.startswith(prefix + "/")):
            target = target[len(prefix) :] or "/"
        if target and not target.startswith("/"):
            errors.append(
                ContentError(
                    page.path,
                    line_of(page, href),
                    f"relative link {href!r}",
                    "start site links with /, e.g. /en/utilization-management/",
                )
            )
            continue
        if target and not (target == "/" or target.startswith(f"/{page.lang}/")):
            errors.append(
                ContentError(
                    page.path,
                    line_of(page, href),
                    f"link {href!r} leaves the page's language ({page.lang})",
                    f"link to the /{page.lang}/ version of that page",
                )
            )
            continue
        if not target:
            ids = own_ids
        elif target in page_ids:
            ids = page_ids[target]
        elif target in external_paths:
            continue
        else:
            errors.append(
                ContentError(
                    page.path,
                    line_of(page, href),
                    f"link {href!r} leads to no page",
                    "check the slug; page URLs are /<lang>/<slug>/",
                )
            )
            continue
        if anchor and anchor not in ids:
            errors.append(
                ContentError(
                    page.path,
                    line_of(page, href),
                    f"link {href!r} names a heading that does not exist",
                    f"use one of: {', '.join('#' + i for i in sorted(ids)) or '(the page has no headings)'}",
                )
            )
    return errors


def ids_by_url(
    pages: Iterable[Page], records: Mapping[str, LinkedPage], languages: Iterable[str]
) -> dict[str, frozenset[str]]:
    """Each page's address (and each home page's) -> the ids on it, as rendered."""
    page_ids: dict[str, frozenset[str]] = {f"/{lang}/": frozenset() for lang in languages}
    shared: dict[tuple[str, ...], frozenset[str]] = {}  # pages made from one template often have the same ids
    for page in pages:
        record = records.get(page.path)
        if record is not None:
            page_ids[page.url] = shared.get(record.ids) or shared.setdefault(record.ids, frozenset(record.ids))
    return page_ids


def link_index(pages: Iterable[Page], records: Mapping[str, LinkedPage], languages: Iterable[str]) -> LinkIndex:
    """The index a link check starts from when none ran in this process (a warm builder's first no-op build)."""
    return LinkIndex(ids_by_url(pages, records, languages))


def check_site_links(
    pages: Callable[[], list[Page]],
    page_at: Callable[[str], Page | None],
    records: Mapping[str, LinkedPage],
    rendered: set[str],
    config: SiteConfig,
    before: LinkIndex | None,
    only_rendered_changed: bool,
    line_of: Callable[[Page, str], int],
) -> tuple[list[SourceError], LinkIndex]:
    """Check the links of pages that rendered, and of pages whose link targets changed since `before`;
    return the problems and the index the next check starts from. `pages` lists every page of the
    tree (called only when needed: a one-page edit need not walk them), `page_at` finds one by path.

    `only_rendered_changed`: no page came or went, so only the rendered pages' ids need updating."""
    changed_urls: set[str] | None  # addresses whose ids changed (None: no index to compare with)
    if only_rendered_changed and before is not None:
        page_ids, changed_urls = dict(before.ids), set()
        for path in rendered:
            page = page_at(path)
            if page is not None and path in records:
                page_ids[page.url] = frozenset(records[path].ids)
                if page_ids[page.url] != before.ids.get(page.url):
                    changed_urls.add(page.url)
    else:
        page_ids = ids_by_url(pages(), records, config.languages)
        changed_urls = (
            None
            if before is None
            else {url for url in page_ids.keys() | before.ids.keys() if page_ids.get(url) != before.ids.get(url)}
        )
    if changed_urls is not None and not changed_urls:  # nothing others link to changed: check what rendered
        to_check = [page for page in map(page_at, sorted(rendered)) if page is not None]
    else:
        to_check = sorted(pages(), key=lambda p: p.path)
    form_paths = {path for form in config.forms.values() for path in form.paths.values()}
    form_paths |= set(config.notices.language_help.values()) if config.notices else set()  # written by the build itself
    other_markets = {m.path: m.name for m in config.markets.values() if m != config.market}
    targets = dict(before.targets) if before and changed_urls else {}  # copied only when it is used and may change
    for path in rendered & targets.keys():
        del targets[path]  # a rendered page's links may have changed: worked out again when needed
    errors: list[SourceError] = []
    for page in to_check:
        record = records.get(page.path)
        if record is None:
            continue
        if (
            changed_urls and page.path not in rendered
        ):  # a page that did not render needs checking only if a page it links to changed
            if page.path not in targets:
                targets[page.path] = frozenset(href.split("#", 1)[0] for href in record.hrefs)
            if changed_urls.isdisjoint(targets[page.path]):
                continue
        errors += check_links(
            page, record.hrefs, set(record.ids), page_ids, form_paths, line_of, config.prefix, other_markets
        )
    return errors, LinkIndex(
        page_ids, targets if changed_urls else _without(before.targets if before else {}, rendered)
    )


def _without(targets: Mapping[str, frozenset[str]], rendered: set[str]) -> Mapping[str, frozenset[str]]:
    """The link targets still known after these pages rendered (the same mapping when none of them is in it)."""
    if rendered.isdisjoint(targets):
        return targets
    return {path: links for path, links in targets.items() if path not in rendered}
