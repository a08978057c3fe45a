"""The build, stage by stage: scan → pair → plan → render → check → publish.

`Builder.stage()` reads top to bottom like the process it runs; each stage is a function in its own
module (`sources.scan`, `pairing.pair_pages`, `plan.plan`, `workers.render_pages`,
`checks.links.check_site_links`, `publish`). What the last published build was made from is one
value, a `BuildState`: `stage()` computes the next one without adopting it, `commit()` adopts it
once the site is published, and a build that stops leaves it as it was.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.checks.links import check_site_links, link_index
from sitegen.checks.notices import missing_notice_pages
from sitegen.config.loader import load_config
from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig
from sitegen.config.taglines import unreviewed_warnings
from sitegen.content.page import Page, parse_page
from sitegen.content.pairing import PagePair, pair_pages, paired_again, reserved_slugs
from sitegen.content.passages import market_problems, published_in
from sitegen.engine.approvals import ApprovalCheck, approvals_changed
from sitegen.engine.cache import BuildCache
from sitegen.engine.inputs import InputReader, Inputs
from sitegen.engine.keys import listing_digest, site_fingerprint
from sitegen.engine.options import BuildOptions
from sitegen.engine.plan import Plan, edited_pairs, only_bodies_changed, plan, plan_edited, shared_inputs
from sitegen.engine.publish import Staging, outputs_gone
from sitegen.engine.site_files import write_site_files
from sitegen.engine.sources import Listing, ReadPages, Scan, scan, unchanged_since
from sitegen.engine.state import EMPTY, BuildState, Pairs, load_state, save_state
from sitegen.engine.workers import (
    PageJob,
    PageResult,
    RenderContext,
    checked_in_this_build,
    passed_checks,
    render_pages,
    render_share,
    set_context,
)
from sitegen.errors import SourceError, raise_all
from sitegen.translation.staleness import Staleness

MARKER = ".build-id"
PARALLEL_FROM = 64  # fewer dirty pages than this render faster in this process than by forking


@dataclass
class BuildReport:
    pages: int  # pages in the site
    rendered: int  # pages rendered by this build
    files_written: int
    seconds: float
    warnings: list[SourceError] = field(default_factory=list)


@dataclass
class Staged:
    """A build ready to publish: the rendered files in `staging` (None when nothing needs writing)
    and the state the site will be in once they are published (None: nothing was built)."""

    report: BuildReport
    before: BuildState = EMPTY
    after: BuildState | None = None
    staging: Staging | None = None
    rendered: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)
    read: frozenset[str] | None = None  # the sources the scan read anew (None: not known, compare them all)
    same_pages: bool = False  # no page came or went (only bodies changed): the outputs are the same files


class Builder:
    """Builds one project into one output folder; keep it around (as `serve` does) to rebuild fast."""

    def __init__(self, project: Project, out_dir: Path, options: BuildOptions = BuildOptions()) -> None:
        self.project = project
        self.options = options
        self.out_dir = out_dir.resolve()
        self.cache = BuildCache.for_build(project.root, self.out_dir) if options.use_cache else None
        self.state: BuildState | None = None  # what the last published build was made from; None: ask the cache
        # Files a watcher said changed since `state` was taken (a build that stopped does not take them
        # into the state, so the next one must look at them again); None: look at every file.
        self.touched_since_state: set[Path] | None = set()
        self.reader = InputReader(project, self.cache, options)
        self.approval = ApprovalCheck(project)

    def build(
        self, touched: set[Path] | None = None, config: SiteConfig | None = None, listing: Listing | None = None
    ) -> BuildReport:
        """Build; `touched` (from a file watcher) names the files that changed, so the rest need no stat."""
        return self.commit(self.stage(touched, config, listing=listing))

    def stage(
        self,
        touched: set[Path] | None = None,
        config: SiteConfig | None = None,
        read: ReadPages | None = None,
        listing: Listing | None = None,
    ) -> Staged:
        """Everything up to publishing: scan, pair, plan, render into a private folder (or memory), check.
        Raises `SiteErrors` (leaving the output and the state untouched) if anything is wrong.
        `read`: pages the other markets' builds read already; `listing`: the content files as the caller
        just found them, before anything was read (see `sources.scan`)."""
        started = time.perf_counter()
        inputs = self.reader.inputs(config or load_config(self.project.config_path, "site.toml"))
        if self.cold_and_unchanged(inputs, listing):
            return Staged(
                BuildReport(len(self.cache.stats()) if self.cache else 0, 0, 0, time.perf_counter() - started)
            )
        before = self.starting_point(inputs)
        found = scan(
            self.project.content_dir,
            inputs.config.languages,
            before.sources,
            self.files_to_scan(touched),
            read,
            listing if touched is None else None,
        )
        try:
            return self.staged_from(before, found, inputs, started)
        except BaseException:
            self.touched_since_state = (
                None if touched is None or self.touched_since_state is None else self.touched_since_state | touched
            )
            raise

    def staged_from(self, before: BuildState, found: Scan, inputs: Inputs, started: float) -> Staged:
        config, keys = inputs.config, inputs.keys
        edit_only = only_bodies_changed(before, found, keys)  # the common save: pairs and listings stand
        pairs, errors = (edited_pairs(before, found), list(found.errors)) if edit_only else self.pair(found, config)
        errors += inputs.catalog_problems
        errors += [] if edit_only else missing_notice_pages(pairs, config, self.project.config_path)  # urls stand
        stale = self.staleness(pairs, config, before.stale if edit_only else None, found)
        warnings, blocking = self.stale_translations(stale, config)
        errors += blocking
        notices = dict(stale.notices)
        approved, approval_errors = self.approval.approved(config, self.cache)
        errors += approval_errors
        if not before.approved and before.outputs:  # a new process: what its cached outputs were rendered with
            before = replace(before, approved=self.approval.previous(config, approved))
        changed = approvals_changed(before.approved, approved)
        planned = (
            plan_edited(pairs, before, found, keys, notices, approved, changed)
            if edit_only
            else plan(pairs, before, keys, notices, approved, changed)
        )
        after = replace(
            before,
            sources=found.sources,
            pairs=pairs,
            seen=planned.seen,
            key_inputs=keys.shared,
            inputs=keys.shared_digest(),
            stale=stale,
            approved=approved,
        )
        if (
            not planned.jobs
            and not found.changed
            and not errors
            and before.outputs
            and len(planned.records) == len(before.outputs)
        ):
            standing, blocking, advisory = self.approval.lock(
                pairs, approved, planned.records, {}, config, self.line_of, before.standing or None, changed
            )
            if not blocking:
                after = replace(after, standing=standing)
                return Staged(
                    BuildReport(len(planned.records), 0, 0, time.perf_counter() - started, warnings + advisory),
                    before,
                    self.warmed(after, pairs, inputs) if self.options.keep_warm else after,
                    read=found.reparsed,
                )
        staged = self.rendered(before, after, planned, inputs, errors, warnings, edit_only, started)
        return replace(staged, read=found.reparsed)

    def rendered(
        self,
        before: BuildState,
        after: BuildState,
        planned: Plan,
        inputs: Inputs,
        errors: list[SourceError],
        warnings: list[SourceError],
        edit_only: bool,
        started: float,
    ) -> Staged:
        """Render what the plan says into staging (see `publish.Staging`), check it, and write the site-wide pages
        there if their listing changed."""
        config, pairs = inputs.config, list(after.pairs or ())
        # An edit that renders a page or two here keeps them in memory until it publishes (see Staging).
        staging = Staging(self.out_dir, in_memory=bool(before.outputs) and self.renders_here(planned.jobs))
        try:
            results = self.render(
                planned.jobs,
                RenderContext(
                    config,
                    inputs.templates,
                    staging,
                    inputs.keys,
                    self.options.scores_readability,
                    self.project.root,
                    checked_in_this_build(),
                ),
            )
            passed_checks(planned.jobs, results)
            errors += [error for result in results for error in result.errors]
            warnings += [warning for result in results for warning in result.warnings]
            records = {**planned.records, **{r.source: r.record for r in results if r.record}}
            texts = {r.source: r.text for r in results if r.text}
            rendered = {r.source for r in results}
            recheck = rendered | planned.approvals_changed if edit_only else None
            standing, blocking, advisory = self.approval.lock(
                after.pairs or Pairs(),
                after.approved,
                records,
                texts,
                config,
                self.line_of,
                before.standing or None,
                recheck,
            )
            errors += blocking
            warnings += advisory
            errors += warnings if self.options.strict else []
            link_errors, links = check_site_links(
                lambda: [p for pair in pairs for p in pair.pages.values()],
                lambda path: state.page if (state := after.sources.get(path)) else None,
                records,
                rendered,
                config,
                before.links,
                edit_only,
                self.line_of,
            )
            raise_all(errors + link_errors)
            listing = (
                before.listing
                if edit_only and before.listing
                else listing_digest(inputs.keys, inputs.static_urls, pairs)
            )
            site_files, written = before.site_files, 0
            if not before.outputs or listing != before.listing:  # home pages, sitemap and friends list every page
                site_files = write_site_files(staging, inputs, pairs)
                written = len(site_files)
        except BaseException:
            staging.discard()
            raise
        after = replace(after, outputs=records, links=links, listing=listing, site_files=site_files, standing=standing)
        report = BuildReport(
            len(records), len(planned.jobs), len(planned.jobs) + written, time.perf_counter() - started, warnings
        )
        return Staged(report, before, after, staging, rendered, started, same_pages=edit_only)

    def commit(self, staged: Staged) -> BuildReport:
        """Publish what `stage` prepared (nothing, if nothing changed), then adopt its state and record it in the cache."""
        after = staged.after
        if after is None:  # a cold process found everything as the cache describes it
            return staged.report
        if staged.staging is not None:
            try:
                after = self.publish(staged.staging, staged.before, after, staged.rendered, staged.same_pages)
            finally:
                staged.staging.discard()
        if self.cache:
            save_state(self.cache, after, staged.rendered, published=staged.staging is not None, read=staged.read)
            self.approval.remember(self.cache)
            self.reader.keep_cldr_facts()
        if self.options.keep_warm and after.pairs is not None:
            after.pairs.positions  # noqa: B018  (indexed now, in the build: not in the time of the first save after it)
        self.state = after
        self.touched_since_state = set()
        staged.report.seconds = time.perf_counter() - staged.started
        return staged.report

    def discard(self, staged: Staged) -> None:
        """Drop what `stage` prepared, e.g. because another market's build failed (the state stays as it was)."""
        if staged.staging is not None:
            staged.staging.discard()
        self.touched_since_state = None  # what this build read was not adopted: look at every file next time

    # -- where a build starts ---------------------------------------------------------------------

    def cold_and_unchanged(self, inputs: Inputs, listing: Listing | None = None) -> bool:
        """The fast path of a cold process: every file as the cache last saw it, the same shared inputs,
        and the output folder the one last built. Then no page needs even reading."""
        if not self.cache or self.state is not None or self.options.keep_warm:
            return False
        if self.cache.meta("inputs") != inputs.keys.shared_digest() or self.marker() != self.cache.meta("build_id"):
            return False
        if not self.approval.as_cached(self.cache, inputs.config):
            return False  # an approval recorded since: its page shows a new material ID
        return unchanged_since(self.project.content_dir, inputs.config.languages, self.cache.stats(), listing)

    def starting_point(self, inputs: Inputs) -> BuildState:
        """The state to build on: this process's, or the cache's; without outputs if the site on disk is not the one it describes."""
        marker = self.marker()
        if self.state is not None:
            return self.state if marker is not None and marker == self.state.build_id else self.state.without_outputs()
        if not self.cache:
            return EMPTY
        # The state of every page lives as long as this builder: the garbage collector need not walk its
        # hundreds of thousands of objects while they are made, nor at every collection after (together a
        # tenth of a one-page edit's time from the command line).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self.resumed(load_state(self.cache, marker), inputs)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()

    def resumed(self, cached: BuildState, inputs: Inputs) -> BuildState:
        """The cache's state as a warm builder would hold it: pairs, link index and fingerprint worked out
        from the sources and outputs it kept, so that a new process's one-page edit renders and checks
        that page (and its translation) only. Unchanged if the shared inputs changed: then every page is planned."""
        if not cached.outputs or cached.inputs != inputs.keys.shared_digest():
            return cached
        market = inputs.config.market.name if inputs.config.market else None
        published = [s.page for s in cached.sources.values() if published_in(s.page, market)]
        # A published build's sources paired cleanly, with the same config: they need no checking again.
        found = paired_again(published, inputs.config.languages)
        if found is None:  # they do not pair cleanly after all: plan every page
            return cached
        pairs = Pairs(found)
        return self.warmed(replace(cached, pairs=pairs, key_inputs=shared_inputs(inputs.keys)), pairs, inputs)

    def files_to_scan(self, touched: set[Path] | None) -> set[Path] | None:
        """The files to look at: those touched since the state was taken, or None for every file."""
        if touched is None or self.touched_since_state is None or self.state is None:
            return None
        return self.touched_since_state | touched

    def marker(self) -> str | None:
        marker = self.out_dir / MARKER
        return marker.read_text().strip() if marker.is_file() else None

    # -- pair and check -----------------------------------------------------------------------------

    def pair(self, found: Scan, config: SiteConfig) -> tuple[Pairs, list[SourceError]]:
        pages = [state.page for state in found.sources.values()]
        errors = list(found.errors) + market_problems(pages, config)
        pages = [page for page in pages if published_in(page, config.market.name if config.market else None)]
        pairs, pair_errors = pair_pages(pages, config.languages, reserved_slugs(config), found.unreadable_languages)
        return Pairs(pairs), errors + pair_errors

    def staleness(self, pairs: Pairs, config: SiteConfig, before: Staleness | None, found: Scan) -> Staleness:
        """The stale translations: all pairs looked at, or (`before` given: a body-only edit) the edited pairs'."""
        with_notices = config.stale_translations == "notice"
        kept_in = self.cache.path.parent if self.cache else None
        if before is None:
            return Staleness.of(pairs, config.default_language, self.project.root, with_notices, kept_in)
        index = pairs.positions
        edited = {index[path] for path in found.reparsed if path in index}
        return before.with_pairs_again(
            [pairs[i] for i in sorted(edited)], config.default_language, self.project.root, with_notices, kept_in
        )

    def stale_translations(self, stale: Staleness, config: SiteConfig) -> tuple[list[SourceError], list[SourceError]]:
        """Warnings, and errors (a plan that must never publish an out-of-date translation blocks them)."""
        found: list[SourceError] = list(stale.warnings.values())
        if config.stale_translations == "block":
            return unreviewed_warnings(config.taglines), found
        return found + unreviewed_warnings(config.taglines), []

    def with_body(self, page: Page) -> Page:
        """Pages restored from the cache carry no body; read it when the page must render again."""
        if page.body or not page.digest:
            return page
        return parse_page((self.project.root / page.path).read_bytes(), page.path, page.lang)

    def line_of(self, page: Page, text: str) -> int:
        return self.with_body(page).line_containing(text)

    # -- render and write ---------------------------------------------------------------------------

    def renders_here(self, jobs: list[PageJob]) -> bool:
        """Whether these pages render in this process (few of them, or one worker asked for) or in workers."""
        return len(jobs) < PARALLEL_FROM or self.options.processes == 1

    def render(self, jobs: list[PageJob], context: RenderContext) -> list[PageResult]:
        if self.renders_here(jobs):
            set_context(context)
            return render_pages(jobs)
        import multiprocessing  # not needed by the many builds that render a page or two in this process
        from concurrent.futures import ProcessPoolExecutor

        set_context(context, jobs)
        shares = self.options.processes * 4
        try:
            # fork: workers inherit the context and the jobs set above; only share numbers are pickled to them
            with ProcessPoolExecutor(self.options.processes, mp_context=multiprocessing.get_context("fork")) as pool:
                return [result for part in pool.map(render_share, range(shares), [shares] * shares) for result in part]
        finally:
            set_context(context)  # the jobs are not kept past their render

    # -- publish and remember -----------------------------------------------------------------------

    def publish(
        self, staging: Staging, before: BuildState, after: BuildState, rendered: set[str], same_pages: bool = False
    ) -> BuildState:
        """Move the staged files into place; the state, with the build id the output folder now carries.
        `same_pages`: no page came or went, so only the rendered ones can have changed."""
        fingerprint = site_fingerprint(
            before.fingerprint if before.build_id and before.outputs else None,
            before.outputs,
            after.outputs,
            rendered,
            same_pages,
        )
        build_id = f"{fingerprint:032x}"
        staging.write(MARKER, build_id.encode())
        gone = outputs_gone(before.outputs, after.outputs, rendered, same_pages) if before.outputs else None
        staging.publish(self.out_dir, remove=gone, keep_only_static=set(after.site_files) or None)
        return replace(after, build_id=build_id, fingerprint=fingerprint)

    def warmed(self, after: BuildState, pairs: Sequence[PagePair], inputs: Inputs) -> BuildState:
        """Nothing to publish, but a warm builder keeps what it read, so the next edit starts from it: the
        link index, listing and build id of the site on disk (known already if this process built it)."""
        if after.links is not None and after.listing is not None and after.build_id is not None:
            return after
        build_id = self.marker()
        return replace(
            after,
            listing=after.listing or listing_digest(inputs.keys, inputs.static_urls, pairs),
            links=link_index(
                [p for pair in pairs for p in pair.pages.values()], after.outputs, inputs.config.languages
            ),
            build_id=build_id,
            fingerprint=int(build_id, 16) if build_id and re.fullmatch(r"[0-9a-f]{32}", build_id) else None,
        )
