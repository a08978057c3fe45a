"""Resolve contact placeholders in Markdown, e.g. {{phone:member-services}}, and forbid literal numbers and hours.

Syntax (documented for editors in docs/EDITING.md):
    {{phone:LINE}}   {{tty:LINE}}   {{hours:LINE}}   {{hours:LINE|time-first}}
    {{contact:LINE}} {{call:LINE}} {{email:LINE}}  {{address:LINE}}   {{form:FORM}}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from markupsafe import Markup, escape

from sitegen.config.phones import Phone
from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError
from sitegen.rendering.contacts import ORDERS, ContactFormatter

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
FORM = re.compile(r"\s*([a-z]+)\s*(?::\s*([a-z0-9-]+)\s*)?(?:\|\s*([a-z-]+)\s*)?$")
KINDS = ("phone", "tty", "hours", "contact", "call", "email", "address", "form")

LITERAL_PHONE = re.compile(
    r"(?<![\w/-])(?:1[-. ])?\(?[2-9]\d{2}\)?[-. ][2-9]\d{2}[-. ]\d{4}(?![\w-])|(?<![\w/.-])[2-9]11(?![\w/-])"
)
# Cheap tests that rule most pages out before the exact patterns run (both patterns need three digits in a row).
DIGIT = re.compile(r"\d")
MAYBE_PHONE = re.compile(r"\d\d\d")
MAYBE_TIME = re.compile(r"\d\s?[ap]\.?\s?m", re.IGNORECASE)
LITERAL_TIME = re.compile(r"(?<![\w:])\d{1,2}(?::\d{2})?\s?(?:[ap]\.\s?m\.|[ap]m\b)", re.IGNORECASE)


def placeholders_used(body: str) -> set[str]:
    """The contact lines and forms a page body names (for dependency tracking)."""
    names = set()
    for match in PLACEHOLDER.finditer(body):
        parsed = FORM.match(match.group(1))
        if parsed and parsed.group(2):
            names.add(f"{parsed.group(1)}:{parsed.group(2)}")
    return names


def resolve(
    page: Page,
    config: SiteConfig,
    body: str | None = None,
    line_numbers: list[int] | None = None,
    literals_checked: bool = False,
) -> tuple[str, list[SourceError]]:
    """Return the page body (or one market's `body` of it, with the file line of each of its lines)
    with every placeholder replaced by HTML, and the problems found. `literals_checked`: the page's text
    is known to hold no typed numbers or hours (another market's build of it found none)."""
    formatter = ContactFormatter.for_config(config, page.lang)
    errors: list[SourceError] = [] if literals_checked else find_literals(page, config)
    body = page.body if body is None else body

    def line_at(offset: int) -> int:
        index = body.count("\n", 0, offset)
        return line_numbers[index] if line_numbers else page.body_line + index

    def substitute(match: re.Match[str]) -> str:
        inner = match.group(1)
        try:
            # A site has a handful of distinct placeholders and thousands of uses: each is rendered once.
            # (A mistake is not remembered: its message names the page it is on.)
            return formatter.remember(
                ("placeholder", inner, ""), lambda: str(render_placeholder(inner, page, config, formatter))
            )
        except ContentError as exc:
            errors.append(ContentError(page.path, line_at(match.start()), exc.problem, exc.hint))
            return ""

    resolved = PLACEHOLDER.sub(substitute, body)
    leftover = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), body)
    for stray in re.finditer(r"\{\{|\}\}", leftover):
        errors.append(
            ContentError(
                page.path,
                line_at(stray.start()),
                "unmatched '{{' or '}}'",
                "placeholders look like {{phone:member-services}}; close each with '}}'",
            )
        )
        break
    return resolved, errors


def render_placeholder(inner: str, page: Page, config: SiteConfig, formatter: ContactFormatter) -> Markup:
    parsed = FORM.match(inner)
    if not parsed:
        raise ContentError(
            page.path,
            0,
            f"cannot read placeholder {{{{{inner}}}}}",
            "write it as {{kind:name}}, e.g. {{phone:member-services}}",
        )
    kind, name, option = parsed.groups()
    if kind not in KINDS:
        raise ContentError(page.path, 0, f"unknown placeholder kind {kind!r}", f"use one of: {', '.join(KINDS)}")
    if not name:
        raise ContentError(
            page.path,
            0,
            f"placeholder {{{{{kind}}}}} does not say which line",
            f"add the name, e.g. {{{{{kind}:member-services}}}}",
        )
    if kind == "form":
        return _form_link(name, page, config)
    line = config.contacts.get(name)
    if line is None and config.market:
        market = config.market.name
        raise ContentError(
            page.path,
            0,
            f"market '{market}' has no contact line {name!r}",
            f"add [markets.{market}.contacts.{name}] (or [contacts.{name}] for every market) to {config.path}, "
            f"or put the sentence in a '::: except {market}' block",
        )
    if line is None:
        raise ContentError(
            page.path,
            0,
            f"unknown contact line {name!r}",
            f"use one of: {', '.join(config.contacts)}, or add [contacts.{name}] to {config.path}",
        )
    renderers: dict[str, Callable[[], Markup]] = {
        "phone": lambda: formatter.phone(line),
        "tty": lambda: formatter.tty(line),
        "hours": lambda: escape(formatter.hours(line, _order(option, "days_first", page))),
        "contact": lambda: formatter.contact(line, _order(option, "time_first", page)),
        # The line's name as a tap-to-call link ("Call Member Services"); its accessible name adds the number.
        "call": lambda: Markup('<a href="{}" class="tel" aria-label="{}: {}">{}</a>').format(
            Phone(line.phone).href, line.labels[page.lang], Phone(line.phone).display, line.labels[page.lang]
        ),
        "email": lambda: Markup('<a href="mailto:{0}">{0}</a>').format(line.email),
        "address": lambda: escape(", ".join(line.address)),
    }
    if kind in ("email", "address") and not getattr(line, kind):
        example = 'email = "name@example.org"' if kind == "email" else 'address = ["P.O. Box 1947", "Dayton, OH 45401"]'
        raise ContentError(
            page.path, 0, f"contact line {name!r} has no {kind}", f"add {example} to [contacts.{name}] in {config.path}"
        )
    if option and kind in ("phone", "tty", "call", "email", "address"):
        raise ContentError(
            page.path, 0, f"{kind} placeholders take no option (got |{option})", f"write {{{{{kind}:{name}}}}}"
        )
    return renderers[kind]()


