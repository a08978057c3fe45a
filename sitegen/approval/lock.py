"""The approval lock: each page's text as published against the text its state approved.

A page is approved (the same text), changed since its approval, or never approved. When a change comes
from site.toml (a new phone number, new hours), it is named by its config line with every approved page
it changes; any other change is named at the page's first changed line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sitegen.approval.material import placeholder_text
from sitegen.approval.records import Approval, ApprovedText
from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.errors import SourceError, UnapprovedText

APPROVED, CHANGED, UNAPPROVED = "approved", "changed since approval", "never approved"
HOW_TO_APPROVE = (
    "send the redline to the state (python3 build.py approvals --redline DIR), then record its approval"
    " (python3 build.py approvals --approve {path} --id ID --by NAME{market}), or undo the change"
)
FIELDS = {"phone": "phone", "tty": "tty", "hours": "hours", "email": "email", "address": "address"}
WHAT = {
    "phone": "number",
    "tty": "TTY number",
    "hours": "hours",
    "email": "email address",
    "address": "address",
    "contact": "phone, TTY and hours",
    "call": "phone, TTY and hours",
}

TextOf = Callable[[Approval], tuple[ApprovedText | None, SourceError | None]]  # an approval's text, or why not
ConfigLine = Callable[[tuple[str, ...]], int]  # the line of a dotted key in site.toml


@dataclass(frozen=True)
class Finding:
    """One page's standing in one market."""

    page: str  # the content file
    market: str  # "" for a site without markets
    output: str  # the page's file in its tree, e.g. en/utilization-management/index.html
    state: str  # APPROVED, CHANGED or UNAPPROVED
    approval: Approval | None
    text_hash: str = ""  # of the page's text as published

    @property
    def material_id(self) -> str:
        return self.approval.material_id if self.approval else ""


def finding(page: str, output: str, text_hash: str, approval: Approval | None, market: str) -> Finding:
    """A page's standing, from the hash of its text as published and its approval."""
    state = UNAPPROVED if approval is None else APPROVED if approval.sha256 == text_hash else CHANGED
    return Finding(page, market, output, state, approval, text_hash)


@dataclass(frozen=True)
class ConfigCause:
    """A site.toml value that changed an approved page's text: the same line is named once for all its pages."""

    line: int
    what: str  # e.g. "the Member Services number changes"
    finding: Finding
    before: str
    now: str


Explanation = list[SourceError | ConfigCause]


def explain(
    finding: Finding,
    page: Page,
    text: str | None,
    config: SiteConfig,
    config_line: ConfigLine,
    line_of: Callable[[Page, str], int],
    approved_text: TextOf,
) -> Explanation:
    """Why a page is not approved as it stands: never approved, a config value, or its own change (shown from
    `text`, its text as published, when this build rendered it)."""
    if finding.approval is None:
        return [unapproved(finding)]
    approved, unreadable = approved_text(finding.approval)
    if approved is None:
        return [*([unreadable] if unreadable else []), changed(finding, page, None, None, line_of)]
    causes = config_causes(approved, page, config)
    if causes:
        return [
            ConfigCause(*where_configured(inner, config, config_line), finding, then, now)
            for inner, then, now in causes
        ]
    return [changed(finding, page, approved, text, line_of)]


def lock_problems(explanations: Iterable[Explanation], config: SiteConfig) -> list[SourceError]:
    """The pages' problems, with a config line that changed several approved pages named once for them all."""
    problems: list[SourceError] = []
    by_config: dict[tuple[int, str], list[ConfigCause]] = {}
    for explanation in explanations:
        for item in explanation:
            if isinstance(item, ConfigCause):
                by_config.setdefault((item.line, item.what), []).append(item)
            else:
                problems.append(item)
    for (line, what), causes in sorted(by_config.items()):
        problems.append(config_change(config, line, what, causes))
    return problems


def unapproved(finding: Finding) -> UnapprovedText:
    market = f" in market '{finding.market}'" if finding.market else ""
    return UnapprovedText(
        finding.page,
        1,
        f"this page has no approved text{market}: it may not publish until its state approves it",
        f"once the state approves it, record that: python3 build.py approvals --approve {finding.page}"
        f" --id ID --by NAME{market_option(finding)}",
    )


def changed(
    finding: Finding,
    page: Page,
    approved: ApprovedText | None,
    text: str | None,
    line_of: Callable[[Page, str], int],
) -> UnapprovedText:
    approval = finding.approval
    assert approval is not None
    market = f" in market '{finding.market}'" if finding.market else ""
    what, line = "", 1
    if text is not None and approved is not None:
        removed, added, around = first_change(approved.text, text)
        if removed and added:
            what = f': "{removed}" is now "{added}"'
        elif removed or added:
            what = f': "{removed or added}" was {"removed" if removed else "added"}'
        line = line_in_source(page, around, added, line_of)
    return UnapprovedText(
        page.path,
        line,
        f"{approval.material_id}{market} changed since its approval on {approval.approved_on.isoformat()}"
        f" by {approval.approved_by}{what}",
        HOW_TO_APPROVE.format(path=page.path, market=market_option(finding)),
    )


