"""What a build is made from besides its pages: config, templates, static files, the keys that tell what
changed, and the UI catalogs' problems. Read once per config, and kept while the config stays the same."""

from __future__ import annotations

from dataclasses import dataclass

import babel

from sitegen.checks.catalogs import catalogs_digest, check_catalogs
from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig
from sitegen.config.taglines import cldr_facts, with_cldr_facts
from sitegen.engine.cache import BuildCache
from sitegen.engine.digests import contact_digests, site_digest
from sitegen.engine.keys import KeyMaker
from sitegen.engine.options import BuildOptions
from sitegen.errors import ContentError, SourceError
from sitegen.rendering.static_files import fingerprint_static
from sitegen.rendering.templates import Templates

CLDR_FACTS = f"cldr:{babel.__version__}"  # the taglines' language names and directions, as this Babel has them
CATALOG_CHECK = f"catalog-check:{babel.__version__}"  # the UI catalogs' problems, for one version of them


@dataclass(frozen=True)
class Inputs:
    """What this build is made from besides the pages: config, templates, static files, keys."""

    config: SiteConfig
    templates: Templates
    keys: KeyMaker
    static_files: dict[str, bytes]
    static_urls: dict[str, str]
    catalog_problems: tuple[SourceError, ...] = ()


class InputReader:
    """Reads a builder's inputs, keeping what did not change: compiled templates, catalog checks."""

    def __init__(self, project: Project, cache: BuildCache | None, options: BuildOptions) -> None:
        self.project = project
        self.cache = cache
        self.options = options
        self.templates: tuple[tuple[object, ...], Templates] | None = None  # compiled once per set of inputs
        # The inputs of the last build and the config they were read for: kept while that config object is
        # handed in again, which `SiteBuilder` does only when nothing but pages changed.
        self.last_inputs: tuple[SiteConfig, Inputs] | None = None
        self.catalogs: tuple[tuple[tuple[str, int], ...], list[SourceError]] | None = (
            None  # checked once per catalog version
        )

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

    def keep_cldr_facts(self) -> None:
        """Keep the taglines' language names and directions for the next process (see `with_cldr_facts`)."""
        assert self.cache is not None and self.last_inputs is not None
        kept = self.cache.meta_json(CLDR_FACTS) or {}
        taglines = self.last_inputs[0].taglines
        if any(t.lang not in kept for t in taglines):
            self.cache.keep_json(CLDR_FACTS, {**kept, **cldr_facts(taglines)})
