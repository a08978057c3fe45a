"""What every market's build asks about the same pages, worked out once per run of `SiteBuilder.build`.

Eight markets build the same content eight times; what depends only on the pages (not on a market's
contact lines) is the same answer eight times. `SiteBuilder.build` opens one `SharedWork` for its run;
the stages that can reuse an answer ask `remembered()` or `current()` (None outside such a run: a single
build or a test works it out each time, as before). Nothing here outlives the run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sitegen.errors import StaleTranslation


@dataclass
class SharedWork:
    # git's commit dates, by project and files (see `commit_dates`)
    commit_dates: dict[tuple[Path, frozenset[str]], dict[str, str]] = field(default_factory=dict)
    # each stale translation's warning, one object that every market reports (see `translations`)
    stale_warnings: dict[tuple[str, str, str], StaleTranslation] = field(default_factory=dict)
    # digests of pages whose text passed the checks that depend on it alone (no typed numbers or hours)
    texts_checked: set[str] = field(default_factory=set)


_CURRENT: ContextVar[SharedWork | None] = ContextVar("shared_work", default=None)


@contextmanager
def shared_work() -> Iterator[SharedWork]:
    """One run's shared answers, for as long as the run lasts."""
    work = SharedWork()
    token = _CURRENT.set(work)
    try:
        yield work
    finally:
        _CURRENT.reset(token)


def current() -> SharedWork | None:
    return _CURRENT.get()


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def remembered(table: Callable[[SharedWork], dict[K, V]], key: K, make: Callable[[], V]) -> V:
    """`make()`'s value, made once per run for `key` in the run's `table` (every time outside a run)."""
    work = _CURRENT.get()
    if work is None:
        return make()
    kept = table(work)
    if key not in kept:
        kept[key] = make()
    return kept[key]
