"""Build every market's tree, all or nothing, and the pages above them that list the markets.

A site without [markets] is one tree at the top of the output folder, built exactly as before.
With markets, each market's pages are a tree under its path (its own home pages, 404s, sitemap
and language switcher), rendered from the shared content with that market's contact lines; the
top of the output folder holds the market index, a 404, a sitemap index, robots.txt and the one
static folder the trees share.
"""

from __future__ import annotations

import time
from pathlib import Path

from sitegen.checks.notices import market_notice_hrefs, missing_notice_links
from sitegen.config.loader import load_config
from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig
from sitegen.engine.digests import digest_files
from sitegen.engine.freshness import Snapshot, forget, record, snapshot
from sitegen.engine.options import BuildOptions
from sitegen.engine.pipeline import Builder, BuildReport, Staged
from sitegen.engine.publish import prune_except, remove_empty_parents, write_changed
from sitegen.engine.sources import Listing, ReadPages, listing_of
from sitegen.errors import SiteError, SiteErrors, SourceError, raise_all, unique
from sitegen.once_per_build import shared_work
from sitegen.rendering.sitemap import robots_txt, sitemap_index
from sitegen.rendering.static_files import fingerprint_static
from sitegen.rendering.templates import Templates


class SiteBuilder:
    """Builds one project into one output folder, market by market; keep it around to rebuild fast."""

    def __init__(self, project: Project, out_dir: Path, options: BuildOptions = BuildOptions()) -> None:
        self.project = project
        self.out_dir = out_dir.resolve()
        self.options = options
        self.builders: dict[str, Builder] = {}  # tree path ("" for a single plan) -> its builder
        self.top_templates: tuple[object, Templates] | None = None  # (what they were made from, them)
        self.config: SiteConfig | None = None  # as last read (see config_for)
        self.top: tuple[SiteConfig, dict[str, bytes]] | None = None  # the files above the markets, and their config

    def builder(self, prefix: str) -> Builder:
        if prefix not in self.builders:
            out_dir = self.out_dir / prefix.strip("/") if prefix else self.out_dir
            self.builders[prefix] = Builder(self.project, out_dir, self.options)
        return self.builders[prefix]

    def build(self, touched: set[Path] | None = None, listing: Listing | None = None) -> BuildReport:
        """Build; `touched` (from a file watcher) names the files that changed, `listing` gives the content
        files as the caller just stat'ed them (see `sources.scan`)."""
        with shared_work():  # what every market asks about the same pages is worked out once
            return self.build_markets(touched, listing)

    def build_markets(self, touched: set[Path] | None, listing: Listing | None) -> BuildReport:
        started = time.perf_counter()
        config = self.config_for(touched)
        if not config.markets:
            self.forget_builders_but("")
            return self.builder("").build(touched, config, listing)
        staged = self.stage_markets(config, touched, listing)
        reports = [self.builders[prefix].commit(done) for prefix, done in staged]
        if self.top is None or self.top[0] is not config:  # the same config object: nothing they show changed
            self.top = (config, self.top_files(config))
        top = self.top[1]
        written = write_changed(self.out_dir, top)
        prune_except(self.out_dir, self.out_dir, {*top, *(m.path.strip("/") for m in config.markets.values())})
        self.forget_builders_but(*(m.path for m in config.markets.values()))
        return BuildReport(
            pages=sum(r.pages for r in reports),
            rendered=sum(r.rendered for r in reports),
            files_written=sum(r.files_written for r in reports) + written,
            seconds=time.perf_counter() - started,
            warnings=unique([w for r in reports for w in r.warnings]),
        )

    def config_for(self, touched: set[Path] | None) -> SiteConfig:
        """The config as it is now: read again unless the watcher saw only pages change, in which case the
        same object is handed to every market's builder, which then reuses all it read from the config,
        templates, catalogs and static files (an edit while serving reads just the page)."""
        content = self.project.content_dir.resolve()
        only_pages = touched is not None and all(
            path.suffix == ".md" and path.resolve().parent.parent == content for path in touched
        )
        if not only_pages or self.config is None:
            self.config = load_config(self.project.config_path, "site.toml")
        return self.config

    def stage_markets(
        self, config: SiteConfig, touched: set[Path] | None, listing: Listing | None = None
    ) -> list[tuple[str, Staged]]:
        """Render and check every market; publish none of them unless all of them passed."""
        staged: list[tuple[str, Staged]] = []
        errors: list[SourceError] = []
        read: ReadPages = {}  # each page is read once for every market
        for market_config in config.builds():
            prefix = market_config.prefix
            try:
                staged.append((prefix, self.builder(prefix).stage(touched, market_config, read, listing)))
            except SiteErrors as exc:
                errors += exc.errors
            except SiteError as exc:
                errors.append(exc)  # type: ignore[arg-type]
        if errors:
            for prefix, done in staged:
                self.builders[prefix].discard(done)
            for market_config in config.builds():  # staging made the trees' parent folders; leave none behind
                remove_empty_parents(self.builder(market_config.prefix).out_dir.parent, self.out_dir.parent)
            raise SiteErrors(errors)
        return staged

    def top_files(self, config: SiteConfig) -> dict[str, bytes]:
        """The market index, a 404 that lists the markets, the sitemap index, robots.txt and static files."""
        static_files, static_urls = fingerprint_static(self.project.static_dir)
        templates = self.templates_for(config, static_urls)
        lang = config.default_language
        intros = [
            {"lang": other, "text": templates.render(other, "market_choice.html").strip()} for other in config.languages
        ]
        markets = sorted(config.markets.values(), key=lambda m: (m.labels.get(lang, m.name).casefold(), m.name))

        def index(not_found: bool) -> bytes:
            html = templates.render(
                lang,
                "market_index.html",
                markets=markets,
                intros=intros,
                not_found=not_found,
                canonical=None if not_found else "/",
                title=None,
                description=None,
                material_id=config.generated_ids.get("market_index", ""),  # only if the config gives one
            )
            raise_all(missing_notice_links("templates/market_index.html", html, market_notice_hrefs(config)))
            return html.encode()

        return {
            **static_files,
            "index.html": index(False),
            "404.html": index(True),
            "sitemap.xml": sitemap_index(config).encode(),
            "robots.txt": robots_txt(config).encode(),
        }

    def templates_for(self, config: SiteConfig, static_urls: dict[str, str]) -> Templates:
        """The site-level templates, compiled again only when what they are made from changed."""
        made_from = (
            config,
            sorted(static_urls.items()),
            digest_files(self.project.templates_dir, self.project.locales_dir),
        )
        if self.top_templates is None or self.top_templates[0] != made_from:
            templates = Templates(
                config, self.project.templates_dir, self.project.locales_dir, self.project.root, static_urls
            )
            self.top_templates = (made_from, templates)
        return self.top_templates[1]

    def forget_builders_but(self, *prefixes: str) -> None:
        """Close the builders of trees the config no longer has (a market taken out, or all of them)."""
        for prefix in [p for p in self.builders if p not in prefixes]:
            builder = self.builders.pop(prefix)
            if builder.cache:
                builder.cache.close()

    def close(self) -> None:
        self.forget_builders_but()


def build(
    project: Project, out_dir: Path, options: BuildOptions = BuildOptions(), sources: Snapshot | None = None
) -> BuildReport:
    """Build the whole site into `out_dir` (the entry point `build.py` uses), and record what it was built
    from so that the next `build.py` can tell it is up to date without building (see `freshness`).
    `sources`: the sources' times and sizes, if the caller just took them (before anything was read)."""
    recorded = options.use_cache and not options.strict  # strict reports the warnings again each time
    sources = sources or (snapshot(project.root) if recorded else None)
    builder = SiteBuilder(project, out_dir, options)
    try:
        report = builder.build(listing=listing_of(sources.files, project.content_dir) if sources else None)
        trees = [market.out_dir for market in builder.builders.values()]  # each holds a build id
    finally:
        builder.close()
    if recorded and sources:
        record(project.root, out_dir, sources, report.pages, trees)
    else:
        forget(project.root, out_dir)
    return report
