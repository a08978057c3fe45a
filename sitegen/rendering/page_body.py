"""A page's body as members read it in one market: passages chosen, placeholders filled in, Markdown converted."""

from __future__ import annotations

from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.content.passages import body_for_market, find_passages
from sitegen.errors import SourceError
from sitegen.rendering.placeholders import resolve
from sitegen.rendering.templates import markdown_to_html


def page_body(page: Page, config: SiteConfig, literals_checked: bool = False) -> tuple[str, str, list[SourceError]]:
    """The body as HTML, the Markdown it came from (this market's passages only), and the problems found
    (with problems, the HTML is empty). `literals_checked`: see `placeholders.resolve`."""
    passages, errors = find_passages(page, set(config.markets))
    if errors:
        return "", page.body, errors
    body, line_numbers = (
        body_for_market(page, passages, config.market.name) if passages and config.market else (page.body, None)
    )
    markdown_source, errors = resolve(page, config, body, line_numbers, literals_checked)
    if errors:
        return "", body, errors
    return markdown_to_html(markdown_source), body, []
