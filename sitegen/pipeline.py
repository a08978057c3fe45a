"""The build, stage by stage: read → pair → resolve and render changed pages → check → publish.

`Builder.build()` reads top to bottom like the process it runs; each stage lives in its own module.
A build renders only pages whose inputs changed (their Markdown, the contact lines they show, the
templates, catalogs and config of their language); a cold process finds what it rendered last time
in the build cache. Pages render in parallel processes when there are enough of them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import BuildCache, OutputRecord
from .checks.catalogs import check_catalogs
from .checks.links import check_links
from .checks.notices import missing_notice_links, missing_notice_pages, notice_hrefs
from .config import SiteConfig, load_config
from .content import Page, parse_page
from .errors import SourceError, raise_all
from .pairing import PagePair, pair_pages
from .passages import market_problems, published_in
from .project import Project, contact_digests, site_digest
from .publish import publish_in_place, publish_swap
from .render import Templates
from .sitemap import robots_txt, sitemap_xml
from .taglines import unreviewed_warnings
from .translations import stale_notices, stale_warnings
from .workers import KeyMaker, PageJob, PageResult, RenderContext, render_pages, set_context, write_atomically

MARKER = ".build-id"
PARALLEL_FROM = 64  # fewer dirty pages than this render faster in this process than by forking


@dataclass
class BuildReport:
    pages: int  # pages in the site
    rendered: int  # pages rendered by this build
    files_written: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


@dataclass
class Staged:
    """A build ready to publish: the rendered files in `staging` (None when nothing changed)."""

    report: BuildReport
    staging: Path | None = None
    records: dict[str, OutputRecord] = field(default_factory=dict)
    previous: dict[str, OutputRecord] = field(default_factory=dict)
    rendered: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)


@dataclass
class _SourceState:
    mtime_ns: int
    size: int
    page: Page


class Builder:
    """Builds one project into one output folder; keep it around (as `serve` does) to rebuild fast."""

    def __init__(self, project: Project, out_dir: Path, workers: int | None = None, use_cache: bool = True, strict: bool = False,
                 readability: bool = False, keep_warm: bool = False) -> None:
        self.project = project
        self.keep_warm = keep_warm  # serve: a no-op build still prepares for the next edit
        self.strict = strict  # warnings (stale translations, readability) stop the build
        self.readability = readability or strict  # readability scoring costs about as much as rendering
        self.out_dir = out_dir.resolve()
        self.workers = workers or os.cpu_count() or 1
        self.cache = BuildCache.for_build(project.root, self.out_dir) if use_cache else None
        self.sources: dict[str, _SourceState] | None = None
        self.outputs: dict[str, OutputRecord] | None = None
        self.cached_state_paths: dict[str, tuple[int, int]] | None = None  # what the cache holds, to write only changes
        self.build_id: str | None = None
        self.listing: str | None = None  # what the site-wide pages (home, sitemap) were made from
        self.site_files: set[str] = set()
        # Kept between builds in one process (serve), so a one-page edit touches one page's worth of work:
        self.seen: dict[str, tuple[str, dict[str, str]]] = {}  # page -> (digest, alternates) its key was checked with
        self.last_key_inputs: tuple[dict[str, str], dict[str, str]] | None = None
        self.checked_ids: dict[str, frozenset[str]] | None = None  # url -> ids, as the last link check saw them
        self.fingerprint: int | None = None  # see site_fingerprint()
        self.templates: Templates | None = None
        self.pairs: list[PagePair] | None = None
        self.pair_index: dict[str, int] | None = None  # page -> its pair's position in self.pairs
        self.reparsed: set[str] = set()  # pages read anew by this build
        self.catalog_state: tuple[tuple[str, int], ...] | None = None
        self.catalog_errors: list[SourceError] = []
        self.inputs = ""  # digest of everything all pages share, as the cache records it
        self.unparsed: set[str] = set()  # pages whose last save could not be read: rescan until fixed
        self.link_targets: dict[str, frozenset[str]] = {}  # page -> the pages its links point to (no #fragment)

    def build(self, touched: set[Path] | None = None, config: SiteConfig | None = None) -> BuildReport:
        """Build; `touched` (from a file watcher) names the files that changed, so the rest need no stat."""
        return self.commit(self.stage(touched, config))

    def stage(self, touched: set[Path] | None = None, config: SiteConfig | None = None) -> "Staged":
        """Everything up to publishing: read, pair, render into a private folder, check.
        Raises `SiteErrors` (leaving the output untouched) if anything is wrong."""
        started = time.perf_counter()
        config = config or load_config(self.project.config_path, "site.toml")
        static_files, static_urls = fingerprint_static(self.project.static_dir)
        if config.market:  # market trees share the site's one static folder, written above them
            static_files = {}
        keys = KeyMaker({lang: site_digest(self.project, config, lang, static_urls) for lang in config.languages}, contact_digests(config))
        if self.templates is None or self.last_key_inputs != (keys.site_digests, keys.contact_digests):
            self.templates = Templates(config, self.project.templates_dir, self.project.locales_dir, self.project.root, static_urls)
        templates, config = self.templates, self.templates.config  # unchanged inputs: keep the compiled templates
        inputs = hashlib.sha256(repr((sorted(keys.site_digests.items()), sorted(keys.contact_digests.items()))).encode()).hexdigest()
        if self.nothing_changed(config.languages, inputs):
            return Staged(BuildReport(len(self.cached_state_paths or {}), 0, 0, time.perf_counter() - started))

        known = self.sources
        pages, errors, sources_changed = self.read_pages(config.languages, touched)
        previous = self.previous_outputs()
        # A save that changed only page bodies (the common edit) skips the whole-site steps.
        body_only = self.only_bodies_changed(known, keys, previous) and not errors
        if body_only:
            pairs = self.patched_pairs()
        else:
            errors += market_problems(pages, config)
            pages = [page for page in pages if published_in(page, config.market.name if config.market else None)]
            unreadable = frozenset(path.split("/")[1] for path in self.unparsed)
            pairs, pair_errors = pair_pages(pages, config.languages, reserved_slugs(config), unreadable)
            errors += pair_errors
        self.pairs = pairs
        errors += self.catalog_problems(config)
        errors += missing_notice_pages(pairs, config, self.project.config_path)
        stale = stale_warnings(pairs, config.default_language)
        if config.stale_translations == "block":  # a plan that must never publish an out-of-date translation
            errors += stale
            stale = []
        warnings = stale + unreviewed_warnings(config.taglines)
        notices = stale_notices(pairs, config.default_language, self.project.root) if config.stale_translations == "notice" else {}
        jobs, records = self.plan_reparsed(previous, keys, notices) if body_only else self.plan(pairs, previous, keys, notices)
        if not jobs and not sources_changed and not errors and previous and len(records) == len(previous):
            self.build_id = (self.out_dir / MARKER).read_text().strip()  # the site on disk is the one we built
            self.remember_sources()
            if self.keep_warm:
                self.adopt(previous, pairs, config, make_listing=lambda: listing_digest(keys, static_urls, pairs))
            return Staged(BuildReport(len(records), 0, 0, time.perf_counter() - started, warnings))

        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{self.out_dir.name}.tmp-", dir=self.out_dir.parent))
        try:
            results = self.render(jobs, RenderContext(config, templates, staging, keys, self.readability, self.project.root))
            errors += [error for result in results for error in result.errors]
            warnings += [warning for result in results for warning in result.warnings]
            if self.strict:
                errors += warnings
            records.update((r.source, r.record) for r in results if r.record)
            errors += self.check_links(pairs, records, {r.source for r in results}, config, patch_ids=body_only)
            raise_all(errors)
            listing = self.listing if body_only and self.listing else listing_digest(keys, static_urls, pairs)
            written, self.site_files = 0, set()
            if not previous or listing != self.listing:  # home pages, sitemap and friends list every page
                written = self.write_site_files(staging, config, templates, pairs, static_files)
            self.listing = listing
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            self.seen.clear()  # what plan() saw was not published: compare against the outputs next time
            raise
        rendered = {r.source for r in results}
        report = BuildReport(len(records), len(jobs), len(jobs) + written, time.perf_counter() - started, warnings)
        return Staged(report, staging, records, previous, rendered, started)

    def commit(self, staged: "Staged") -> BuildReport:
        """Publish what `stage` prepared (nothing, if nothing changed) and remember it for the next build."""
        if staged.staging is None:
            return staged.report
        try:
            self.publish(staged.staging, staged.records, staged.previous)
        finally:
            shutil.rmtree(staged.staging, ignore_errors=True)
        self.remember(staged.records, staged.rendered)
        staged.report.seconds = time.perf_counter() - staged.started
        return staged.report

    def discard(self, staged: "Staged") -> None:
        """Drop what `stage` prepared, e.g. because another market's build failed."""
        if staged.staging is not None:
            shutil.rmtree(staged.staging, ignore_errors=True)
            self.listing = None  # the site files were not published: write them next time
            self.seen.clear()

    # -- read ----------------------------------------------------------------------------------

    def read_pages(self, languages: tuple[str, ...], touched: set[Path] | None = None) -> tuple[list[Page], list[SourceError], bool]:
        """Parse the pages whose files changed; reuse the rest (from memory, or the cache)."""
        known = self.sources if self.sources is not None else self.cached_sources()
        if self.cached_state_paths is None:
            self.cached_state_paths = {path: (state.mtime_ns, state.size) for path, state in known.items()}
        current: dict[str, _SourceState] = {}
        errors: list[SourceError] = []
        changed = False
        self.reparsed = set()
        if touched is not None and self.sources is not None and not self.unparsed:
            current = dict(self.sources)
            scans = [(lang, [Path(p) for p in touched if Path(p).parent == self.project.content_dir / lang and Path(p).suffix == ".md"]) for lang in languages]
            for lang, paths in scans:
                for path in paths:
                    if not path.is_file():
                        changed = current.pop(f"content/{lang}/{path.name}", None) is not None or changed
            entries_by_lang: list[tuple[str, list[Any]]] = [(lang, _entries(paths)) for lang, paths in scans]
        else:
            entries_by_lang = [(lang, list(_scan(self.project.content_dir / lang))) for lang in languages]
        for lang, entries in entries_by_lang:
            prefix = f"content/{lang}/"
            for entry in entries:
                shown = prefix + entry.name
                stat = entry.stat()
                old = known.get(shown)
                if old and old.mtime_ns == stat.st_mtime_ns and old.size == stat.st_size and old.page.lang == lang:
                    current[shown] = old
                    continue
                try:
                    page = parse_page(Path(entry.path).read_bytes(), shown, lang)
                except SourceError as exc:
                    errors.append(exc)
                    current.pop(shown, None)
                    self.unparsed.add(shown)
                    continue
                self.unparsed.discard(shown)
                changed = changed or not old or old.page.digest != page.digest  # touched but unchanged is no change
                current[shown] = _SourceState(stat.st_mtime_ns, stat.st_size, page)
                self.reparsed.add(shown)
        changed = changed or current.keys() != known.keys()
        self.pending_sources = current
        return [state.page for state in current.values()], errors, changed

    def nothing_changed(self, languages: tuple[str, ...], inputs: str) -> bool:
        """The fast path of a cold process: every file as the cache last saw it, the same shared inputs,
        and the output folder the one last built. Then no page needs even reading."""
        if not self.cache or self.sources is not None or self.keep_warm:
            return False
        marker = self.out_dir / MARKER
        if self.cache.meta("inputs") != inputs or not marker.is_file() or marker.read_text().strip() != self.cache.meta("build_id"):
            self.inputs = inputs
            return False
        self.inputs = inputs
        known = self.cache.stats()
        seen = 0
        for lang in languages:
            for entry in _scan(self.project.content_dir / lang):
                stat = entry.stat()
                if known.get(f"content/{lang}/{entry.name}") != (stat.st_mtime_ns, stat.st_size):
                    return False
                seen += 1
        self.cached_state_paths = known
        return seen == len(known)

    def cached_sources(self) -> dict[str, _SourceState]:
        if not self.cache:
            return {}
        return {path: _SourceState(mtime, size, page) for path, (mtime, size, page) in self.cache.sources().items()}

    def previous_outputs(self) -> dict[str, OutputRecord]:
        """What the site in the output folder was built from, if that site is the one we last built."""
        marker = self.out_dir / MARKER
        build_id = marker.read_text().strip() if marker.is_file() else None
        if self.outputs is not None and build_id == self.build_id:
            return self.outputs
        if self.cache and build_id and build_id == self.cache.meta("build_id"):
            return self.cache.outputs()
        return {}

    # -- plan and render -------------------------------------------------------------------------

    def plan(self, pairs: list[PagePair], previous: dict[str, OutputRecord], keys: KeyMaker,
             notices: dict[str, str]) -> tuple[list[PageJob], dict[str, OutputRecord]]:
        """Which pages must render: those whose input key differs from the one their output was made from."""
        jobs, clean = [], {}
        same_shared_inputs = self.last_key_inputs == (keys.site_digests, keys.contact_digests)
        for pair in pairs:
            alternates = {lang: page.url for lang, page in pair.pages.items()}
            for page in pair.pages.values():
                before = previous.get(page.path)
                notice = notices.get(page.path, "")
                seen = (page.digest, alternates, notice)
                if before and ((same_shared_inputs and self.seen.get(page.path) == seen)
                               or before.input_key == keys.key(page.digest, page.lang, alternates, before.deps, notice)):
                    clean[page.path] = before
                else:
                    jobs.append(PageJob(page, alternates, notice))  # a worker reads the body if the cache had none
                self.seen[page.path] = seen
        self.last_key_inputs = (keys.site_digests, keys.contact_digests)
        return jobs, clean

    # -- the fast path of a body-only edit ---------------------------------------------------------

    def only_bodies_changed(self, known: dict[str, _SourceState] | None, keys: KeyMaker, previous: dict[str, OutputRecord]) -> bool:
        """True when the pages re-read this build kept their language, key, slug, title and description,
        none came or went, and nothing all pages share changed: then pairs and listings stand."""
        if known is None or self.pairs is None or not previous or self.unparsed:
            return False
        if self.last_key_inputs != (keys.site_digests, keys.contact_digests) or self.pending_sources.keys() != known.keys():
            return False
        for path in self.reparsed:
            old, new = known[path].page, self.pending_sources[path].page
            if (old.lang, old.key, old.slug, old.title, old.description, old.markets) != (new.lang, new.key, new.slug, new.title, new.description, new.markets):
                return False
        return True

    def patched_pairs(self) -> list[PagePair]:
        pairs = list(self.pairs or [])
        if self.pair_index is None or len(self.pair_index) != sum(len(p.pages) for p in pairs):
            self.pair_index = {page.path: i for i, pair in enumerate(pairs) for page in pair.pages.values()}
        for path in self.reparsed:
            page = self.pending_sources[path].page
            if path not in self.pair_index:
                continue  # not published in this market
            i = self.pair_index[path]
            pairs[i] = PagePair(pairs[i].key, {**pairs[i].pages, page.lang: page})
        return pairs

    def plan_reparsed(self, previous: dict[str, OutputRecord], keys: KeyMaker,
                      notices: dict[str, str]) -> tuple[list[PageJob], dict[str, OutputRecord]]:
        """Only the re-read pages, and their translations (whose stale notice may come or go), can need
        rendering; every other output stands as it is."""
        jobs, records = [], dict(previous)
        pairs, index = self.pairs or [], self.pair_index or {}
        affected = sorted({other.path for path in self.reparsed if path in index for other in pairs[index[path]].pages.values()})
        for path in affected:  # pages outside this market's pairs are not published in it
            page = self.pending_sources[path].page
            alternates = {lang: p.url for lang, p in pairs[index[path]].pages.items()}
            notice = notices.get(path, "")
            before = previous.get(path)
            if before and before.input_key == keys.key(page.digest, page.lang, alternates, before.deps, notice):
                continue
            del records[path]
            jobs.append(PageJob(page, alternates, notice))
            self.seen[path] = (page.digest, alternates, notice)
        return jobs, records

    def page_at(self, path: str) -> Page | None:
        state = self.pending_sources.get(path)
        return state.page if state else None

    def catalog_problems(self, config: SiteConfig) -> list[SourceError]:
        """Catalog checks, re-run only when a catalog file changed."""
        state = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in self.project.locales_dir.rglob("*.po*"))) if self.project.locales_dir.is_dir() else ()
        if state != self.catalog_state:
            self.catalog_errors = check_catalogs(self.project.locales_dir, config.languages, config.default_language, self.project.root)
            self.catalog_state = state
        return list(self.catalog_errors)

    def with_body(self, page: Page) -> Page:
        """Pages restored from the cache carry no body; read it when the page must render again."""
        if page.body or not page.digest:
            return page
        return parse_page((self.project.root / page.path).read_bytes(), page.path, page.lang)

    def render(self, jobs: list[PageJob], context: RenderContext) -> list[PageResult]:
        set_context(context)
        if len(jobs) < PARALLEL_FROM or self.workers == 1:
            return render_pages(jobs)
        chunks = [jobs[i::self.workers * 4] for i in range(self.workers * 4)]
        # fork: workers inherit the context set above instead of unpickling it per page
        with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [result for chunk in pool.map(render_pages, chunks) for result in chunk]

    # -- check -----------------------------------------------------------------------------------

    def check_links(self, pairs: list[PagePair], records: dict[str, OutputRecord], rendered: set[str], config: SiteConfig,
                    patch_ids: bool = False) -> list[SourceError]:
        """Check the links of pages that rendered, and of pages whose link targets changed since the last check."""
        def all_pages() -> list[Page]:
            return [page for pair in pairs for page in pair.pages.values()]

        if patch_ids and self.checked_ids is not None:  # no page came or went: update only the rendered pages' ids
            page_ids = dict(self.checked_ids)
            for path in rendered:
                page = self.page_at(path)
                if page is not None and path in records:
                    page_ids[page.url] = frozenset(records[path].ids)
        else:
            page_ids = self.ids_by_url(all_pages(), records, config)
        before = self.checked_ids
        changed_urls = None if before is None else {url for url in page_ids.keys() | before.keys() if page_ids.get(url) != before.get(url)}
        if changed_urls is not None and not changed_urls:  # nothing others link to has changed
            pages = [page for path in sorted(rendered) for page in [self.page_at(path)] if page is not None]
        else:
            pages = all_pages()
        form_paths = {path for form in config.forms.values() for path in form.paths.values()}
        form_paths |= set(config.notices.language_help.values()) if config.notices else set()  # written by the build itself
        other_markets = {m.path: m.name for m in config.markets.values() if m != config.market}
        errors: list[SourceError] = []
        for page in pages:
            record = records.get(page.path)
            if record is None:
                continue
            if changed_urls and page.path not in rendered:
                if page.path not in self.link_targets:
                    self.link_targets[page.path] = frozenset(href.split("#", 1)[0] for href in record.hrefs)
                if changed_urls.isdisjoint(self.link_targets[page.path]):
                    continue
            errors += check_links(page, record.hrefs, set(record.ids), page_ids, form_paths, self.line_of,  # type: ignore[arg-type]
                                  config.prefix, other_markets)
        for path in rendered:
            self.link_targets.pop(path, None)
        self.pending_checked_ids = page_ids
        return errors

    @staticmethod
    def ids_by_url(pages: list[Page], records: dict[str, OutputRecord], config: SiteConfig) -> dict[str, frozenset[str]]:
        page_ids: dict[str, frozenset[str]] = {f"/{lang}/": frozenset() for lang in config.languages}
        for page in pages:
            record = records.get(page.path)
            if record is not None:
                page_ids[page.url] = frozenset(record.ids)
        return page_ids

    def line_of(self, page: Page, text: str) -> int:
        return self.with_body(page).line_containing(text)

    # -- write -----------------------------------------------------------------------------------

    def write_site_files(self, staging: Path, config: SiteConfig, templates: Templates, pairs: list[PagePair], static_files: dict[str, bytes]) -> int:
        """The pages that list or point to every page: home pages, 404s, root, taglines, sitemap, robots, CSS."""
        # The language chooser at "/" is the x-default of the home pages' cluster, and names them back.
        homes = {**{lang: f"/{lang}/" for lang in config.languages}, "x-default": "/"}
        help_pages = dict(config.notices.language_help) if config.notices else {}
        files: dict[str, bytes] = dict(static_files)
        problems: list[SourceError] = []

        def page(name: str, lang: str, template: str, **context: Any) -> None:
            html = templates.render(lang, template, **{"canonical": None, "title": None, "description": None, **context})
            problems.extend(missing_notice_links(f"templates/{template}", html, notice_hrefs(config, lang)))
            files[name] = html.encode()

        for lang in config.languages:
            listed = sorted((pair.pages[lang] for pair in pairs), key=lambda p: (p.title.casefold(), p.slug))
            page(f"{lang}/index.html", lang, "home.html", pages=listed, alternates=homes, canonical=homes[lang])
            page(f"{lang}/404.html", lang, "404.html", alternates=homes)
            if help_pages:
                page(help_pages[lang].strip("/") + "/index.html", lang, "language_help.html", alternates=help_pages,
                     canonical=help_pages[lang])
        default = config.default_language
        choices = [{"lang": lang, "text": templates.render(lang, "language_choice.html").strip()} for lang in config.languages]
        page("index.html", default, "root.html", choices=choices, alternates=homes, canonical="/")
        raise_all(problems)
        files["404.html"] = files[f"{default}/404.html"]
        clusters = [homes] + ([help_pages] if help_pages else []) + [{lang: p.url for lang, p in pair.pages.items()} for pair in pairs]
        files["sitemap.xml"] = sitemap_xml(config, clusters).encode()
        if not config.market:  # a market's tree sits under the site's one robots.txt
            files["robots.txt"] = robots_txt(config).encode()
        for name, data in files.items():
            write_atomically(staging / name, data)
        self.site_files = set(files)
        return len(files)

    def publish(self, staging: Path, records: dict[str, OutputRecord], previous: dict[str, OutputRecord]) -> None:
        self.build_id = f"{self.site_fingerprint(records, previous):032x}"
        write_atomically(staging / MARKER, self.build_id.encode())
        if previous:
            gone = {r.output for r in previous.values()} - {r.output for r in records.values()}
            publish_in_place(staging, self.out_dir, remove=gone, keep_only_static=self.site_files or None)
        else:
            publish_swap(staging, self.out_dir)

    def adopt(self, previous: dict[str, OutputRecord], pairs: list[PagePair], config: SiteConfig, make_listing: Callable[[], str]) -> None:
        """Nothing to do: keep what was read, so the next build in this process starts from it."""
        already_warm = self.outputs is previous and self.checked_ids is not None
        self.sources, self.outputs = self.pending_sources, previous
        if already_warm:
            return  # this process built (or adopted) this very site: its ids, listing and build id stand
        self.listing = make_listing()
        self.checked_ids = self.ids_by_url([p for pair in pairs for p in pair.pages.values()], previous, config)
        self.build_id = (self.out_dir / MARKER).read_text().strip()
        self.fingerprint = int(self.build_id, 16) if re.fullmatch(r"[0-9a-f]{32}", self.build_id) else None

    def site_fingerprint(self, records: dict[str, OutputRecord], previous: dict[str, OutputRecord]) -> int:
        """An order-free hash of every page's input key (XOR of per-page hashes), so the same inputs
        always give the same id and an incremental build updates it in time proportional to its changes."""
        if self.fingerprint is None or previous is not self.outputs:  # start over from every page
            self.fingerprint = 0
            previous = {}
        for source in records.keys() | previous.keys():
            old, new = previous.get(source), records.get(source)
            if old is not new and (old is None or new is None or old.input_key != new.input_key):
                if old is not None:
                    self.fingerprint ^= _page_hash(source, old.input_key)
                if new is not None:
                    self.fingerprint ^= _page_hash(source, new.input_key)
        return self.fingerprint

    def remember(self, records: dict[str, OutputRecord], rendered: set[str]) -> None:
        """Keep this build's state in memory (for the next build in this process) and in the cache."""
        self.sources, self.outputs = self.pending_sources, records
        self.checked_ids = self.pending_checked_ids
        self.remember_sources(records, rendered)

    def remember_sources(self, records: dict[str, OutputRecord] | None = None, rendered: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Write to the cache what changed: sources read anew (even if only touched), outputs rendered."""
        before = self.cached_state_paths if self.cached_state_paths is not None else {}
        sources = self.pending_sources
        changed = {path: (state.mtime_ns, state.size, state.page) for path, state in sources.items() if before.get(path) != (state.mtime_ns, state.size)}
        removed = set(before) - set(sources)
        if self.cache and (changed or removed or records is not None):
            self.cache.save({"build_id": self.build_id or "", "inputs": self.inputs}, changed, records or {}, set(changed), set(rendered), removed)
        for path in removed:
            before.pop(path, None)
        before.update((path, row[:2]) for path, row in changed.items())
        self.cached_state_paths = before


def _scan(folder: Path) -> list[os.DirEntry[str]] | list[_File]:
    if not folder.is_dir():
        return []
    return sorted((e for e in os.scandir(folder) if e.name.endswith(".md") and e.is_file()), key=lambda e: e.name)


@dataclass(frozen=True)
class _File:
    """The little of os.DirEntry that read_pages uses, for a file a watcher named."""

    path: str
    name: str

    def stat(self) -> os.stat_result:
        return os.stat(self.path)


def _entries(paths: list[Path]) -> list[_File]:
    return [_File(str(p), p.name) for p in sorted(paths) if p.is_file()]


def listing_digest(keys: KeyMaker, static_urls: dict[str, str], pairs: list[PagePair]) -> str:
    """What the site-wide pages (home pages, sitemap, 404s, taglines) are made from: when it is unchanged, they are too."""
    listed = [(p.lang, p.slug, p.title, p.description) for pair in pairs for p in pair.pages.values()]
    shared = (sorted(keys.site_digests.items()), sorted(keys.contact_digests.items()), sorted(static_urls.items()))  # their footers show contact lines
    return hashlib.sha256(repr((shared, listed)).encode()).hexdigest()


def _page_hash(source: str, input_key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{source}\0{input_key}".encode()).digest()[:16], "big")


def reserved_slugs(config: SiteConfig) -> dict[str, set[str]]:
    """Slugs the site serves itself (form pages, the taglines page) cannot also be content pages."""
    reserved: dict[str, set[str]] = {lang: {"static"} for lang in config.languages}
    for paths in config.served_pages:
        for lang, path in paths.items():
            reserved.setdefault(lang, set()).add(path.strip("/").split("/")[-1])
    return reserved


def fingerprint_static(static_dir: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Copy static files under names that carry a content hash, so they can be cached forever."""
    files, urls = {}, {}
    for file in sorted(static_dir.rglob("*")) if static_dir.is_dir() else []:
        if not file.is_file():
            continue
        data = file.read_bytes()
        relative = file.relative_to(static_dir).as_posix()
        stem, dot, suffix = relative.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        name = f"static/{stem}.{digest}.{suffix}" if dot else f"static/{relative}.{digest}"
        files[name] = data
        urls[relative] = "/" + name
    return files, urls
