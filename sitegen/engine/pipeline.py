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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import babel

from sitegen.checks.catalogs import catalogs_digest, check_catalogs
from sitegen.checks.links import check_site_links, link_index
from sitegen.checks.notices import missing_notice_links, missing_notice_pages, notice_hrefs
from sitegen.config.project import Project, contact_digests, site_digest
from sitegen.config.site import SiteConfig, load_config
from sitegen.config.taglines import cldr_facts, unreviewed_warnings, with_cldr_facts
from sitegen.content.page import Page, parse_page
from sitegen.content.pairing import PagePair, pair_pages, paired_again, reserved_slugs
from sitegen.content.passages import market_problems, published_in
from sitegen.engine.cache import BuildCache, OutputRecord
from sitegen.engine.keys import KeyMaker, listing_digest, site_fingerprint
from sitegen.engine.options import BuildOptions
from sitegen.engine.plan import Plan, edited_pairs, only_bodies_changed, plan, plan_edited, shared_inputs
from sitegen.engine.publish import Staging
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
from sitegen.errors import ContentError, SourceError, raise_all
from sitegen.rendering.sitemap import robots_txt, sitemap_xml
from sitegen.rendering.static_files import fingerprint_static
from sitegen.rendering.templates import Templates
from sitegen.translation.staleness import Staleness

MARKER = ".build-id"
FORM_UNAVAILABLE = (
    "form-unavailable.html"  # per language (and market); deploy/nginx.conf shows it when the backend is down
)
CLDR_FACTS = f"cldr:{babel.__version__}"  # the taglines' language names and directions, as this Babel has them
CATALOG_CHECK = f"catalog-check:{babel.__version__}"  # the UI catalogs' problems, for one version of them
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


