"""The build, stage by stage: read → pair → resolve placeholders → render → check → publish.

`build()` reads top to bottom like the process it runs; each stage lives in its own module.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .checks.links import check_links, links_and_ids
from .config import SiteConfig, load_config
from .content import Page, read_pages
from .errors import SourceError, raise_all
from .pairing import PagePair, pair_pages
from .placeholders import resolve
from .publish import publish
from .render import Templates, markdown_to_html
from .sitemap import robots_txt, sitemap_xml


@dataclass(frozen=True)
class Project:
    """Where a site's sources live: config, content, templates, catalogs and static files."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "site.toml"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"


@dataclass(frozen=True)
class BuildResult:
    files: dict[str, bytes]
    pages: int


def build(project: Project, out_dir: Path) -> BuildResult:
    """Build the whole site and publish it atomically into `out_dir`."""
    result = render_site(project)
    publish(result.files, out_dir)
    return result


def render_site(project: Project) -> BuildResult:
    """Every output file of the site, in memory; raises SiteErrors listing every editor mistake."""
    config = load_config(project.config_path, "site.toml")
    pages, errors = read_pages(project.content_dir, config.languages, project.root)
    pairs, pair_errors = pair_pages(pages, config.languages, reserved_slugs(config))
    errors += pair_errors
    static_files, static_urls = fingerprint_static(project.static_dir)
    templates = Templates(config, project.templates_dir, project.locales_dir, project.root, static_urls)
    bodies = {}
    for pair in pairs:
        for page in pair.pages.values():
            markdown_source, placeholder_errors = resolve(page, config)
            errors += placeholder_errors
            bodies[page.path] = markdown_to_html(markdown_source)
    raise_all(errors)

    files: dict[str, bytes] = dict(static_files)
    for pair in pairs:
        for lang, page in pair.pages.items():
            files[output_path(page.url)] = render_page(templates, config, pair, page, bodies[page.path])
    errors += check_all_links(pairs, bodies, files, config)
    raise_all(errors)

    homes = {lang: f"/{lang}/" for lang in config.languages}
    for lang in config.languages:
        listed = sorted((pair.pages[lang] for pair in pairs), key=lambda p: (p.title.casefold(), p.slug))
        files[f"{lang}/index.html"] = _encode(templates.render(lang, "home.html", pages=listed, alternates=homes, canonical=homes[lang], title=None, description=None))
        files[f"{lang}/404.html"] = _encode(templates.render(lang, "404.html", alternates=homes, canonical=None, title=None, description=None))
    default = config.default_language
    choices = [{"lang": lang, "text": templates.render(lang, "language_choice.html").strip()} for lang in config.languages]
    files["index.html"] = _encode(templates.render(default, "root.html", choices=choices, alternates=homes, canonical="/", title=None, description=None))
    files["404.html"] = files[f"{default}/404.html"]
    files["sitemap.xml"] = sitemap_xml(config, [homes] + [{lang: p.url for lang, p in pair.pages.items()} for pair in pairs]).encode()
    files["robots.txt"] = robots_txt(config).encode()
    return BuildResult(files, len(bodies))


def render_page(templates: Templates, config: SiteConfig, pair: PagePair, page: Page, body_html: str) -> bytes:
    alternates = {lang: other.url for lang, other in pair.pages.items()}
    return _encode(templates.render(
        page.lang, "page.html", page=page, title=page.title, description=page.description,
        content=Markup(body_html), alternates=alternates, canonical=page.url,
    ))


def check_all_links(pairs: list[PagePair], bodies: dict[str, str], files: dict[str, bytes], config: SiteConfig) -> list[SourceError]:
    """Check each body's links against the rendered pages (their ids) and the backend's form paths."""
    page_ids: dict[str, set[str]] = {}
    for path, data in files.items():
        if path.endswith("index.html"):
            page_ids["/" + path.removesuffix("index.html")] = links_and_ids(data.decode())[1]
    for lang in config.languages:
        page_ids.setdefault(f"/{lang}/", set())
    form_paths = {path for form in config.forms.values() for path in form.paths.values()}
    errors: list[SourceError] = []
    for pair in pairs:
        for page in pair.pages.values():
            errors += check_links(page, bodies[page.path], page_ids, form_paths)
    return errors


def reserved_slugs(config: SiteConfig) -> dict[str, set[str]]:
    """Slugs the backend serves (form pages) cannot also be content pages."""
    reserved: dict[str, set[str]] = {lang: {"static"} for lang in config.languages}
    for form in config.forms.values():
        for lang, path in form.paths.items():
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


def output_path(url: str) -> str:
    return url.strip("/") + "/index.html"


def _encode(text: str) -> bytes:
    return text.encode("utf-8")
