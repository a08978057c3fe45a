"""Pair each page with its translations by translation key."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale

from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError


@dataclass(frozen=True)
class PagePair:
    """One page in every language, keyed by language code."""

    key: str
    pages: dict[str, Page]


def pair_pages(
    pages: list[Page],
    languages: tuple[str, ...],
    reserved: dict[str, set[str]],
    unreadable: frozenset[str] = frozenset(),
) -> tuple[list[PagePair], list[SourceError]]:
    """Group pages by key; report unpaired pages, duplicate keys and slugs that collide.

    `unreadable`: languages with a page whose front matter could not be read. That page may well be
    the missing partner, and its own error already says what to fix, so no "no page has key" for them."""
    errors: list[SourceError] = []
    by_key: dict[str, dict[str, Page]] = {}
    slugs: dict[tuple[str, str], Page] = {}
    for page in pages:
        taken = slugs.get((page.lang, page.slug))
        if taken:
            errors.append(
                ContentError(
                    page.path,
                    page.line_of("slug"),
                    f"slug {page.slug!r} is already used by {taken.path}",
                    "give one of the two pages a different slug",
                )
            )
        elif page.slug in reserved.get(page.lang, set()):
            errors.append(
                ContentError(
                    page.path,
                    page.line_of("slug"),
                    f"slug {page.slug!r} is reserved for a page the site makes itself",
                    "choose another slug",
                )
            )
        slugs.setdefault((page.lang, page.slug), page)
        same_key = by_key.setdefault(page.key, {})
        if page.lang in same_key:
            errors.append(
                ContentError(
                    page.path,
                    page.line_of("key"),
                    f"key {page.key!r} is already used by {same_key[page.lang].path}",
                    "each language may have one page per key; change one of the keys",
                )
            )
            continue
        same_key[page.lang] = page
    pairs = []
    for key, group in sorted(by_key.items()):
        missing = [lang for lang in languages if lang not in group]
        for lang in missing:
            if lang in unreadable:
                continue
            for page in group.values():
                name = Locale.parse(lang).get_display_name("en")
                errors.append(
                    ContentError(
                        page.path,
                        page.line_of("key"),
                        f"no {name} page has key {key!r}",
                        f'add content/{lang}/<slug>.md with key = "{key}", or correct this key',
                    )
                )
        if not missing:
            pairs.append(PagePair(key, {lang: group[lang] for lang in languages}))
    return pairs, errors


def paired_again(pages: list[Page], languages: tuple[str, ...]) -> list[PagePair] | None:
    """What `pair_pages` gives for pages it paired without a problem before (a new process resuming a
    published build), without its checks: a quarter of the time. None if they no longer pair cleanly."""
    by_key: dict[str, dict[str, Page]] = {}
    for page in pages:
        by_key.setdefault(page.key, {})[page.lang] = page
    if len(pages) != len(by_key) * len(languages) or any(len(group) != len(languages) for group in by_key.values()):
        return None  # a language missing, or two pages with one key and language: `pair_pages` says which
    try:
        return [PagePair(key, {lang: by_key[key][lang] for lang in languages}) for key in sorted(by_key)]
    except KeyError:  # a page in a language the site does not have
        return None


def reserved_slugs(config: SiteConfig) -> dict[str, set[str]]:
    """Slugs the site serves itself (form pages, the taglines page) cannot also be content pages."""
    reserved: dict[str, set[str]] = {lang: {"static"} for lang in config.languages}
    for paths in config.served_pages:
        for lang, path in paths.items():
            reserved.setdefault(lang, set()).add(path.strip("/").split("/")[-1])
    return reserved
