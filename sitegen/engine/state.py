"""The build's memory: what the last published build was made from, as one value.

A warm builder (`build.py serve`) keeps a `BuildState` between builds; a cold one starts from the
build cache. `Builder.stage()` computes the next state without adopting it, `commit()` adopts it
whole once the site is published, and a build that fails leaves the state as it was: there is
nothing to roll back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from sitegen.approval.lock import Finding
from sitegen.approval.records import Approval
from sitegen.checks.links import LinkIndex
from sitegen.content.page import Page
from sitegen.content.pairing import PagePair
from sitegen.engine.cache import BuildCache, OutputRecord
from sitegen.translation.staleness import Staleness

# (page digest, alternates, stale notice, approval key) a page's key was last checked with
Seen = tuple[str, dict[str, str], str, str]


class SourceState(NamedTuple):
    """A source file as it was read: its time and size, and the page parsed from it (a tuple, like
    `OutputRecord`)."""

    mtime_ns: int
    size: int
    page: Page


class Pairs(tuple[PagePair, ...]):
    """The site's page pairs, and where each page's pair is (worked out once per set of pairs, and kept
    when a body-only edit puts new pages in the same places)."""

    @cached_property
    def positions(self) -> dict[str, int]:
        """Page path -> the position of its pair."""
        return {page.path: i for i, pair in enumerate(self) for page in pair.pages.values()}

    def with_pages_replaced(self, pages: list[Page]) -> Pairs:
        """The same pairs with these pages put in their pairs' places (pages of no pair are left out)."""
        pairs, index = list(self), self.positions
        for page in pages:
            if page.path in index:
                position = index[page.path]
                pairs[position] = PagePair(pairs[position].key, {**pairs[position].pages, page.lang: page})
        replaced = Pairs(pairs)
        replaced.__dict__["positions"] = index  # the same pages in the same places
        return replaced


@dataclass(frozen=True)
class BuildState:
    sources: Mapping[str, SourceState] = field(default_factory=dict)  # path shown to editors -> the file as read
    outputs: Mapping[str, OutputRecord] = field(default_factory=dict)  # source path -> what its output was made from
    pairs: Pairs | None = None  # None: not known (a cold start from the cache)
    links: LinkIndex | None = None
    listing: str | None = None  # what the site-wide pages (home pages, sitemap) were made from
    site_files: frozenset[str] = frozenset()  # the site-wide files the last full listing wrote
    build_id: str | None = None  # the id written into the output folder's marker
    fingerprint: int | None = None  # the order-free hash the build id is made from (see `keys.site_fingerprint`)
    key_inputs: tuple[dict[str, str], dict[str, str]] | None = (
        None  # the shared digests the outputs' keys were checked against
    )
    seen: Mapping[str, Seen] = field(default_factory=dict)
    stale: Staleness | None = None  # the stale translations of these pairs (None: not worked out)
    inputs: str = ""  # one digest of everything all pages share, as the cache records it
    approved: Mapping[str, Approval] = field(default_factory=dict)  # each page's approval its output shows
    standing: Mapping[str, Finding] = field(default_factory=dict)  # each page's text against its approval

    def without_outputs(self) -> BuildState:
        """The same sources, but no published site to build on (the output folder is not the one we built)."""
        return BuildState(sources=self.sources, key_inputs=self.key_inputs, inputs=self.inputs)


EMPTY = BuildState()


def load_state(cache: BuildCache, marker: str | None) -> BuildState:
    """The state the cache holds. Its outputs (and what was derived from them) count only if the output
    folder carries the build id the cache recorded: otherwise the site on disk is not the one it describes.
    Pairs, the link index and the fingerprint are not stored: they follow from the sources and outputs."""
    sources = {path: SourceState(mtime, size, page) for path, (mtime, size, page) in cache.sources().items()}
    if marker is None or marker != cache.meta("build_id"):
        return BuildState(sources=sources)
    return BuildState(
        sources=sources,
        outputs=cache.outputs(),
        build_id=marker,
        inputs=cache.meta("inputs") or "",
        listing=cache.meta("listing") or None,
        site_files=frozenset(json.loads(cache.meta("site_files") or "[]")),
    )  # no fingerprint stored: `Builder.resumed` reads it from the build id just checked, or a full plan works it out


def save_state(
    cache: BuildCache, after: BuildState, rendered: set[str], published: bool, read: Iterable[str] | None = None
) -> None:
    """Record in the cache what changed since it last saw the state: sources read anew (even if only
    touched), outputs rendered, and the site-wide facts, in one transaction. `read`: the sources this
    build read (the others are as the cache has them), or None to compare every source."""
    recorded = cache.stats()
    candidates = after.sources.items() if read is None else [(p, after.sources[p]) for p in read if p in after.sources]
    changed = {
        path: (s.mtime_ns, s.size, s.page) for path, s in candidates if recorded.get(path) != (s.mtime_ns, s.size)
    }
    removed = set() if recorded.keys() == after.sources.keys() else recorded.keys() - after.sources.keys()
    if not (changed or removed or rendered or published):
        return
    meta = {
        "build_id": after.build_id or "",
        "inputs": after.inputs,
        "listing": after.listing or "",
        "site_files": json.dumps(sorted(after.site_files)),
    }
    cache.save(meta, changed, after.outputs, set(changed), set(rendered), removed)
