"""Markdown to HTML, and one Jinja environment per language with the i18n extension installed.

The form backend renders its pages through the same environments, so the form looks like
part of the site and draws its phone lines from the same config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import markdown
from babel.numbers import format_decimal
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from .config import SiteConfig
from .contacts import ContactFormatter
from .errors import TemplateProblem
from .i18n import language_name, load_translations

ORDERS = {"days-first": "days_first", "time-first": "time_first"}


def markdown_to_html(body: str) -> str:
    """Convert a page body (placeholders already resolved) to HTML."""
    converter = markdown.Markdown(
        extensions=["attr_list", "sane_lists", "toc"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-6"}},
        output_format="html",
    )
    return converter.convert(body)


class Templates:
    """Jinja environments for every language of one site, plus the helpers templates call."""

    def __init__(self, config: SiteConfig, templates_dir: Path, locales_dir: Path, root: Path, static_urls: Mapping[str, str]) -> None:
        self.config = config
        self.templates_dir = templates_dir
        self.root = root
        self.environments = {
            lang: self._environment(lang, load_translations(locales_dir, lang, config.default_language, root), static_urls)
            for lang in config.languages
        }

    def _environment(self, lang: str, translations: Any, static_urls: Mapping[str, str]) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        formatter = ContactFormatter(self.config, lang)
        env.globals.update(
            site=self.config,
            lang=lang,
            languages=self.config.languages,
            language_name=language_name,
            static=lambda name: static_urls[name],
            contact=lambda name, order="time-first": formatter.contact(self.config.contacts[name], ORDERS[order]),
            phone=lambda name: formatter.phone(self.config.contacts[name]),
            tty=lambda name: formatter.tty(self.config.contacts[name]),
            hours=lambda name, order="days-first": formatter.hours(self.config.contacts[name], ORDERS[order]),
            form_path=lambda name, in_lang=lang: self.config.forms[name].paths[in_lang],
            absolute=lambda path: self.config.base_url + path,
            format_number=lambda number: format_decimal(number, locale=lang),
        )
        return env

    def render(self, lang: str, name: str, **context: Any) -> str:
        """Render template `name` in `lang`; template mistakes become `TemplateProblem` with path:line."""
        shown = (self.templates_dir / name)
        shown_path = shown.relative_to(self.root).as_posix() if shown.is_relative_to(self.root) else str(shown)
        try:
            return self.environments[lang].get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            missing = self.templates_dir / str(exc.name)
            missing_path = missing.relative_to(self.root).as_posix() if missing.is_relative_to(self.root) else str(missing)
            raise TemplateProblem(missing_path, 0, "template is missing", f"create it, or restore it from version control (needed by {name})") from None
        except jinja2.TemplateSyntaxError as exc:
            where = Path(exc.filename or shown)
            where_path = where.relative_to(self.root).as_posix() if where.is_relative_to(self.root) else str(where)
            raise TemplateProblem(where_path, exc.lineno or 0, f"template syntax error: {exc.message}", "check the {% %} and {{ }} tags on that line") from None
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(shown_path, 0, f"template uses something undefined: {exc.message}", "check the variable names against the render context") from None


def visible_text(html: str) -> str:
    """Tag-free, whitespace-folded text of an HTML fragment (for tests and checks)."""
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).strip()
