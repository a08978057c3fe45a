"""Outages as incidents: the database wrapped so that a failure is logged when it begins and when it ends,
once each, however many requests meet it in between; and what /healthz reports meanwhile."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from forms_backend.storage.database import Database, Dialect, StorageUnavailable, Tx

T = TypeVar("T")
log = logging.getLogger("forms_backend.storage")


@dataclass
class Incident:
    failure: StorageUnavailable
    on_write: bool  # a full disk fails writes while reads go on: only a write that works ends it
    began: float
    requests: int = 1


class StorageWatch:
    """The one place that knows whether the storage is failing now."""

    def __init__(
        self, on_failure: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.incident: Incident | None = None
        self.on_failure = on_failure  # e.g. count it in the metrics, per reason
        self.clock = clock

    @property
    def failure(self) -> StorageUnavailable | None:
        return self.incident.failure if self.incident else None

    def failed(self, failure: StorageUnavailable, on_write: bool) -> None:
        if self.on_failure:
            self.on_failure(failure.reason)
        if self.incident is None:
            log.error(
                "storage unavailable: %s (%s); members get the try-again page and /healthz answers 503 until it recovers",
                failure.reason,
                failure.detail or "no detail",
            )
            self.incident = Incident(failure, on_write, self.clock())
            return
        self.incident.requests += 1
        self.incident.failure = failure
        self.incident.on_write = self.incident.on_write or on_write

    def worked(self, on_write: bool) -> None:
        incident = self.incident
        if incident is None or (incident.on_write and not on_write):
            return
        log.warning(
            "storage available again after %.0f s (%s); %d requests failed meanwhile",
            self.clock() - incident.began,
            incident.failure.reason,
            incident.requests,
        )
        self.incident = None


class WatchedDatabase:
    """A Database that reports every outcome to a StorageWatch. Same interface, same behaviour."""

    def __init__(self, database: Database, watch: StorageWatch) -> None:
        self.inner = database
        self.watch = watch
        self.dialect: Dialect = database.dialect

    @contextmanager
    def _watching(self, on_write: bool) -> Iterator[None]:
        try:
            yield
        except StorageUnavailable as failure:
            self.watch.failed(failure, on_write)
            raise
        self.watch.worked(on_write)

    async def write(self, work: Callable[[Tx], T]) -> T:
        with self._watching(on_write=True):
            return await self.inner.write(work)

    async def read(self, work: Callable[[Tx], T]) -> T:
        with self._watching(on_write=False):
            return await self.inner.read(work)

    def run_sync_write(self, work: Callable[[Tx], T]) -> T:
        with self._watching(on_write=True):
            return self.inner.run_sync_write(work)

    def run_sync_read(self, work: Callable[[Tx], T]) -> T:
        with self._watching(on_write=False):
            return self.inner.run_sync_read(work)

    async def close(self) -> None:
        await self.inner.close()

    def close_sync(self) -> None:
        self.inner.close_sync()


def probe_write(tx: Tx) -> None:
    """A write that needs the disk and the server as a member's does, and leaves one row behind."""
    tx.execute("DELETE FROM service_probe")
    tx.execute("INSERT INTO service_probe (id, at) VALUES (1, ?)", (str(time.time()),))
