"""Language-help taglines: one short notice per language, kept by editors in `content/taglines.toml`.

Federal rules (45 CFR 92.11, 42 CFR 438.10(d)) want every member page to lead to free language help
in the state's top languages. Each tagline is content: an editor corrects its wording, a qualified
translator reviews it, and its phone and TTY come from the market's language-help line like every
other number on the site.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from markupsafe import Markup, escape

from sitegen.config.toml_lines import TomlLines
from sitegen.errors import ContentError, SourceError

TAGLINES_FILE = "content/taglines.toml"
TOKEN = re.compile(r"\{\{\s*(phone|tty)\s*:\s*([a-z0-9-]+)\s*\}\}")
ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
BCP47 = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?")


@dataclass(frozen=True)
class Tagline:
    lang: str  # BCP 47, e.g. "zh-Hant"
    link: str  # a few words naming language help, in the language (the footer link shows some)
    text: str  # the tagline, with {{phone:LINE}} and {{tty:LINE}}
    reviewed: bool  # has a qualified translator checked it?
    line: int  # where it starts in the taglines file, for messages

    # Name and direction come from the language's CLDR data, which takes Babel about 13 ms per language
    # to load: worked out when a page or message first needs them, not on every reading of the config.
    @cached_property
    def name(self) -> str:
        """The language's own name for itself, from CLDR, e.g. "中文 (繁體)"."""
        locale = Locale.parse(self.lang, sep="-")
        name = str(locale.get_display_name(locale))
        return name[:1].upper() + name[1:]

    @cached_property
    def dir(self) -> str:
        """ "ltr" or "rtl"."""
        return "rtl" if Locale.parse(self.lang, sep="-").character_order == "right-to-left" else "ltr"


def cldr_facts(taglines: Iterable[Tagline]) -> dict[str, tuple[str, str]]:
    """Each tagline language's name and direction (loading CLDR for those not worked out yet)."""
    return {t.lang: (t.name, t.dir) for t in taglines}


def with_cldr_facts(taglines: Iterable[Tagline], known: Mapping[str, Sequence[str]]) -> None:
    """Give taglines the names and directions an earlier process worked out with the same Babel (the build
    cache keeps them), so that a one-page edit from the command line does not load CLDR for 15 languages."""
    for tagline in taglines:
        if tagline.lang in known:
            name, direction = known[tagline.lang]
            # Where cached_property keeps what it worked out (a frozen dataclass's __dict__ is still writable).
            tagline.__dict__.setdefault("name", name)
            tagline.__dict__.setdefault("dir", direction)


