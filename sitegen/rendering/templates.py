"""Markdown to HTML, and one Jinja environment per language with the i18n extension installed.

The form backend renders its pages through the same environments, so the form looks like
part of the site and draws its phone lines from the same config.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any

import cmarkgfm
import jinja2
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from cmarkgfm.cmark import Options
from markupsafe import Markup

from sitegen.config.phones import Phone
from sitegen.config.schema import ContactLine, SiteConfig
from sitegen.config.taglines import Tagline, tagline_html
from sitegen.errors import TemplateProblem, shown_path
from sitegen.rendering.contacts import ORDERS, ContactFormatter
from sitegen.rendering.i18n import language_name, load_translations

HEADING_ANCHOR = re.compile(r"<h([1-6])>(.*?)\s*\{#([A-Za-z][\w-]*)\}</h\1>")
EXTENSIONS = ["table", "strikethrough"]  # no autolink: a typed web address stays text unless linked


def markdown_to_html(body: str) -> str:
    """Convert a page body (placeholders already resolved) to HTML with cmark-gfm (CommonMark).

    Raw HTML is kept (editors mark phrases in the other language with <span lang>). A heading gets
    an id only when the editor gives one, `## Title {#anchor}`, so anchors never change with wording."""
    html = cmarkgfm.markdown_to_html_with_extensions(body, options=Options.CMARK_OPT_UNSAFE, extensions=EXTENSIONS)
    return HEADING_ANCHOR.sub(r'<h\1 id="\3">\2</h\1>', html)


SITE_LINK = re.compile(r'(<a\s[^>]*?href=")(/(?!/)[^"]*)"')


def in_tree(html: str, prefix: str) -> str:
    """Point the site links of a market's page (written as /en/slug/) into the market's tree."""
    if not prefix:
        return html

    def move(match: re.Match[str]) -> str:
        path = match.group(2)
        inside = path == prefix or path.startswith(prefix + "/")
        return match.group(0) if inside else f'{match.group(1)}{prefix}{path}"'

    return SITE_LINK.sub(move, html)


# The contact lines the render in progress shows, recorded per render (not in a field every render shares).
_CONTACTS_USED: ContextVar[set[str] | None] = ContextVar("contacts_used", default=None)


# Bump when `Templates._environment` changes how templates compile (options, extensions).
ENVIRONMENT_OPTIONS = "autoescape-strict-i18n-trim-lstrip-keepnl-1"


def editor_template(templates_dir: Path, name: str, **context: object) -> str:
    """Render a page for editors and the state rather than members (a redline, the preview banner): plain
    Jinja over templates/, escaped, without the site's globals."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template(name).render(**context)


