"""A builder's side of the approval lock (see `sitegen.approval`): which approval each page of its tree
has, each page's standing against it once rendered, and whether the records changed since the cache."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sitegen.approval.lock import APPROVED, Explanation, Finding, explain, finding, lock_problems
from sitegen.approval.records import Approval, Approvals, ApprovalsFile, ApprovedText, read_approved_text
from sitegen.config.project import Project
from sitegen.config.schema import Market, SiteConfig
from sitegen.config.toml_lines import TomlLines
from sitegen.content.page import Page
from sitegen.engine.cache import BuildCache, OutputRecord
from sitegen.engine.state import Pairs
from sitegen.errors import ConfigError, SourceError

KEPT = "approval-records"  # the build cache's copy of the records as last read
Lock = tuple[dict[str, Finding], list[SourceError], list[SourceError]]  # standing by page, errors, warnings


class ApprovalCheck:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.file = ApprovalsFile(project.root)
        self.records = Approvals("")
        self.texts: dict[Approval, tuple[ApprovedText | None, SourceError | None]] = {}
        self.remembered: list[object] | None = None  # the signature of the records last kept in the cache
        self.kept: Any = None  # the records as the cache kept them (read by a new process's first build)
        # Why each page that is not approved as it stands is not, worked out once per config (serve asks at every save).
        self.explained: dict[Finding, Explanation] = {}
        self.explained_for: SiteConfig | None = None
        # The last answer of `approved`, and what it was asked with (records, market, ID pattern).
        self.by_market: (
            tuple[tuple[Approvals, Market | None, str], tuple[dict[str, Approval], list[SourceError]]] | None
        ) = None

    def approved(
        self, config: SiteConfig, cache: BuildCache | None = None
    ) -> tuple[dict[str, Approval], list[SourceError]]:
        """Each page's approval in this tree's market (none while approvals are off), and the records' problems.
        The cache keeps the records as last read: a new process's edit does not parse the file again."""
        if config.approvals is None:
            return {}, []
        if cache and self.file.read is None:
            self.kept = cache.meta_json(KEPT)
            self.remembered = self.kept.get("signature") if isinstance(self.kept, dict) else None
        records, errors = self.file.approvals(config.approvals.records, self.kept)
        asked = (records, config.market, config.approvals.id_pattern)
        # The same records object (the file is unchanged: see ApprovalsFile) for the same market: the same answer.
        if self.by_market is not None and self.by_market[0][0] is records and self.by_market[0][1:] == asked[1:]:
            return self.by_market[1]  # the very same dict: the pipeline then knows no approval changed
        self.records = records
        errors = list(errors)
        market = config.market.name if config.market else None
        approved = records.for_market(market)
        pattern = config.approvals.id_pattern
        for approval in approved.values():
            if pattern and not re.fullmatch(pattern, approval.material_id):
                where = f" of market '{market}'" if market else ""
                errors.append(
                    ConfigError(
                        records.path,
                        approval.line,
                        f"material ID {approval.material_id!r} does not match the id_pattern{where} ({pattern})",
                        "correct the ID with `python3 build.py approvals --approve`, or the pattern in site.toml",
                    )
                )
        self.by_market = (asked, (approved, errors))
        return approved, errors

    def previous(self, config: SiteConfig, approved: dict[str, Approval]) -> dict[str, Approval]:
        """The approvals the cached outputs were rendered with (a new process's state does not hold them):
        `approved` itself when the records are unchanged since, so that nothing is compared."""
        kept = self.kept if isinstance(self.kept, dict) else None
        if config.approvals is None or kept is None:
            return {}
        if kept.get("signature") == self.file.last_read:
            return approved
        try:
            signature = (str(kept["signature"][0]), int(kept["signature"][1]), int(kept["signature"][2]))
        except (KeyError, TypeError, ValueError, IndexError):
            return {}
        restored = ApprovalsFile.from_kept(config.approvals.records, signature, kept)
        return restored[0].for_market(config.market.name if config.market else None) if restored else {}

    def lock(
        self,
        pairs: Pairs,
        approved: Mapping[str, Approval],
        records: Mapping[str, OutputRecord],
        texts: Mapping[str, str],
        config: SiteConfig,
        line_of: Callable[[Page, str], int],
        before: Mapping[str, Finding] | None = None,
        recheck: Iterable[str] | None = None,
    ) -> Lock:
        """Each page's standing against its approval, and the problems: errors when approvals are required,
        warnings otherwise. `texts`: the text as published of the pages rendered in this build. With `before`
        (the standing of the same pages) only the pages in `recheck` are looked at again: those rendered and
        those whose approval changed."""
        if config.approvals is None:
            return {}, [], []
        market = config.market.name if config.market else ""
        index = pairs.positions
        standing = dict(before) if before is not None and recheck is not None else {}
        for path in index if before is None or recheck is None else recheck:
            record = records.get(path)
            if path not in index or record is None:
                standing.pop(path, None)
            else:
                standing[path] = finding(path, record.output, record.text, approved.get(path), market)

        def page_of(path: str) -> Page | None:
            return (
                next((p for p in pairs[index[path]].pages.values() if p.path == path), None) if path in index else None
            )

        if self.explained_for is not config:  # a page's explanation holds while the config does
            self.explained, self.explained_for = {}, config
        explanations = []
        for found in sorted((f for f in standing.values() if f.state != APPROVED), key=lambda f: f.page):
            page = page_of(found.page)
            if page is not None and found not in self.explained:
                self.explained[found] = explain(
                    found, page, texts.get(found.page), config, self.config_line, line_of, self.approved_text
                )
            explanations.append(self.explained.get(found, []))
        problems = lock_problems(explanations, config)
        return (standing, problems, []) if config.approvals.required else (standing, [], problems)

    def approved_text(self, approval: Approval) -> tuple[ApprovedText | None, SourceError | None]:
        """An approval's text, read once while serving (an editor saving an approved page asks at every save)."""
        if approval not in self.texts:
            self.texts[approval] = read_approved_text(self.project.root, self.records, approval)
        return self.texts[approval]

    def config_line(self, keys: tuple[str, ...]) -> int:
        return TomlLines(self.project.config_path.read_text(encoding="utf-8")).line_of(*keys)

    def as_cached(self, cache: BuildCache, config: SiteConfig) -> bool:
        """Whether the records are as the cached build read them (always, while approvals are off)."""
        if config.approvals is None:
            return True
        kept = cache.meta_json(KEPT)
        return isinstance(kept, dict) and kept.get("signature") == list(self.file.signature(config.approvals.records))

    def remember(self, cache: BuildCache) -> None:
        """Keep the records as this build read them, for `as_cached` and `approved` in the next process
        (written again only when they changed: serve commits at every save)."""
        signature = self.file.last_read
        if signature != self.remembered:
            cache.keep_json(KEPT, self.file.kept_records())
            self.remembered = signature


def approvals_changed(before: Mapping[str, Approval], now: Mapping[str, Approval]) -> set[str]:
    """The pages whose approval differs (nothing to compare when the records are the very same)."""
    if before is now:
        return set()
    return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}
