"""Every member page links the language-help and nondiscrimination notices (45 CFR 92.10, 92.11),
and the nondiscrimination notice exists in every language of every tree."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sitegen.config.schema import SiteConfig
from sitegen.config.toml_lines import TomlLines
from sitegen.content.pairing import PagePair
from sitegen.errors import ConfigError, SourceError, TemplateProblem


def notice_hrefs(config: SiteConfig, lang: str) -> tuple[str, ...]:
    """Where a page in `lang` must link: this tree's taglines page and nondiscrimination notice."""
    if config.notices is None:
        return ()
    return tuple(
        config.prefix + paths[lang]
        for paths in (config.notices.language_help, config.notices.nondiscrimination)
        if lang in paths
    )


def market_notice_hrefs(config: SiteConfig) -> list[str]:
    """Where the market index must link: each market's notices, in the market's first language it shares with the index."""
    hrefs: list[str] = []
    for name, market in config.markets.items():
        lang = config.default_language if config.default_language in market.languages else market.languages[0]
        hrefs += notice_hrefs(config.market_configs[name], lang)
    return hrefs


def missing_notice_links(template: str, html: str, hrefs: Iterable[str]) -> list[SourceError]:
    """A page rendered from `template` that lacks a link to one of `hrefs`."""
    return [
        TemplateProblem(
            template,
            0,
            f"a page made from it has no link to the notice at {href}",
            'every member page links both notices: keep the <p class="notices"> links in its footer (templates/base.html)',
        )
        for href in hrefs
        if f'href="{href}"' not in html
    ]


def missing_notice_pages(pairs: Sequence[PagePair], config: SiteConfig, config_path: Path) -> list[SourceError]:
    """The nondiscrimination notice is a content page; each language of each tree needs it."""
    if config.notices is None:
        return []
    urls = {page.url for pair in pairs for page in pair.pages.values()}
    errors: list[SourceError] = []
    for lang in config.languages:
        wanted = config.notices.nondiscrimination.get(lang)
        if wanted and wanted not in urls:
            line = TomlLines(config_path.read_text(encoding="utf-8")).line_of("notices", "nondiscrimination")
            market = f" in market '{config.market.name}'" if config.market else ""
            slug = wanted.strip("/").split("/")[-1]
            errors.append(
                ConfigError(
                    config.path,
                    line,
                    f"the nondiscrimination notice {wanted} is not a page{market}",
                    f'write content/{lang}/{slug}.md with slug = "{slug}" (paired with the other languages), or fix the path',
                )
            )
    return errors
