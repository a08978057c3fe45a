"""Rendering one page, the unit of work a build spreads over processes.

The parent sets the render context before it forks, so workers inherit the config, the Jinja
environments and the cache's file name rather than receiving them with every page.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .cache import OutputRecord
from .checks.links import links_and_ids
from .config import SiteConfig
from .content import Page
from .errors import SourceError
from .placeholders import placeholders_used, resolve
from .render import Templates, markdown_to_html


@dataclass
class RenderContext:
    config: SiteConfig
    templates: Templates
    staging: Path
    cache_path: Path | None
    keys: "KeyMaker"


@dataclass(frozen=True)
class PageJob:
    page: Page
    alternates: dict[str, str]


@dataclass(frozen=True)
class PageResult:
    source: str
    record: OutputRecord | None
    new_body: tuple[str, str] | None  # (key, html) when Markdown was converted, for the cache
    errors: list[SourceError]


class KeyMaker:
    """The input key of a page's output: its source, its pair's addresses, what its language's pages
    share (templates, catalog, config) and the contact lines it shows."""

    def __init__(self, site_digests: dict[str, str], contact_digests: dict[str, str]) -> None:
        self.site_digests = site_digests
        self.contact_digests = contact_digests

    def key(self, page_digest: str, lang: str, alternates: dict[str, str], deps: tuple[str, ...]) -> str:
        parts = [page_digest, self.site_digests[lang], repr(sorted(alternates.items()))]
        parts += [f"{dep}={self.contact_digests.get(dep.partition(':')[2] or dep, 'missing')}" for dep in deps]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


_context: RenderContext | None = None
_bodies: sqlite3.Connection | None = None


def set_context(context: RenderContext) -> None:
    global _context, _bodies
    _context, _bodies = context, None


def render_pages(jobs: list[PageJob]) -> list[PageResult]:
    return [render_page(job) for job in jobs]


def render_page(job: PageJob) -> PageResult:
    """Resolve placeholders, convert Markdown (or take it from the cache), render, write to staging."""
    assert _context is not None, "set_context() first"
    page, config = job.page, _context.config
    markdown_source, errors = resolve(page, config)
    if errors:
        return PageResult(page.path, None, None, errors)
    body_key = hashlib.sha256(markdown_source.encode()).hexdigest()
    body_html = _cached_body(body_key)
    new_body = None
    if body_html is None:
        body_html = markdown_to_html(markdown_source)
        new_body = (body_key, body_html)
    templates = _context.templates
    templates.contacts_used = set()
    try:
        html = templates.render(page.lang, "page.html", page=page, title=page.title, description=page.description,
                                content=Markup(body_html), alternates=job.alternates, canonical=page.url)
    except SourceError as exc:
        return PageResult(page.path, None, new_body, [exc])
    deps = tuple(sorted(placeholders_used(page) | {f"contact:{name}" for name in templates.contacts_used}))
    output = page.url.strip("/") + "/index.html"
    target = _context.staging / output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(html.encode())  # staging is private until publish moves it into place
    hrefs, ids = links_and_ids(body_html)
    key = _context.keys.key(page.digest, page.lang, job.alternates, deps)
    return PageResult(page.path, OutputRecord(key, output, body_key, deps, tuple(hrefs), tuple(sorted(ids | links_and_ids(html)[1]))), new_body, [])


def _cached_body(key: str) -> str | None:
    global _bodies
    assert _context is not None
    if _context.cache_path is None:
        return None
    if _bodies is None:
        _bodies = sqlite3.connect(f"file:{_context.cache_path}?mode=ro", uri=True, check_same_thread=False)
    try:
        row = _bodies.execute("SELECT html FROM bodies WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def write_atomically(target: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a page."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
