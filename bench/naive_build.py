"""The naive baseline: python-markdown and Jinja rendering every page, one after another, no cache.

    python -m bench.naive_build SOURCE OUT

It uses the same config, placeholders, templates and Markdown extensions as the real build, so
the two produce comparable pages and the difference is how the work is organised.
"""

from __future__ import annotations

import sys
from pathlib import Path

import markdown
from markupsafe import Markup

from sitegen.config.loader import load_config
from sitegen.config.project import Project
from sitegen.content.pairing import pair_pages, reserved_slugs
from sitegen.engine.sources import scan
from sitegen.rendering.placeholders import resolve
from sitegen.rendering.static_files import fingerprint_static
from sitegen.rendering.templates import Templates


def naive_build(source: Path, out: Path) -> int:
    project = Project(source)
    config = load_config(project.config_path)
    pages = [state.page for state in scan(project.content_dir, config.languages, {}, None).sources.values()]
    pairs, _ = pair_pages(pages, config.languages, reserved_slugs(config))
    _, static_urls = fingerprint_static(project.static_dir)
    templates = Templates(config, project.templates_dir, project.locales_dir, project.root, static_urls)
    count = 0
    for pair in pairs:
        alternates = {lang: page.url for lang, page in pair.pages.items()}
        for page in pair.pages.values():
            body, _ = resolve(page, config)
            html = markdown.Markdown(extensions=["attr_list", "sane_lists"]).convert(body)
            rendered = templates.render(
                page.lang,
                "page.html",
                page=page,
                title=page.title,
                description=page.description,
                content=Markup(html),
                alternates=alternates,
                canonical=page.url,
                stale=None,  # the baseline shows no stale-translation notices
            )
            target = out / page.url.strip("/") / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered, encoding="utf-8")
            count += 1
    return count


if __name__ == "__main__":
    print(f"naive build: {naive_build(Path(sys.argv[1]), Path(sys.argv[2]))} pages")