@dataclass(frozen=True)
class Inputs:
    """What this build is made from besides the pages: config, templates, static files, keys."""

    config: SiteConfig
    templates: Templates
    keys: KeyMaker
    static_files: dict[str, bytes]
    static_urls: dict[str, str]
    catalog_problems: tuple[SourceError, ...] = ()


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
        self.templates: tuple[tuple[object, ...], Templates] | None = None  # compiled once per set of inputs
        # The inputs of the last build and the config they were read for: kept while that config object is
        # handed in again, which `SiteBuilder` does only when nothing but pages changed.
        self.last_inputs: tuple[SiteConfig, Inputs] | None = None
        self.catalogs: tuple[tuple[tuple[str, int], ...], list[SourceError]] | None = (
            None  # checked once per catalog version
        )

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
        inputs = self.inputs(config or load_config(self.project.config_path, "site.toml"))
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
        planned = plan_edited(pairs, before, found, keys, notices) if edit_only else plan(pairs, before, keys, notices)
        after = replace(
            before,
            sources=found.sources,
            pairs=pairs,
            seen=planned.seen,
            key_inputs=keys.shared,
            inputs=keys.shared_digest(),
            stale=stale,
        )
        if (
            not planned.jobs
            and not found.changed
            and not errors
            and before.outputs
            and len(planned.records) == len(before.outputs)
        ):
            return Staged(
                BuildReport(len(planned.records), 0, 0, time.perf_counter() - started, warnings),
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
            errors += warnings if self.options.strict else []
            records = {**planned.records, **{r.source: r.record for r in results if r.record}}
            rendered = {r.source for r in results}
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
                site_files = self.write_site_files(staging, inputs, pairs)
                written = len(site_files)
        except BaseException:
            staging.discard()
            raise
        after = replace(after, outputs=records, links=links, listing=listing, site_files=site_files)
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
            self.keep_cldr_facts()
        if self.options.keep_warm and after.pairs is not None:
            after.pairs.positions  # noqa: B018  (indexed now, in the build: not in the time of the first save after it)
        self.state = after
        self.touched_since_state = set()
        staged.report.seconds = time.perf_counter() - staged.started
        return staged.report

    def keep_cldr_facts(self) -> None:
        """Keep the taglines' language names and directions for the next process (see `with_cldr_facts`)."""
        assert self.cache is not None and self.last_inputs is not None
        kept = self.cache.meta_json(CLDR_FACTS) or {}
        taglines = self.last_inputs[0].taglines
        if any(t.lang not in kept for t in taglines):
            self.cache.keep_json(CLDR_FACTS, {**kept, **cldr_facts(taglines)})

    def discard(self, staged: Staged) -> None:
        """Drop what `stage` prepared, e.g. because another market's build failed (the state stays as it was)."""
        if staged.staging is not None:
            staged.staging.discard()
        self.touched_since_state = None  # what this build read was not adopted: look at every file next time

    # -- where a build starts ---------------------------------------------------------------------

    def inputs(self, config: SiteConfig) -> Inputs:
        """What every page is made from besides itself. The same config object as last time means only pages
        changed since (see `SiteBuilder.build`): then so is everything else here, and nothing is read again."""
        if self.last_inputs is None or self.last_inputs[0] is not config:
            if self.cache:
                with_cldr_facts(config.taglines, self.cache.meta_json(CLDR_FACTS) or {})
            self.last_inputs = (config, self.read_inputs(config))
            if self.options.keep_warm:  # serve: edits render in this process, the build in workers forked from it
                self.last_inputs[1].templates.compile_ahead("page.html")
        return self.last_inputs[1]

    def read_inputs(self, config: SiteConfig) -> Inputs:
        static_files, static_urls = fingerprint_static(self.project.static_dir)
        if config.market:  # market trees share the site's one static folder, written above them
            static_files = {}
        keys = KeyMaker(
            {lang: site_digest(self.project, config, lang, static_urls) for lang in config.languages},
            contact_digests(config),
        )
        made_from = (keys.site_digests, keys.contact_digests)
        if self.templates is None or self.templates[0] != made_from:  # unchanged inputs: keep the compiled templates
            self.templates = (
                made_from,
                Templates(
                    config,
                    self.project.templates_dir,
                    self.project.locales_dir,
                    self.project.root,
                    static_urls,
                    compiled_in=self.cache.path.parent / "templates" if self.cache else None,
                    reload_edited=False,  # made anew when a template changes: its digest is among `made_from`
                ),
            )
        templates = self.templates[1]
        return Inputs(
            templates.config, templates, keys, static_files, static_urls, tuple(self.catalog_problems(config))
        )

    def cold_and_unchanged(self, inputs: Inputs, listing: Listing | None = None) -> bool:
        """The fast path of a cold process: every file as the cache last saw it, the same shared inputs,
        and the output folder the one last built. Then no page needs even reading."""
        if not self.cache or self.state is not None or self.options.keep_warm:
            return False
        if self.cache.meta("inputs") != inputs.keys.shared_digest() or self.marker() != self.cache.meta("build_id"):
            return False
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

    def catalog_problems(self, config: SiteConfig) -> list[SourceError]:
        """Catalog checks, re-run only when a catalog file changed."""
        locales = self.project.locales_dir
        version = (
            tuple(sorted((str(p), p.stat().st_mtime_ns) for p in locales.rglob("*.po*"))) if locales.is_dir() else ()
        )
        if self.catalogs is None or self.catalogs[0] != version:
            self.catalogs = (version, self.checked_catalogs(config))
        return list(self.catalogs[1])

    def checked_catalogs(self, config: SiteConfig) -> list[SourceError]:
        """The catalogs' problems: kept in the cache for each version of them, since reading the catalogs
        (and importing Babel's reader) was 50 ms of a new process's one-page edit."""
        languages, source_lang, locales = config.languages, config.default_language, self.project.locales_dir
        digest = catalogs_digest(locales, languages, source_lang)
        kept = self.cache.meta_json(CATALOG_CHECK) if self.cache else None
        if isinstance(kept, dict) and kept.get("digest") == digest:
            try:
                return [ContentError(*problem) for problem in kept["problems"]]
            except (KeyError, TypeError):
                pass  # a damaged entry: check again
        problems = check_catalogs(locales, languages, source_lang, self.project.root)
        if self.cache:
            found = [[p.path, p.line, p.problem, p.hint] for p in problems]
            self.cache.keep_json(CATALOG_CHECK, {"digest": digest, "problems": found})
        return problems

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

    def write_site_files(self, staging: Staging, inputs: Inputs, pairs: Sequence[PagePair]) -> frozenset[str]:
        """The pages that list or point to every page: home pages, 404s, root, taglines, sitemap, robots, CSS."""
        config, templates = inputs.config, inputs.templates
        # The language chooser at "/" is the x-default of the home pages' cluster, and names them back.
        homes = {**{lang: f"/{lang}/" for lang in config.languages}, "x-default": "/"}
        help_pages = dict(config.notices.language_help) if config.notices else {}
        files: dict[str, bytes] = dict(inputs.static_files)
        problems: list[SourceError] = []

        def page(name: str, lang: str, template: str, **context: Any) -> None:
            html = templates.render(
                lang, template, **{"canonical": None, "title": None, "description": None, **context}
            )
            problems.extend(missing_notice_links(f"templates/{template}", html, notice_hrefs(config, lang)))
            files[name] = html.encode()

        for lang in config.languages:
            listed = sorted((pair.pages[lang] for pair in pairs), key=lambda p: (p.title.casefold(), p.slug))
            page(f"{lang}/index.html", lang, "home.html", pages=listed, alternates=homes, canonical=homes[lang])
            page(f"{lang}/404.html", lang, "404.html", alternates=homes)
            if config.forms.get("inquiry"):  # what nginx shows while the form's backend cannot be reached
                page(f"{lang}/{FORM_UNAVAILABLE}", lang, "form_unavailable.html", alternates=homes)
            if help_pages:
                page(
                    help_pages[lang].strip("/") + "/index.html",
                    lang,
                    "language_help.html",
                    alternates=help_pages,
                    canonical=help_pages[lang],
                )
        default = config.default_language
        choices = [
            {"lang": lang, "text": templates.render(lang, "language_choice.html").strip()} for lang in config.languages
        ]
        page("index.html", default, "root.html", choices=choices, alternates=homes, canonical="/")
        raise_all(problems)
        files["404.html"] = files[f"{default}/404.html"]
        clusters = (
            [homes]
            + ([help_pages] if help_pages else [])
            + [{lang: p.url for lang, p in pair.pages.items()} for pair in pairs]
        )
        files["sitemap.xml"] = sitemap_xml(config, clusters).encode()
        if not config.market:  # a market's tree sits under the site's one robots.txt
            files["robots.txt"] = robots_txt(config).encode()
        for name, data in files.items():
            staging.write(name, data)
        return frozenset(files)

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


def outputs_gone(
    before: Mapping[str, OutputRecord], after: Mapping[str, OutputRecord], rendered: set[str], same_pages: bool = False
) -> set[str]:
    """The output files no page writes any more. Only a page that rendered or went can have given one up,
    and only one whose file moved needs the full list of files still written (a slug change, a page gone)."""
    went = set() if same_pages else before.keys() - after.keys()
    moved = {
        before[source].output
        for source in rendered | went
        if source in before and (source not in after or after[source].output != before[source].output)
    }
    return moved - {record.output for record in after.values()} if moved else set()
