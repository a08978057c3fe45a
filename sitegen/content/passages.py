"""Market-specific passages in shared pages: blocks kept only for some markets.

    ::: only in-medicaid oh-medicaid
    Text that only Indiana and Ohio Medicaid members read.
    :::

    ::: except ga-medicaid
    Text for every market but Georgia Medicaid.
    :::

The fence lines disappear from every market's page; a block's lines disappear from the markets it
is not for. Blocks do not nest. Names are the keys of [markets.NAME] in site.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError

OPEN = re.compile(r"^:::\s*(only|except)\b(.*)$")
CLOSE = re.compile(r"^:::\s*$")
MAYBE_BLOCK = ":::"


@dataclass(frozen=True)
class Passage:
    first: int  # index of the opening fence line in the body
    last: int  # index of the closing fence line
    keep: bool  # True: "only" these markets; False: all "except" these
    names: frozenset[str]


def find_passages(page: Page, known: set[str]) -> tuple[list[Passage], list[SourceError]]:
    """The page's market blocks, and every mistake in them (unknown market, unclosed or nested block)."""
    if MAYBE_BLOCK not in page.body:
        return [], []
    passages: list[Passage] = []
    errors: list[SourceError] = []
    opened: tuple[int, str, frozenset[str]] | None = None
    for index, text in enumerate(page.body.split("\n")):
        line = page.body_line + index
        start, end = OPEN.match(text.strip()), CLOSE.match(text.strip())
        if start:
            if opened is not None:
                errors.append(
                    ContentError(
                        page.path,
                        line,
                        "a market block opens inside another one",
                        "close the first block with ':::' before opening the next",
                    )
                )
                continue
            names = frozenset(n for n in re.split(r"[\s,]+", start.group(2)) if n)
            if not names:
                errors.append(
                    ContentError(
                        page.path,
                        line,
                        f"'::: {start.group(1)}' names no market",
                        f"write e.g. '::: {start.group(1)} in-medicaid'",
                    )
                )
            for name in sorted(names - known):
                errors.append(
                    ContentError(
                        page.path,
                        line,
                        f"unknown market {name!r} in a market block",
                        f"use one of: {', '.join(sorted(known)) or '(site.toml defines no markets)'}",
                    )
                )
            opened = (index, start.group(1), names)
        elif end:
            if opened is None:
                errors.append(
                    ContentError(
                        page.path,
                        line,
                        "':::' closes no market block",
                        "remove it, or open the block with '::: only NAME'",
                    )
                )
                continue
            passages.append(Passage(opened[0], index, opened[1] == "only", opened[2]))
            opened = None
        elif text.startswith(MAYBE_BLOCK):
            errors.append(
                ContentError(
                    page.path,
                    line,
                    f"cannot read market block line {text.strip()!r}",
                    "write '::: only NAME …', '::: except NAME …' or ':::' alone",
                )
            )
    if opened is not None:
        errors.append(
            ContentError(
                page.path,
                page.body_line + opened[0],
                "market block is never closed",
                "add a line with ':::' where the block ends",
            )
        )
    return passages, errors


def body_for_market(page: Page, passages: list[Passage], market: str) -> tuple[str, list[int]]:
    """The page body as one market reads it, and the file line of each of its lines (for messages)."""
    lines = page.body.split("\n")
    dropped: set[int] = set()
    for passage in passages:
        dropped |= {passage.first, passage.last}
        if (market in passage.names) != passage.keep:
            dropped.update(range(passage.first, passage.last + 1))
    kept = [i for i in range(len(lines)) if i not in dropped]
    return "\n".join(lines[i] for i in kept), [page.body_line + i for i in kept]


def published_in(page: Page, market: str | None) -> bool:
    """Whether a page belongs in a market's tree (`markets = [...]` in its front matter limits it)."""
    return market is None or not page.markets or market in page.markets


def market_problems(pages: list[Page], config: SiteConfig) -> list[SourceError]:
    """Front-matter `markets` must name configured markets, and a page and its translations must agree."""
    errors: list[SourceError] = []
    by_key: dict[str, Page] = {}
    for page in pages:
        if page.markets and not config.markets:
            errors.append(
                ContentError(
                    page.path,
                    page.line_of("markets"),
                    "the page names markets, but site.toml defines none",
                    "remove the markets line, or add [markets.NAME] tables to site.toml",
                )
            )
        for name in page.markets if config.markets else ():
            if name not in config.markets:
                errors.append(
                    ContentError(
                        page.path,
                        page.line_of("markets"),
                        f"unknown market {name!r}",
                        f"use one of: {', '.join(sorted(config.markets))}",
                    )
                )
        first = by_key.setdefault(page.key, page)
        if first is not page and set(first.markets) != set(page.markets):
            errors.append(
                ContentError(
                    page.path,
                    page.line_of("markets") if page.markets else page.line_of("key"),
                    f"the page is published in other markets than its translation {first.path}",
                    "give both languages the same markets line (or none)",
                )
            )
    return errors