def load_taglines(root: Path, help_line: str) -> tuple[dict[str, Tagline], list[SourceError]]:
    """Read every tagline in the project; problems come back as `path:line` errors."""
    path = root / TAGLINES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, [
            ContentError(
                TAGLINES_FILE,
                0,
                "the language-help taglines file is missing",
                "restore it from version control; every member page links to the taglines (see docs/EDITING.md)",
            )
        ]
    except UnicodeDecodeError:
        return {}, [ContentError(TAGLINES_FILE, 0, "the taglines file is not UTF-8 text", "save it as UTF-8")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = TomlLines.line_of_decode_error(exc)
        return {}, [
            ContentError(
                TAGLINES_FILE,
                line,
                f"cannot read the taglines file: {TomlLines.plain_problem(exc)}",
                "each language is a [code] table with link, text and reviewed; check quotes on that line",
            )
        ]
    lines = TomlLines(text)
    taglines: dict[str, Tagline] = {}
    errors: list[SourceError] = []
    for code, table in data.items():
        line = lines.line_of(code)
        tagline, problems = _tagline(code, table, line, help_line)
        errors += problems
        if tagline:
            taglines[code] = tagline
    return taglines, errors


def _tagline(code: str, table: object, line: int, help_line: str) -> tuple[Tagline | None, list[SourceError]]:
    def problem(what: str, hint: str) -> ContentError:
        return ContentError(TAGLINES_FILE, line, what, hint)

    if not isinstance(table, dict):
        return None, [
            problem(f"{code!r} must be a table", f'write [{code}] with link = "…", text = "…" and reviewed = false')
        ]
    locale = parse_language(code)
    if locale is None:
        return None, [
            problem(
                f"unknown language code {code!r}",
                'use a BCP 47 code that CLDR knows, e.g. "vi", "zh-Hant", "ar", "fil" (Tagalog)',
            )
        ]
    errors: list[SourceError] = []
    text, link, reviewed = table.get("text"), table.get("link"), table.get("reviewed")
    if not isinstance(text, str) or not text.strip():
        errors.append(
            problem(
                f"tagline {code!r} has no text",
                'add text = "…", the notice in that language, with {{phone:' + help_line + "}}",
            )
        )
    if not isinstance(link, str) or not link.strip():
        errors.append(
            problem(
                f"tagline {code!r} has no link words",
                'add link = "…", two or three words naming language help in that language',
            )
        )
    if not isinstance(reviewed, bool):
        errors.append(
            problem(
                f"tagline {code!r} does not say whether it was reviewed",
                "add reviewed = false, and set it to true once a qualified translator has checked it",
            )
        )
    if isinstance(text, str):
        errors += [problem(what, hint) for what, hint in _placeholder_problems(code, text, help_line)]
    if errors:
        return None, errors
    return Tagline(code, str(link).strip(), str(text).strip(), bool(reviewed), line), []


def _placeholder_problems(code: str, text: str, help_line: str) -> list[tuple[str, str]]:
    """A tagline's numbers are the market's language-help line, named by placeholder, and nothing else."""
    problems = []
    for match in ANY_PLACEHOLDER.finditer(text):
        token = TOKEN.fullmatch(match.group(0))
        if token is None or token.group(2) != help_line:
            problems.append(
                (
                    f"tagline {code!r} uses {match.group(0)}, not the language-help line",
                    f"write {{{{phone:{help_line}}}}} and {{{{tty:{help_line}}}}}; the notices section of site.toml names the line",
                )
            )
    if "{{phone:" + help_line + "}}" not in text.replace(" ", ""):
        problems.append(
            (
                f"tagline {code!r} does not give the language-help phone number",
                f"add {{{{phone:{help_line}}}}} to its text",
            )
        )
    if "{{tty:" + help_line + "}}" not in text.replace(" ", ""):
        problems.append(
            (f"tagline {code!r} does not give the TTY number", f"add (TTY: {{{{tty:{help_line}}}}}) in that language")
        )
    if re.search(r"\d{3}[-. ]\d{4}", ANY_PLACEHOLDER.sub("", text)):
        problems.append(
            (
                f"tagline {code!r} has a phone number typed into it",
                f"use {{{{phone:{help_line}}}}} so it follows site.toml",
            )
        )
    return problems


def parse_language(code: str) -> Locale | None:
    """The CLDR locale of a BCP 47 code such as "zh-Hant", or None if it is not one."""
    if not BCP47.fullmatch(code):
        return None
    try:
        return Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        return None


def tagline_html(tagline: Tagline, phone: Markup, tty_links: list[Markup]) -> Markup:
    """The tagline with its phone and TTY as tappable links; TTY numbers joined by the language's own "or"."""
    tty = Markup(format_list([str(link) for link in tty_links], style="or", locale=Locale.parse(tagline.lang, sep="-")))
    values = {"phone": phone, "tty": tty}
    parts, last = [], 0
    for match in TOKEN.finditer(tagline.text):
        parts += [escape(tagline.text[last : match.start()]), values[match.group(1)]]
        last = match.end()
    parts.append(escape(tagline.text[last:]))
    return Markup("").join(parts)


def unreviewed_warnings(taglines: tuple[Tagline, ...]) -> list[SourceError]:
    """Taglines not yet checked by a qualified translator: a warning, and an error under --strict."""
    return [
        ContentError(
            TAGLINES_FILE,
            t.line,
            f"tagline {t.lang!r} ({t.name}) has not been reviewed by a qualified translator",
            "have it reviewed, then set reviewed = true",
        )
        for t in taglines
        if not t.reviewed
    ]