class Templates:
    """Jinja environments for every language of one site, plus the helpers templates call."""

    def __init__(
        self,
        config: SiteConfig,
        templates_dir: Path,
        locales_dir: Path,
        root: Path,
        static_urls: Mapping[str, str],
        compiled_in: Path | None = None,
        reload_edited: bool = True,
    ) -> None:
        """`compiled_in`: a folder where Jinja keeps compiled templates between processes (keyed by each
        template's source, so an edited template is compiled again); a build process then starts faster.
        `reload_edited`: look at each template file's time on every render and read an edited one again (the
        form backend runs for days); the build turns it off, as it makes new Templates when a template changes."""
        self.config = config
        self.reload_edited = reload_edited
        self.templates_dir = templates_dir
        self.root = root
        self.bytecode_cache = None
        if compiled_in is not None:
            # Jinja keys compiled code by template source, not by the environment's options below: a change
            # to those options gets a folder of its own.
            folder = compiled_in / f"jinja-{jinja2.__version__}-{ENVIRONMENT_OPTIONS}"
            folder.mkdir(parents=True, exist_ok=True)
            self.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        self.environments = {
            lang: self._environment(
                lang, load_translations(locales_dir, lang, config.default_language, root), static_urls
            )
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
            bytecode_cache=self.bytecode_cache,
            auto_reload=self.reload_edited,
        )
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        formatter = ContactFormatter.for_config(self.config, lang)
        prefix = self.config.prefix  # a market's pages live under its path; templates write tree paths

        def line(name: str) -> ContactLine:
            used = _CONTACTS_USED.get()
            if used is not None:  # a render that records what it shows (see render_recording)
                used.add(name)
            return self.config.contacts[name]

        def tagline(tagline: Tagline) -> Markup:
            help_line = line(self.config.notices.help_line)  # type: ignore[union-attr]
            return tagline_html(tagline, formatter.phone(help_line), [Phone(d).link() for d in help_line.tty])

        fragments: dict[str, tuple[Markup, frozenset[str]]] = {}

        def once(name: str, caller: Callable[[], str]) -> Markup:
            """`{% call once("footer") %}…{% endcall %}`: a fragment that is the same on every page of this
            language and config, rendered on the first page and reused (with the contact lines it shows)."""
            if name not in fragments:
                used: set[str] = set()
                token = _CONTACTS_USED.set(used)
                try:
                    fragments[name] = (Markup(caller()), frozenset(used))
                finally:
                    _CONTACTS_USED.reset(token)
            html, shown = fragments[name]
            recording = _CONTACTS_USED.get()
            if recording is not None:
                recording.update(shown)
            return html

        env.globals.update(
            once=once,
            site=self.config,
            lang=lang,
            languages=self.config.languages,
            language_name=language_name,
            static=lambda name: static_urls[name],
            contact=lambda name, order="time-first": formatter.contact(line(name), ORDERS[order]),
            phone=lambda name: formatter.phone(line(name)),
            tty=lambda name: formatter.tty(line(name)),
            hours=lambda name, order="days-first": formatter.hours(line(name), ORDERS[order]),
            form_path=lambda name, in_lang=lang: prefix + self.config.forms[name].paths[in_lang],
            url=lambda path: prefix + path,
            absolute=lambda path: self.config.base_url + prefix + path,
            format_number=lambda number: format_decimal(number, locale=lang),
            # Every stale notice asks (thousands of pages), and each answer is the same for the language:
            language_called=functools.cache(lambda code: Locale.parse(code).get_display_name(lang)),  # "inglés"
            long_date=functools.cache(lambda iso: format_date(date.fromisoformat(iso), "long", locale=lang)),
            notice_path=lambda kind, in_lang=lang: prefix + getattr(self.config.notices, kind)[in_lang],
            footer_taglines=self.config.footer_taglines(lang),
            tagline=tagline,
        )
        return env

    def compile_ahead(self, name: str) -> None:
        """Compile template `name` for every language now, so that the next render in this process does not
        (a warm builder's first edit after a build renders here, while the build rendered in workers).
        A template that does not compile is left for that render to report, with its file and line."""
        for lang in self.config.languages:
            language_name(lang)  # every page's language switcher shows them; CLDR is slow to load the first time
        for env in self.environments.values():
            try:
                env.get_template(name)
            except jinja2.TemplateError:
                return

    def render_recording(self, lang: str, name: str, **context: Any) -> tuple[str, frozenset[str]]:
        """Render, and say which contact lines the templates showed (an output depends on them)."""
        used: set[str] = set()
        token = _CONTACTS_USED.set(used)
        try:
            return self.render(lang, name, **context), frozenset(used)
        finally:
            _CONTACTS_USED.reset(token)

    def render(self, lang: str, name: str, **context: Any) -> str:
        """Render template `name` in `lang`; template mistakes become `TemplateProblem` with path:line."""
        try:
            return self.environments[lang].get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            missing = self.templates_dir / str(exc.name)
            missing_path = shown_path(missing, self.root)
            raise TemplateProblem(
                missing_path,
                0,
                "template is missing",
                f"create it, or restore it from version control (needed by {name})",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            where = Path(exc.filename or self.templates_dir / name)
            where_path = shown_path(where, self.root)
            raise TemplateProblem(
                where_path,
                exc.lineno or 0,
                f"template syntax error: {exc.message}",
                "check the {% %} and {{ }} tags on that line",
            ) from None
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(
                shown_path(self.templates_dir / name, self.root),
                0,
                f"template uses something undefined: {exc.message}",
                "check the variable names against the render context",
            ) from None
