"""What `site.toml` holds, as frozen dataclasses: the site, its markets, contact lines, hours, forms, house style."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sitegen.config.taglines import Tagline

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STYLE_KEYS = (
    "am",
    "pm",
    "noon",
    "midnight",
    "day_range",
    "every_day",
    "days_first",
    "time_first",
    "with_zone",
    "always",
    "contact",
)


@dataclass(frozen=True)
class Hours:
    """One opening period: days (indexes into DAY_CODES) and times; `always` means 24/7."""

    days: tuple[int, ...]
    is_range: bool
    open: time | None
    close: time | None

    @property
    def always(self) -> bool:
        return self.open is None


@dataclass(frozen=True)
class ContactLine:
    name: str
    labels: dict[str, str]
    phone: str  # digits only: 11 for NANP with leading 1, 3 for N11 codes
    tty: tuple[str, ...]
    hours: tuple[Hours, ...]
    time_zone: str
    email: str = ""  # optional: shown by {{email:LINE}}
    address: tuple[str, ...] = ()  # optional postal address lines: shown by {{address:LINE}}


@dataclass(frozen=True)
class Form:
    name: str
    paths: dict[str, str]
    shown_as: dict[str, str]
    contact: str


@dataclass(frozen=True)
class Style:
    """The plan's house style for one language; time_zones overrides Babel's names."""

    patterns: dict[str, str]
    time_zones: dict[str, str]
    day_alone: dict[str, str] = field(
        default_factory=dict
    )  # day code -> how a period of that one day reads ("los sábados")


@dataclass(frozen=True)
class Notices:
    """The two notices every member page links to: language help (taglines) and nondiscrimination."""

    language_help: dict[str, str]  # per language: the path of the taglines page the build writes
    nondiscrimination: dict[str, str]  # per language: the path of the content page with the notice
    help_line: str  # the contact line every tagline's phone and TTY come from
    minimum: int  # the fewest tagline languages a list may have
    footer_languages: int  # how many of the top languages the footer link names


@dataclass(frozen=True)
class ApprovalPolicy:
    """[approvals]: whether a page may publish only the text its state approved, and where approvals are kept."""

    required: bool  # a page whose text is not the approved one stops the build (otherwise: a warning)
    records: str  # the approval records, relative to the project: content/approvals.toml
    id_pattern: str = ""  # a regular expression every material ID of this site or market must match ("": any)
    line: int = 0  # where [approvals] (or the market's) stands in site.toml, for messages


@dataclass(frozen=True)
class SiteConfig:
    path: str
    plan_name: str
    base_url: str
    languages: tuple[str, ...]
    time_zone: str
    contacts: dict[str, ContactLine]
    forms: dict[str, Form]
    styles: dict[str, Style]
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)
    readability: dict[str, float] = field(default_factory=dict)  # per language: max grade (en) or min ease (es)
    market: Market | None = None  # the market this config describes, when site.toml has [markets]
    markets: dict[str, Market] = field(default_factory=dict)  # every market of the site (empty: one plan, no markets)
    market_configs: dict[str, SiteConfig] = field(default_factory=dict, repr=False, compare=False, hash=False)
    notices: Notices | None = None
    stale_translations: str = "notice"  # "notice": a stale translation says so on the page; "block": it stops the build
    taglines: tuple[Tagline, ...] = ()  # the taglines this site (or market) shows, in the plan's ranking
    approvals: ApprovalPolicy | None = None  # None: no [approvals] table, pages publish without approval records
    generated_ids: dict[str, str] = field(default_factory=dict)  # material IDs the config gives generated pages

    def footer_taglines(self, lang: str) -> tuple[Tagline, ...]:
        """The few top languages the footer link names on a page in `lang` (not the page's own)."""
        count = self.notices.footer_languages if self.notices else 0
        return tuple(t for t in self.taglines if t.lang.split("-")[0] != lang)[:count]

    @property
    def served_pages(self) -> list[dict[str, str]]:
        """Pages the site serves itself rather than from content/ (forms, language help): each one's path per language."""
        return [form.paths for form in self.forms.values()] + ([self.notices.language_help] if self.notices else [])

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def prefix(self) -> str:
        """Where this config's pages live: "" for a single plan, the market's path otherwise."""
        return self.market.path if self.market else ""

    def builds(self) -> list[SiteConfig]:
        """The configs the build renders a tree for: each market's, or this one for a single plan."""
        return [self.market_configs[name] for name in self.markets] if self.markets else [self]


@dataclass(frozen=True)
class Market:
    """One state and product the plan publishes pages for, under its own path."""

    name: str  # the key in [markets.NAME], used by content: markets = [...], ::: only NAME
    path: str  # e.g. /in/plans/medicaid (no trailing slash)
    labels: dict[str, str]  # what the market index calls it, per language
    state: str
    product: str
    languages: tuple[str, ...]
