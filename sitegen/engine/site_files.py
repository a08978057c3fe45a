"""The pages that list or point to every page, written once per build above the pages themselves:
home pages, 404s, the language chooser at "/", the taglines page, the form-unavailable page, sitemap, robots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sitegen.checks.notices import missing_notice_links, notice_hrefs
from sitegen.content.pairing import PagePair
from sitegen.engine.inputs import Inputs
from sitegen.engine.publish import Staging
from sitegen.errors import SourceError, raise_all
from sitegen.rendering.sitemap import robots_txt, sitemap_xml

FORM_UNAVAILABLE = (
    "form-unavailable.html"  # per language (and market); deploy/nginx.conf shows it when the backend is down
)


def write_site_files(staging: Staging, inputs: Inputs, pairs: Sequence[PagePair]) -> frozenset[str]:
    """The pages that list or point to every page: home pages, 404s, root, taglines, sitemap, robots, CSS."""
    config, templates = inputs.config, inputs.templates
    # The language chooser at "/" is the x-default of the home pages' cluster, and names them back.
    homes = {**{lang: f"/{lang}/" for lang in config.languages}, "x-default": "/"}
    help_pages = dict(config.notices.language_help) if config.notices else {}
    files: dict[str, bytes] = dict(inputs.static_files)
    problems: list[SourceError] = []

    def page(name: str, lang: str, template: str, **context: Any) -> None:
        html = templates.render(lang, template, **{"canonical": None, "title": None, "description": None, **context})
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
                material_id=config.generated_ids.get(f"language_help:{lang}", ""),  # only if the config gives one
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
