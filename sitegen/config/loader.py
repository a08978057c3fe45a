"""Load and validate `site.toml` once, at the edge, into the frozen dataclasses of `schema`.

Every problem is reported with the line of the offending key, all at once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from sitegen.config.contact_lines import ContactLineReader
from sitegen.config.schema import ApprovalPolicy, Form, Market, Notices, SiteConfig
from sitegen.config.taglines import TAGLINES_FILE, Tagline, load_taglines
from sitegen.config.toml_lines import TomlLines
from sitegen.errors import ConfigError, raise_all

# Beside the pages, where editors see it in their diffs, and where `freshness` sees it change.
DEFAULT_APPROVAL_RECORDS = "content/approvals.toml"


def load_config(path: Path, display_path: str | None = None) -> SiteConfig:
    """Read and validate the config file; raise `SiteErrors` listing every problem."""
    shown = display_path or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            shown, 0, "config file not found", "create it; see site.toml in the project for an example"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(shown, 0, "config file is not UTF-8 text", "save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            shown,
            TomlLines.line_of_decode_error(exc),
            f"not valid TOML: {TomlLines.in_editor_words(exc)}",
            "check quotes, brackets and '=' on that line",
        ) from None
    return SiteReader(shown, data, TomlLines(text), path.parent).config()


class SiteReader(ContactLineReader):
    """Reads the whole file: the site, its markets, forms, notices, taglines and readability targets."""

    def config(self) -> SiteConfig:
        site = self.require(self.data, ("site",), dict, "add a [site] table") or {}
        plan = self.require(site, ("site", "plan_name"), str, 'e.g. plan_name = "CareSource"') or ""
        base_url = self.require(site, ("site", "base_url"), str, 'e.g. base_url = "https://www.example.org"') or ""
        if base_url and not re.fullmatch(r"https?://[^\s/]+", base_url.rstrip("/")):
            self.error(
                ("site", "base_url"),
                f"base_url {base_url!r} is not a site address",
                'use scheme and host only, e.g. "https://www.example.org"',
            )
        languages = self.require(site, ("site", "languages"), list, 'e.g. languages = ["en", "es"]') or []
        languages = [lang for lang in languages if self._check_language(lang)]
        zone = self.require(site, ("site", "time_zone"), str, 'e.g. time_zone = "America/New_York"') or "UTC"
        self._check_zone(("site", "time_zone"), zone)
        styles = {lang: self._style(lang) for lang in languages}
        shared_contacts = {
            name: table for name, table in sorted((self.data.get("contacts") or {}).items()) if isinstance(table, dict)
        }
        market_tables = (
            self.require(self.data, ("markets",), dict, "each market is a [markets.NAME] table")
            if "markets" in self.data
            else None
        )
        # With markets, [contacts] holds defaults that each market's own lines are merged over.
        contacts = (
            {}
            if market_tables
            else {name: self._contact(name, table, languages, zone) for name, table in shared_contacts.items()}
        )
        forms = {
            name: self._form(name, table, languages)
            for name, table in sorted((self.data.get("forms") or {}).items())
            if isinstance(table, dict)
        }
        readability = self._readability(languages)
        notices = self._notices(languages)
        stale_policy = self._stale_policy()
        approvals, generated_ids = self._approvals(("approvals",), None, languages)
        self.known_taglines, tagline_errors = load_taglines(self.root, notices.help_line) if notices else ({}, [])
        self.errors += tagline_errors
        site = SiteConfig(
            path=self.path,
            plan_name=plan,
            base_url=base_url.rstrip("/"),
            languages=tuple(languages),
            time_zone=zone,
            contacts=contacts,
            forms=forms,
            styles=styles,
            raw=self.data,
            readability=readability,
            notices=notices,
            stale_translations=stale_policy,
            approvals=approvals,
            generated_ids=generated_ids,
        )
        if market_tables:
            site = self._with_markets(site, market_tables, shared_contacts)
        else:
            self._check_form_contacts(site, ())
            site = replace(
                site,
                taglines=self._tagline_list(
                    ("notices", "taglines"), (self.data.get("notices") or {}).get("taglines"), notices
                ),
            )
            self._check_help_line(site, ())
        raise_all(self.errors)
        return site

    # -- markets ------------------------------------------------------------------------------

    def _with_markets(
        self, site: SiteConfig, tables: dict[str, Any], shared_contacts: dict[str, dict[str, Any]]
    ) -> SiteConfig:
        markets = {name: market for name, table in tables.items() if (market := self._market(str(name), table, site))}
        self._check_market_paths(markets)
        configs = {}
        for name, market in markets.items():
            zone = str(tables[name].get("time_zone", site.time_zone))
            own = tables[name].get("contacts") or {}
            if not isinstance(own, dict):
                self.error(
                    ("markets", name, "contacts"),
                    "a market's contacts must be tables",
                    f"write [markets.{name}.contacts.member-services]",
                )
                own = {}
            contacts = {}
            for line in sorted(shared_contacts.keys() | own.keys()):
                table = {**shared_contacts.get(line, {}), **(own.get(line) or {})}
                keys = ("markets", name, "contacts", line) if line in own else ("contacts", line)
                contacts[line] = self._contact(line, table, list(market.languages), zone, keys)
            configs[name] = replace(
                site,
                plan_name=str(tables[name].get("plan_name", site.plan_name)),
                languages=market.languages,
                time_zone=zone,
                contacts=contacts,
                styles={lang: site.styles[lang] for lang in market.languages if lang in site.styles},
                readability={lang: v for lang, v in site.readability.items() if lang in market.languages},
                market=market,
                taglines=self._tagline_list(("markets", name, "taglines"), tables[name].get("taglines"), site.notices),
            )
            approvals, ids = self._approvals(("markets", name, "approvals"), site.approvals, list(market.languages))
            configs[name] = replace(configs[name], approvals=approvals, generated_ids={**site.generated_ids, **ids})
            self._check_form_contacts(configs[name], ("markets", name))
            self._check_help_line(configs[name], ("markets", name))
        configs = {name: replace(config, markets=markets) for name, config in configs.items()}
        return replace(site, markets=markets, market_configs=configs)

    def _market(self, name: str, table: object, site: SiteConfig) -> Market | None:
        keys = ("markets", name)
        if not isinstance(table, dict):
            self.error(
                keys, f"market '{name}' must be a table", f"write [markets.{name}] with label, state, product and path"
            )
            return None
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name):
            self.error(
                keys,
                f"market name {name!r} is not a URL-safe name",
                "use lowercase letters, digits and hyphens, e.g. in-medicaid",
            )
        languages = table.get("languages", list(site.languages))
        if not isinstance(languages, list) or not languages or any(lang not in site.languages for lang in languages):
            self.error(
                (*keys, "languages"),
                f"market '{name}' languages {languages!r} are not among the site's {list(site.languages)}",
                "list some of [site].languages; the first is the market's default",
            )
            languages = [lang for lang in languages if lang in site.languages] if isinstance(languages, list) else []
            languages = languages or list(site.languages)
        labels = (
            self.require(
                table, (*keys, "label"), dict, 'e.g. label = { en = "Indiana Medicaid", es = "Medicaid de Indiana" }'
            )
            or {}
        )
        for lang in languages:
            if labels and not labels.get(lang):
                self.error((*keys, "label"), f"market '{name}' has no {lang!r} label", f'add {lang} = "…" to its label')
        state = self.require(table, (*keys, "state"), str, 'the two-letter state code, e.g. state = "IN"') or ""
        if state and not re.fullmatch(r"[A-Z]{2}", state):
            self.error((*keys, "state"), f"state {state!r} is not a two-letter code", 'e.g. state = "OH"')
        product = self.require(table, (*keys, "product"), str, 'e.g. product = "Medicaid"') or ""
        path = self.require(table, (*keys, "path"), str, 'e.g. path = "/in/plans/medicaid"') or ""
        if path and not re.fullmatch(r"(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+", path.rstrip("/")):
            self.error(
                (*keys, "path"),
                f"market path {path!r} is not a site path",
                'use lowercase segments, e.g. "/in/plans/medicaid"',
            )
        elif path.strip("/").split("/")[0] in {*site.languages, "static", "staff", "healthz"}:
            self.error(
                (*keys, "path"),
                f"market path {path!r} starts with a name the site already uses",
                "start it with the state, e.g. /in/…",
            )
        if "time_zone" in table:
            self._check_zone((*keys, "time_zone"), str(table["time_zone"]))
        return Market(
            name, path.rstrip("/"), {str(k): str(v) for k, v in labels.items()}, state, product, tuple(languages)
        )

    def _check_market_paths(self, markets: dict[str, Market]) -> None:
        for name, market in markets.items():
            for other in markets.values():
                if other.name != name and market.path and (other.path + "/").startswith(market.path + "/"):
                    self.error(
                        ("markets", other.name, "path"),
                        f"market path {other.path!r} lies inside market '{name}' ({market.path})",
                        "give each market its own path, e.g. /in/plans/medicaid and /in/plans/marketplace",
                    )

    def _check_form_contacts(self, config: SiteConfig, where: tuple[str, ...]) -> None:
        for form in config.forms.values():
            if form.contact not in config.contacts:
                market = f" in market '{config.market.name}'" if config.market else ""
                table = (
                    f"[{'.'.join((*where, 'contacts'))}.{form.contact}]"
                    if config.market
                    else f"[contacts.{form.contact}]"
                )
                self.error(
                    ("forms", form.name, "contact"),
                    f"form '{form.name}' names contact line {form.contact!r}, which is not defined{market}",
                    f"use one of: {', '.join(config.contacts) or '(none defined)'}, or add {table}",
                )

    def _stale_policy(self) -> str:
        table = self.data.get("translations") or {}
        policy = table.get("stale", "notice") if isinstance(table, dict) else "notice"
        if policy not in ("notice", "block"):
            self.error(
                ("translations", "stale"),
                f"translations.stale is {policy!r}",
                'use "notice" (a stale translation tells its readers) or "block" (it stops the build)',
            )
            return "notice"
        return str(policy)

    # -- approvals ------------------------------------------------------------------------------

    def _approvals(
        self, keys: tuple[str, ...], inherited: ApprovalPolicy | None, languages: list[str]
    ) -> tuple[ApprovalPolicy | None, dict[str, str]]:
        """[approvals] (or a market's [markets.NAME.approvals], over the site's): the lock and the material IDs
        of the pages the build writes itself."""
        table: Any = self.data
        for key in keys:
            table = table.get(key) if isinstance(table, dict) else None
        if table is None:
            return inherited, {}
        if not isinstance(table, dict):
            self.error(keys, f"[{'.'.join(keys)}] must be a table", "e.g. [approvals] with required = true")
            return inherited, {}
        base = inherited or ApprovalPolicy(False, DEFAULT_APPROVAL_RECORDS)
        required = table.get("required", base.required)
        if not isinstance(required, bool):
            self.error((*keys, "required"), "approvals.required must be true or false", "e.g. required = true")
            required = base.required
        pattern = table.get("id_pattern", base.id_pattern)
        try:
            re.compile(str(pattern))
        except re.error as exc:
            self.error(
                (*keys, "id_pattern"),
                f"approvals.id_pattern is not a regular expression ({exc})",
                'e.g. id_pattern = "OH-MED-M-[0-9]{7}"',
            )
            pattern = base.id_pattern
        ids: dict[str, str] = {}
        help_ids = table.get("language_help", {})
        if not isinstance(help_ids, dict) or any(not isinstance(v, str) for v in help_ids.values()):
            self.error(
                (*keys, "language_help"),
                "approvals.language_help must give an ID per language",
                'e.g. language_help = { en = "OH-MED-M-1234567" }',
            )
            help_ids = {}
        ids |= {f"language_help:{lang}": str(value) for lang, value in help_ids.items() if lang in languages}
        if isinstance(table.get("market_index"), str):
            ids["market_index"] = table["market_index"]
        for value in ids.values():
            if pattern and not re.fullmatch(str(pattern), value):
                self.error(
                    keys,
                    f"material ID {value!r} does not match id_pattern {pattern!r}",
                    "correct the ID or the pattern",
                )
        return ApprovalPolicy(required, base.records, str(pattern), self.locator.line_of(*keys)), ids

    # -- notices --------------------------------------------------------------------------------

    def _notices(self, languages: list[str]) -> Notices | None:
        table = self.require(
            self.data,
            ("notices",),
            dict,
            "add a [notices] table naming the language-help and nondiscrimination pages (see docs/EDITING.md)",
        )
        if table is None:
            return None
        paths = {}
        for key, example in (
            ("language_help", "language-assistance"),
            ("nondiscrimination", "nondiscrimination-notice"),
        ):
            given = (
                self.require(table, ("notices", key), dict, f'e.g. {key} = {{ en = "/en/{example}/", es = "/es/…/" }}')
                or {}
            )
            for lang in languages:
                if given and not re.fullmatch(rf"/{lang}/[a-z0-9-]+/", str(given.get(lang, ""))):
                    self.error(
                        ("notices", key),
                        f"notices.{key} path for {lang!r} is {given.get(lang)!r}",
                        f'use "/{lang}/<slug>/" with lowercase letters, digits and hyphens',
                    )
            paths[key] = {str(k): str(v) for k, v in given.items()}
        help_line = (
            self.require(
                table, ("notices", "help_line"), str, 'the contact line taglines give, e.g. help_line = "language-help"'
            )
            or ""
        )
        numbers = {}
        for key, default, least in (("minimum_taglines", 15, 1), ("footer_languages", 3, 0)):
            value = table.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                self.error(
                    ("notices", key),
                    f"notices.{key} must be a whole number of at least {least}",
                    f"e.g. {key} = {default}",
                )
                value = default
            numbers[key] = value
        return Notices(
            paths["language_help"],
            paths["nondiscrimination"],
            help_line,
            numbers["minimum_taglines"],
            numbers["footer_languages"],
        )

    def _tagline_list(self, keys: tuple[str, ...], value: object, notices: Notices | None) -> tuple[Tagline, ...]:
        """A site's or market's tagline languages, in the plan's order; each must have a tagline."""
        if notices is None or not self.known_taglines:
            return ()  # no taglines could be read: that is the one problem to report
        where = ".".join(keys)
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            self.error(
                keys,
                f"missing the list of tagline languages ({where})",
                f'add taglines = ["es", …]: the state\'s top {notices.minimum} languages, as the plan ranks them (confirm with the state or CMS)',
            )
            return ()
        chosen = []
        for code in value:
            if code in chosen:
                self.error(keys, f"{where} names {code!r} twice", "list each language once")
            elif code not in self.known_taglines:
                self.error(
                    keys,
                    f"{where} names {code!r}, which has no tagline in {TAGLINES_FILE}",
                    f"add a [{code}] table to {TAGLINES_FILE} (see docs/EDITING.md), or check the code",
                )
            else:
                chosen.append(code)
        if len(value) < notices.minimum:
            self.error(
                keys,
                f"{where} lists {len(value)} languages; at least {notices.minimum} are needed",
                f"add the state's top {notices.minimum} languages spoken by people with limited English (45 CFR 92.11)",
            )
        return tuple(self.known_taglines[code] for code in chosen)

    def _check_help_line(self, config: SiteConfig, where: tuple[str, ...]) -> None:
        if config.notices and config.notices.help_line and config.notices.help_line not in config.contacts:
            market = f" in market '{config.market.name}'" if config.market else ""
            self.error(
                ("notices", "help_line"),
                f"notices.help_line names contact line {config.notices.help_line!r}, which is not defined{market}",
                f"add [{'.'.join((*where, 'contacts'))}.{config.notices.help_line}] or name another line",
            )

    def _readability(self, languages: list[str]) -> dict[str, float]:
        table = self.data.get("readability", {})
        targets = {"en": 8.0, "es": 70.0}
        for lang, value in table.items() if isinstance(table, dict) else []:
            if not isinstance(value, (int, float)):
                self.error(
                    ("readability", lang),
                    f"readability target for {lang!r} must be a number",
                    "e.g. en = 8 (grade), es = 70 (ease)",
                )
            else:
                targets[str(lang)] = float(value)
        return {lang: targets[lang] for lang in languages if lang in targets}

    def _check_language(self, lang: object) -> bool:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(str(lang))
        except (UnknownLocaleError, ValueError):
            self.error(("site", "languages"), f"unknown language code {lang!r}", 'use ISO codes such as "en" or "es"')
            return False
        return True

    def _form(self, name: str, table: dict[str, Any], languages: list[str]) -> Form:
        keys = ("forms", name)
        paths = (
            self.require(table, (*keys, "path"), dict, 'e.g. path = { en = "/en/tell-us/", es = "/es/cuentenos/" }')
            or {}
        )
        shown = self.require(table, (*keys, "shown_as"), dict, "the address printed in content, per language") or {}
        for lang in languages:
            path = paths.get(lang, "")
            if paths and not re.fullmatch(rf"/{lang}/[a-z0-9-]+/", str(path)):
                self.error(
                    (*keys, "path"),
                    f"form '{name}' path for {lang!r} is {path!r}",
                    f'use "/{lang}/<slug>/" with lowercase letters, digits and hyphens',
                )
            if shown and not shown.get(lang):
                self.error((*keys, "shown_as"), f"form '{name}' has no {lang!r} address to show", f'add {lang} = "…"')
        contact = str(table.get("contact", ""))
        return Form(
            name, {str(k): str(v) for k, v in paths.items()}, {str(k): str(v) for k, v in shown.items()}, contact
        )
