"""Which pages must render: those whose input key differs from the one their output was made from.

Two ways to decide, both functions of the state before the build and what the scan found: `plan`
looks at every page; `plan_edited` (the common save: only page bodies changed) looks at the pages
read anew and their translations, and keeps the pairs of the state with the new pages in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sitegen.approval.records import Approval, approval_key
from sitegen.content.pairing import PagePair
from sitegen.engine.cache import OutputRecord
from sitegen.engine.keys import KeyMaker
from sitegen.engine.sources import Scan
from sitegen.engine.state import BuildState, Pairs, Seen
from sitegen.engine.workers import PageJob

EMPTY_APPROVALS: Mapping[str, Approval] = {}


@dataclass(frozen=True)
class Plan:
    jobs: list[PageJob]  # pages to render
    records: dict[str, OutputRecord]  # outputs that stand as they are
    seen: dict[str, Seen]  # what each page's key was checked with, for the next plan
    approvals_changed: frozenset[str] = frozenset()  # pages whose approval differs from their output's


def shared_inputs(keys: KeyMaker) -> tuple[dict[str, str], dict[str, str]]:
    return (keys.site_digests, keys.contact_digests)


def plan(
    pairs: Sequence[PagePair],
    before: BuildState,
    keys: KeyMaker,
    notices: dict[str, str],
    approved: Mapping[str, Approval] = EMPTY_APPROVALS,
    approvals_changed: Iterable[str] = (),
) -> Plan:
    """Every page is looked at; one whose digest, alternates, notice and approval are as last checked (with
    the same shared inputs) is clean without computing its key."""
    jobs, clean, seen = [], {}, dict(before.seen)
    same_shared_inputs = before.key_inputs == shared_inputs(keys)
    for pair in pairs:
        alternates = {lang: page.url for lang, page in pair.pages.items()}
        for page in pair.pages.values():
            output = before.outputs.get(page.path)
            approval = approved.get(page.path)
            looked_at: Seen = (page.digest, alternates, notices.get(page.path, ""), approval_key(approval))
            if output and (
                (same_shared_inputs and before.seen.get(page.path) == looked_at)
                or output.input_key == keys.key(page.digest, page.lang, alternates, output.deps, *looked_at[2:])
            ):
                clean[page.path] = output
            else:
                jobs.append(
                    PageJob(page, alternates, looked_at[2], approval)
                )  # a worker reads the body if the cache had none
            seen[page.path] = looked_at
    return Plan(jobs, clean, seen, frozenset(approvals_changed))


def only_bodies_changed(before: BuildState, found: Scan, keys: KeyMaker) -> bool:
    """True when the pages read anew kept their language, key, slug, title, description and markets, none
    came or went, none is unreadable, and nothing all pages share changed: then pairs and listings stand."""
    if before.pairs is None or not before.outputs or found.errors or before.key_inputs != shared_inputs(keys):
        return False
    if found.sources.keys() != before.sources.keys():
        return False
    for path in found.reparsed:
        old, new = before.sources[path].page, found.sources[path].page
        if (old.lang, old.key, old.slug, old.title, old.description, old.markets) != (
            new.lang,
            new.key,
            new.slug,
            new.title,
            new.description,
            new.markets,
        ):
            return False
    return True


def edited_pairs(before: BuildState, found: Scan) -> Pairs:
    """The state's pairs with the pages read anew put in (pages outside this market's pairs stay out)."""
    return (before.pairs or Pairs()).with_pages_replaced([found.sources[path].page for path in sorted(found.reparsed)])


def plan_edited(
    pairs: Pairs,
    before: BuildState,
    found: Scan,
    keys: KeyMaker,
    notices: dict[str, str],
    approved: Mapping[str, Approval] = EMPTY_APPROVALS,
    approvals_changed: Iterable[str] = (),
) -> Plan:
    """Only the pages read anew, their translations (whose stale notice may come or go) and the pages whose
    approval changed can need rendering; every other output stands as it is."""
    jobs, records, seen = [], dict(before.outputs), dict(before.seen)
    index = pairs.positions
    affected = sorted(
        {other.path for path in found.reparsed if path in index for other in pairs[index[path]].pages.values()}
        | {path for path in approvals_changed if path in index}
    )
    for path in affected:
        page = found.sources[path].page
        alternates = {lang: p.url for lang, p in pairs[index[path]].pages.items()}
        notice, approval = notices.get(path, ""), approved.get(path)
        output = before.outputs.get(path)
        key_of = approval_key(approval)
        if output and output.input_key == keys.key(page.digest, page.lang, alternates, output.deps, notice, key_of):
            continue
        records.pop(path, None)
        jobs.append(PageJob(page, alternates, notice, approval))
        seen[path] = (page.digest, alternates, notice, key_of)
    return Plan(jobs, records, seen, frozenset(approvals_changed))
