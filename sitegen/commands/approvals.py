"""`python3 build.py approvals`: each page's approved text, per market, and the commands that change it.

approvals                          every page per market: material ID, state, approved by and on
approvals --json                   the same, for tools
approvals --approve PATH… --id ID --by NAME [--market KEY] [--on DATE]
                                   record the text as it would publish now as approved
approvals --redline DIR            one HTML redline per changed page per market, for the state
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sitegen.approval.lock import APPROVED, CHANGED, UNAPPROVED
from sitegen.approval.material import published_text
from sitegen.approval.records import (
    Approval,
    Approvals,
    ApprovedText,
    read_approvals,
    read_approved_text,
    text_digest,
    write_approvals,
)
from sitegen.approval.redline import redline_html
from sitegen.config.loader import DEFAULT_APPROVAL_RECORDS, load_config
from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig
from sitegen.content.page import Page
from sitegen.content.passages import published_in
from sitegen.engine.sources import scan
from sitegen.errors import ConfigError, SourceError, raise_all


@dataclass(frozen=True, eq=False)
class Material:
    """One page in one market as it would publish now, with its approval."""

    page: Page
    market: str  # "" for a site without markets
    config: SiteConfig
    text: str
    values: dict[str, str] = field(compare=False)
    approval: Approval | None

    @property
    def state(self) -> str:
        if self.approval is None:
            return UNAPPROVED
        return APPROVED if self.approval.sha256 == text_digest(self.text) else CHANGED


def records_path(config: SiteConfig) -> str:
    return config.approvals.records if config.approvals else DEFAULT_APPROVAL_RECORDS


def current_material(
    project: Project, config: SiteConfig, approvals: Approvals, only: set[str] | None = None
) -> list[Material]:
    """Every page (or those in `only`) in every market as a build would publish it now; SiteErrors if one
    cannot be rendered."""
    found = scan(project.content_dir, config.languages, {}, None)
    errors: list[SourceError] = list(found.errors)
    material = []
    for tree in config.builds():
        market = tree.market.name if tree.market else None
        for path, state in sorted(found.sources.items()):
            page = state.page
            if page.lang not in tree.languages or not published_in(page, market) or (only and path not in only):
                continue
            text, values, problems = published_text(page, tree)
            errors += problems
            material.append(Material(page, market or "", tree, text, values, approvals.of(path, market)))
    raise_all(errors)
    return material


def approvals_command(
    project: Project,
    as_json: bool,
    approve: list[Path],
    ids: list[str],
    by: str | None,
    market: str | None,
    on: str | None,
    redline: Path | None,
) -> int:
    """Run the command; SiteError (shown by the caller as `path:line` problems) if anything is wrong."""
    config = load_config(project.config_path, "site.toml")
    shown = records_path(config)
    approvals, errors = read_approvals(project.root / shown, shown)
    raise_all(errors)
    only = {content_path(project, path) for path in approve} if approve else None
    material = current_material(project, config, approvals, only)
    if approve:
        approved_on = parse_date(on)
        for line in record_approvals(project, config, approvals, material, approve, ids, by, market, approved_on):
            print(line)
        return 0
    if redline:
        return write_redlines(project, approvals, material, redline)
    print(json.dumps(listing(material), indent=2, ensure_ascii=False) if as_json else table(material, config))
    return 0


def listing(material: list[Material]) -> list[dict[str, str]]:
    return [
        {
            "page": m.page.path,
            "market": m.market,
            "lang": m.page.lang,
            "material_id": m.approval.material_id if m.approval else "",
            "state": m.state,
            "approved_by": m.approval.approved_by if m.approval else "",
            "approved_on": m.approval.approved_on.isoformat() if m.approval else "",
        }
        for m in material
    ]


def table(material: list[Material], config: SiteConfig) -> str:
    heading = ("page", "material ID", "state", "approved by", "approved on")
    rows: list[tuple[str, ...]] = [("market", *heading) if config.markets else heading]
    for entry in listing(material):
        cells: tuple[str, ...] = (entry["page"], entry["material_id"] or "-", entry["state"])
        cells += (entry["approved_by"] or "-", entry["approved_on"] or "-")
        rows.append(((entry["market"],) if config.markets else ()) + cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    counts = {state: sum(m.state == state for m in material) for state in (APPROVED, CHANGED, UNAPPROVED)}
    summary = ", ".join(f"{count} {state}" for state, count in counts.items())
    lock = (
        "off (add [approvals] to site.toml)"
        if config.approvals is None
        else ("required" if config.approvals.required else "warnings only")
    )
    return "\n".join(lines + ["", f"{len(material)} page(s): {summary}. The lock is {lock}."])


def record_approvals(
    project: Project,
    config: SiteConfig,
    approvals: Approvals,
    material: list[Material],
    paths: list[Path],
    ids: list[str],
    by: str | None,
    market: str | None,
    approved_on: date,
) -> list[str]:
    """Record each page's text as it would publish now as approved; nothing is written if any is refused."""
    shown = records_path(config)
    problems: list[SourceError] = []
    if not by or not by.strip():
        problems.append(ConfigError(shown, 0, "--by is missing", "name who approved it, e.g. --by 'Dana Ruiz'"))
    if len(ids) not in (1, len(paths)):
        problems.append(
            ConfigError(
                shown, 0, f"{len(ids)} --id for {len(paths)} page(s)", "give one --id, or one per page in order"
            )
        )
    if market is not None and market not in config.markets:
        known = ", ".join(config.markets) or "none: this site has no [markets]"
        problems.append(ConfigError("site.toml", 0, f"--market {market}: no such market", f"use one of: {known}"))
    raise_all(problems)
    done, texts = [], {}
    for index, path in enumerate(paths):
        material_id = ids[index if len(ids) > 1 else 0].strip()
        page_path = content_path(project, path)
        chosen = [m for m in material if m.page.path == page_path and (market is None or m.market == market)]
        approval, problem = approval_of(page_path, chosen, material_id, by or "", approved_on, market)
        if problem:
            problems.append(problem)
            continue
        assert approval is not None and chosen
        approvals = approvals.with_approval(approval)
        texts[(approval.page, approval.market)] = ApprovedText(chosen[0].text, chosen[0].values)
        where = f" in market '{approval.market}'" if approval.market else ""
        done.append(f"approved {page_path}{where} as {material_id} ({by}, {approved_on.isoformat()})")
    raise_all(problems)
    write_approvals(project.root, approvals, texts)
    return [*done, f"recorded in {shown}, the approved texts in {Path(shown).parent.as_posix()}/approved/"]


