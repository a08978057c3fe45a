"""Per-client rate limits (form posts, staff sign-ins): one interface, two stores.

A token bucket per client: `count` requests per `seconds`, refilled smoothly. On SQLite (one local
process) the buckets live in memory. On PostgreSQL, where production runs several workers on
several hosts, they live in one small table and each check is one atomic upsert, so a client gets
the configured allowance in total, not once per worker; rows of clients whose bucket is full again
are deleted now and then, so the table holds only recent clients.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

from forms_backend.storage.database import Database, Dialect, Tx


class RateLimiter(Protocol):
    async def allow(self, client: str) -> bool:
        """True if this client may make one more request now (and count it)."""
        ...


class MemoryRateLimiter:
    """Buckets in this process's memory. Bounded: the least recently seen clients are forgotten."""

    def __init__(self, count: int, seconds: float, max_clients: int = 100_000) -> None:
        self.capacity = float(count)
        self.rate = count / seconds
        self.max_clients = max_clients
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def allow(self, client: str) -> bool:
        return self.allow_at(client, time.monotonic())

    def allow_at(self, client: str, now: float) -> bool:
        tokens, stamp = self.buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
        allowed = tokens >= 1
        self.buckets[client] = (tokens - 1 if allowed else tokens, now)
        while len(self.buckets) > self.max_clients:
            self.buckets.popitem(last=False)
        return allowed


# One statement: read the bucket, refill it for the time passed, take a token if there is one.
# The row lock of ON CONFLICT makes concurrent checks from every worker count once each.
_REFILLED = "LEAST(CAST(? AS DOUBLE PRECISION), r.tokens + (EXCLUDED.stamp - r.stamp) * CAST(? AS DOUBLE PRECISION))"
_TAKE = f"""
INSERT INTO rate_limits AS r (bucket, client, tokens, stamp, allowed)
VALUES (?, ?, CAST(? AS DOUBLE PRECISION) - 1, EXTRACT(EPOCH FROM clock_timestamp()), TRUE)
ON CONFLICT (bucket, client) DO UPDATE SET
    tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
    stamp = EXCLUDED.stamp,
    allowed = {_REFILLED} >= 1
RETURNING allowed
"""
_FORGET_FULL = "DELETE FROM rate_limits WHERE bucket = ? AND stamp < EXTRACT(EPOCH FROM clock_timestamp()) - CAST(? AS DOUBLE PRECISION)"
CLEAN_EVERY = 500  # checks between deletions of rows whose bucket has refilled completely


class SharedRateLimiter:
    """Buckets in the PostgreSQL database every worker shares."""

    def __init__(self, database: Database, bucket: str, count: int, seconds: float) -> None:
        self.database = database
        self.bucket, self.capacity, self.rate, self.seconds = bucket, float(count), count / seconds, float(seconds)
        self.checks = 0

    async def allow(self, client: str) -> bool:
        self.checks += 1
        clean = self.checks % CLEAN_EVERY == 0
        refill = (self.capacity, self.rate)
        params = (self.bucket, client, self.capacity, *refill, *refill, *refill)

        def take(tx: Tx) -> bool:
            row = tx.fetchone(_TAKE, params)
            if clean:
                tx.execute(_FORGET_FULL, (self.bucket, self.seconds))
            return bool(row and row[0])

        return await self.database.write(take)


def rate_limiter(database: Database, bucket: str, count: int, seconds: float) -> RateLimiter:
    """Shared across workers on PostgreSQL; in memory on SQLite (local runs, one process)."""
    if database.dialect is Dialect.POSTGRES:
        return SharedRateLimiter(database, bucket, count, seconds)
    return MemoryRateLimiter(count, seconds)