def _order(option: str | None, default: str, page: Page) -> str:
    if option is None:
        return default
    if option not in ORDERS:
        raise ContentError(
            page.path, 0, f"unknown option |{option}", f"use one of: {', '.join('|' + o for o in ORDERS)}"
        )
    return ORDERS[option]


def _form_link(name: str, page: Page, config: SiteConfig) -> Markup:
    form = config.forms.get(name)
    if form is None:
        raise ContentError(
            page.path,
            0,
            f"unknown form {name!r}",
            f"use one of: {', '.join(config.forms) or '(none)'}, or add [forms.{name}] to {config.path}",
        )
    shown = escape(form.shown_as[page.lang]).replace(
        "/", Markup("/<wbr>")
    )  # "CareSource.com/<wbr>MemberInquiry" breaks only there
    return Markup('<a href="{}" class="address">{}</a>').format(form.paths[page.lang], shown)


def find_literals(page: Page, config: SiteConfig) -> list[SourceError]:
    """Phone numbers and hours typed into content drift from the config: name the placeholder to use."""
    body = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), page.body)
    if not DIGIT.search(body):  # most pages: nothing that could be a number or a time
        return []
    by_digits: dict[str, list[tuple[str, str]]] = {}  # digits -> (placeholder, the line's label in the page's language)
    for line in config.contacts.values():
        label = line.labels.get(page.lang, "")
        by_digits.setdefault(line.phone, []).append((f"{{{{phone:{line.name}}}}}", label))
        for tty in line.tty:
            by_digits.setdefault(tty, []).append((f"{{{{tty:{line.name}}}}}", label))
    errors: list[SourceError] = []
    for match in on_lines_with(MAYBE_PHONE, LITERAL_PHONE, body):
        number = page.body_line + body.count("\n", 0, match.start())
        typed = Phone.parse(match.group(0))
        candidates = by_digits.get(typed.digits, []) if typed else []
        hint = _placeholder_hint(candidates, _sentence_around(body, match.start()), config.path)
        errors.append(ContentError(page.path, number, f"phone number {match.group(0)!r} typed into the page", hint))
    for match in on_lines_with(MAYBE_TIME, LITERAL_TIME, body):
        number = page.body_line + body.count("\n", 0, match.start())
        errors.append(
            ContentError(
                page.path,
                number,
                f"opening time {match.group(0)!r} typed into the page",
                "use {{hours:NAME}} so hours follow the config",
            )
        )
    return errors


def on_lines_with(maybe: re.Pattern[str], exact: re.Pattern[str], body: str) -> Iterator[re.Match[str]]:
    """The matches of `exact` in `body`, looked for only on the lines where the cheap `maybe` finds something
    (the exact patterns open with look-behinds that are slow to try at every position of a long page).
    A hint that runs over a line break ("8\\nam") brings in both lines, and touching spans are searched as one."""
    span: tuple[int, int] | None = None
    for hint in maybe.finditer(body):
        start = body.rfind("\n", 0, hint.start()) + 1
        end = body.find("\n", hint.end())
        end = len(body) if end == -1 else end
        if span and start <= span[1]:
            span = (span[0], max(span[1], end))
            continue
        if span:
            yield from exact.finditer(body, *span)  # offsets stay the body's: line numbers are right
        span = (start, end)
    if span:
        yield from exact.finditer(body, *span)


def _sentence_around(body: str, offset: int) -> str:
    """The sentence (within its line) that holds `offset`."""
    start = max(body.rfind(stop, 0, offset) for stop in (". ", "\n", "? ", "! ")) + 1
    ends = [i for i in (body.find(stop, offset) for stop in (". ", "\n")) if i != -1]
    return body[start : min(ends) if ends else len(body)]


def _placeholder_hint(candidates: list[tuple[str, str]], sentence: str, config_path: str) -> str:
    """Several lines can share a number: name the one the sentence talks about, or all of them."""
    if not candidates:
        return f"add the line to {config_path} and use {{{{phone:NAME}}}}"
    named = [placeholder for placeholder, label in candidates if label and label.casefold() in sentence.casefold()]
    if len(named) == 1 or len(candidates) == 1:
        return f"use {(named or [candidates[0][0]])[0]} so it follows {config_path}"
    listed = ", ".join(f"{placeholder} ({label})" for placeholder, label in candidates)
    return f"use the placeholder of the line you mean, so it follows {config_path}: {listed}"