def approval_of(
    page_path: str, chosen: list[Material], material_id: str, by: str, approved_on: date, market: str | None
) -> tuple[Approval | None, SourceError | None]:
    """The approval of one page (in one market, or in every market it publishes in alike), or why not."""
    if not chosen:
        where = f" in market '{market}'" if market else ""
        return None, ConfigError(
            page_path, 0, f"no page publishes from {page_path}{where}", "give a content/<lang>/ file"
        )
    if len({m.text for m in chosen}) > 1:
        markets = ", ".join(m.market for m in chosen)
        return None, ConfigError(
            page_path,
            0,
            f"its text differs between markets ({markets}): each market's is its own material",
            "approve it once per market with --market KEY",
        )
    for m in chosen:
        pattern = m.config.approvals.id_pattern if m.config.approvals else ""
        if pattern and not re.fullmatch(pattern, material_id):
            where = f" of market '{m.market}'" if m.market else ""
            return None, ConfigError(
                page_path,
                0,
                f"material ID {material_id!r} does not match the id_pattern{where} ({pattern})",
                "check the ID the state gave, or approve per market with --market KEY",
            )
    if not material_id:
        return None, ConfigError(page_path, 0, "--id is empty", "give the material ID the state approved")
    return Approval(page_path, market or "", material_id, by.strip(), approved_on, text_digest(chosen[0].text)), None


def write_redlines(project: Project, approvals: Approvals, material: list[Material], out: Path) -> int:
    """One redline per changed page per market; SiteErrors (before any is written) if an approved text is unreadable."""
    changed = [m for m in material if m.state == CHANGED]
    approved: dict[Material, str] = {}
    for m in changed:
        assert m.approval is not None
        text, problem = read_approved_text(project.root, approvals, m.approval)
        raise_all([problem] if problem else [])
        approved[m] = text.text if text else ""
    for m in changed:
        assert m.approval is not None
        target = out / (m.market or "") / m.page.lang / f"{m.page.slug}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        html = redline_html(
            project.templates_dir, m.approval, approved[m], m.text, m.page.lang, m.market, m.config.plan_name
        )
        target.write_text(html, encoding="utf-8")
        print(f"wrote {target} ({m.approval.material_id})")
    if not changed:
        print("no redlines: every approved page reads as approved", file=sys.stderr)
    return 0


def content_path(project: Project, path: Path) -> str:
    """A page as editors name it in messages (content/en/x.md), from a path given on the command line."""
    resolved = path.resolve() if path.is_absolute() or path.exists() else (project.root / path).resolve()
    return resolved.relative_to(project.root).as_posix() if resolved.is_relative_to(project.root) else str(path)


def parse_date(given: str | None) -> date:
    if given is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ConfigError("--on", 0, f"{given!r} is not a date", "write it as YYYY-MM-DD") from None
