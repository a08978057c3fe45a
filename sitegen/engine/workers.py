"""Rendering one page, the unit of work a build spreads over processes.

The parent sets the render context and the jobs before it forks, so workers inherit the config, the
Jinja environments, the cache's file name and the pages rather than receiving them pickled (a worker
is told only which share of the jobs is its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from sitegen import once_per_build
from sitegen.approval.material import material_text
from sitegen.approval.records import Approval, approval_key, text_digest
from sitegen.checks.links import hrefs_in, ids_in
from sitegen.checks.notices import missing_notice_links, notice_hrefs
from sitegen.checks.structure import check_structure
from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page, parse_page
from sitegen.engine.cache import OutputRecord
from sitegen.engine.keys import KeyMaker
from sitegen.engine.publish import Staging
from sitegen.errors import SourceError
from sitegen.rendering.page_body import page_body
from sitegen.rendering.placeholders import placeholders_used
from sitegen.rendering.templates import Templates, in_tree
from sitegen.translation.staleness import StaleNotice


@dataclass
class RenderContext:
    config: SiteConfig
    templates: Templates
    staging: Staging
    keys: KeyMaker
    readability: bool = True  # an editor's aid (check, serve, --strict); plain builds skip its cost
    root: Path | None = None  # where page paths are relative to, for pages restored from the cache without a body
    checked: frozenset[str] = frozenset()  # digests of pages another market of this build found free of literals


@dataclass(frozen=True)
class PageJob:
    page: Page
    alternates: dict[str, str]
    notice: str = ""  # for a stale translation: what its reader is told (see translations.Staleness)
    approval: Approval | None = None  # the approved text of this page in this market, if any


@dataclass(frozen=True)
class PageResult:
    source: str
    record: OutputRecord | None
    errors: list[SourceError]
    warnings: list[SourceError] = field(default_factory=list)
    text: str = ""  # the text as published of a page that changed since its approval (see approval.material)


_context: RenderContext | None = None
_jobs: list[PageJob] = []  # the jobs of the render in progress, when workers are forked to do them


def checked_in_this_build() -> frozenset[str]:
    """Digests of the pages whose text passed the checks that depend on it alone in an earlier market of this
    run (see `once_per_build`): the same text passes in every market."""
    shared = once_per_build.current()
    return frozenset(shared.texts_checked) if shared else frozenset()


def passed_checks(jobs: list[PageJob], results: list[PageResult]) -> None:
    """Remember the pages that rendered without a problem, for the next market of this run."""
    shared = once_per_build.current()
    if shared is not None:
        failed = {result.source for result in results if result.errors}
        shared.texts_checked.update(job.page.digest for job in jobs if job.page.digest and job.page.path not in failed)


def set_context(context: RenderContext, jobs: list[PageJob] | None = None) -> None:
    """The context of the renders to come; `jobs`: the pages that workers forked next will render."""
    global _context, _jobs
    _context, _jobs = context, jobs or []


def render_pages(jobs: list[PageJob]) -> list[PageResult]:
    return [render_page(job) for job in jobs]


def render_share(share: int, shares: int) -> list[PageResult]:
    """A forked worker's part of the jobs set with the context: every `shares`-th job from `share` on."""
    return render_pages(_jobs[share::shares])


def render_page(job: PageJob) -> PageResult:
    """Resolve placeholders, convert Markdown, render, write to staging."""
    assert _context is not None, "set_context() first"
    page, config = job.page, _context.config
    if not page.body and page.digest and _context.root is not None:
        page = parse_page((_context.root / page.path).read_bytes(), page.path, page.lang)
    body_html, body, errors = page_body(page, config, page.digest in _context.checked)
    if errors:
        return PageResult(page.path, None, errors)
    structure = check_structure(page, body_html)
    if structure:
        return PageResult(page.path, None, structure)
    warnings = readability_warnings(page, body_html, config) if _context.readability else []
    templates = _context.templates
    # With approvals on, the text as published is what a state approves: its hash decides the footer's ID.
    text = material_text(page.title, body_html) if config.approvals else ""
    text_hash = text_digest(text) if text else ""
    hrefs = hrefs_in(body_html)  # as written: links are checked within the page's own tree
    try:
        html, contacts_shown = templates.render_recording(
            page.lang,
            "page.html",
            page=page,
            title=page.title,
            description=page.description,
            content=Markup(in_tree(body_html, config.prefix)),
            alternates=job.alternates,
            canonical=page.url,
            stale=StaleNotice.parse(job.notice),
            material_id=job.approval.material_id if job.approval and job.approval.sha256 == text_hash else "",
        )
    except SourceError as exc:
        return PageResult(page.path, None, [exc])
    missing = missing_notice_links("templates/page.html", html, notice_hrefs(config, page.lang))
    if missing:
        return PageResult(page.path, None, missing)
    deps = tuple(sorted(placeholders_used(body) | {f"contact:{name}" for name in contacts_shown}))
    output = page.url.strip("/") + "/index.html"
    _context.staging.write(output, html.encode())  # private until the build publishes it
    key = _context.keys.key(page.digest, page.lang, job.alternates, deps, job.notice, approval_key(job.approval))
    return PageResult(
        page.path,
        # body headings and template ids
        OutputRecord(key, output, deps, tuple(hrefs), tuple(sorted(ids_in(html))), text_hash),
        [],
        warnings,
        text if job.approval and job.approval.sha256 != text_hash else "",  # only a change is shown from it
    )


def readability_warnings(page: Page, body_html: str, config: SiteConfig) -> list[SourceError]:
    from sitegen.checks.readability import check_readability  # with its hyphenation dictionaries: only when asked for

    return check_readability(page, body_html, config.readability)