def config_change(config: SiteConfig, line: int, what: str, causes: list[ConfigCause]) -> SourceError:
    listed = sorted({(c.finding.page, c.finding.material_id, c.finding.market) for c in causes})
    count = len(listed)
    names = ", ".join(f"{page} ({material})" for page, material, _ in listed)
    before, now = causes[0].before, causes[0].now
    return UnapprovedText(
        config.path,
        line,
        f"{what} {count} approved page{'s' if count != 1 else ''}: {names}",
        f'it read "{before}" when approved and now reads "{now}"; if that is right, send the redlines to the state'
        " (python3 build.py approvals --redline DIR) and record the new approvals, or undo the change",
    )


def config_causes(approved: ApprovedText, page: Page, config: SiteConfig) -> list[tuple[str, str, str]]:
    """The placeholders whose text changed since the approval: (placeholder, text then, text now)."""
    causes = []
    for inner, before in sorted(approved.values.items()):
        now = placeholder_text(inner, page, config)
        if now != before:
            causes += [(part, before, now) for part in changed_parts(inner, before, page, config)]
    return causes


def changed_parts(inner: str, before: str, page: Page, config: SiteConfig) -> list[str]:
    """A whole contact line's placeholder narrowed to the parts of it that changed (its phone, TTY or hours),
    so that the config line named is the one edited; any other placeholder as it is."""
    kind, _, rest = inner.partition(":")
    if kind.strip() not in ("contact", "call"):
        return [inner]
    name = rest.split("|")[0].strip()
    ways: dict[str, tuple[str, ...]] = {f"{part}:{name}": (f"{part}:{name}",) for part in ("phone", "tty")}
    ways[f"hours:{name}"] = (f"hours:{name}", f"hours:{name}|time-first")  # a contact line reads its hours either way
    changed = [
        part
        for part, readings in ways.items()
        if not any((now := placeholder_text(reading, page, config)) and now in before for reading in readings)
        and any(placeholder_text(reading, page, config) for reading in readings)
    ]
    return changed or [inner]


def where_configured(inner: str, config: SiteConfig, config_line: ConfigLine) -> tuple[int, str]:
    """The site.toml line a placeholder's value comes from, and what changed, e.g. "the Member Services number changes"."""
    kind, _, rest = inner.partition(":")
    name = rest.split("|")[0].strip()
    kind = kind.strip()
    if kind == "form":
        return config_line(("forms", name, "shown_as")), f"the {name} form's address"
    line = config.contacts.get(name)
    label = line.labels.get(config.default_language, name) if line else name
    table: tuple[str, ...] = ("contacts", name)
    if config.market:
        own = ((config.raw.get("markets") or {}).get(config.market.name) or {}).get("contacts") or {}
        field_name = FIELDS.get(kind)
        if name in own and (field_name is None or field_name in (own.get(name) or {})):
            table = ("markets", config.market.name, "contacts", name)
    keys = (*table, FIELDS[kind]) if kind in FIELDS else table
    market = f" in market '{config.market.name}'" if config.market else ""
    verb = "change" if kind in ("hours", "contact", "call") else "changes"  # "the … hours change 2 pages"
    return config_line(keys), f"the {label} {WHAT.get(kind, kind)}{market} {verb}"


def first_change(approved: str, now: str) -> tuple[str, str, str]:
    """The first run of words that differs: as approved, as now, and as now with two words either side.
    (The words both texts begin and end with are set aside first: an edit is usually small.)"""
    old_words, new_words = approved.split(), now.split()
    start = 0
    while start < min(len(old_words), len(new_words)) and old_words[start] == new_words[start]:
        start += 1
    end = 0
    while end < min(len(old_words), len(new_words)) - start and old_words[-1 - end] == new_words[-1 - end]:
        end += 1
    old_middle, new_middle = old_words[start : len(old_words) - end], new_words[start : len(new_words) - end]
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            j1, j2 = start + j1, start + j2
            around = " ".join(new_words[max(0, j1 - 2) : j2 + 2])
            return " ".join(old_middle[i1:i2][:12]), " ".join(new_words[j1:j2][:12]), around
    return "", "", ""


def line_in_source(page: Page, around: str, added: str, line_of: Callable[[Page, str], int]) -> int:
    """The Markdown line holding the changed words with the words around them; else three of them that
    stand together there (Markdown's own marks may sit between others); else the first added words."""
    words = around.split()
    threes = [" ".join(words[start : start + 3]) for start in range(max(len(words) - 2, 0))]
    for candidate in dict.fromkeys([around, *threes, " ".join(added.split()[:3])]):
        line = line_of(page, candidate) if candidate else page.body_line
        if line != page.body_line:
            return line
    return page.body_line


def market_option(finding: Finding) -> str:
    return f" --market {finding.market}" if finding.market else ""
