"""The interface both databases offer: run a function in a write or read transaction.

Queries are written once, with `?` placeholders, against `Tx`; each database adapts them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Dialect(enum.Enum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class IntegrityViolation(Exception):
    """A unique or other constraint failed (e.g. a replayed form token)."""


class StorageUnavailable(Exception):
    """The database cannot take or give data right now: a full disk, a read-only file, a server that is
    down or does not answer in time. Nothing of the transaction was stored; the request may be tried again.

    `reason` is one of REASONS: a word for logs, metrics and /healthz that carries no data or secret."""

    REASONS = ("disk_full", "read_only", "unreachable", "timeout", "io_error")

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in self.REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail  # the driver's error name or SQLSTATE, never a statement or a value


class Tx(Protocol):
    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters (in one round trip where the driver can)."""
        ...

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...


class Database(Protocol):
    dialect: Dialect

    async def write(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in a transaction that is durably committed before this returns."""
        ...

    async def read(self, work: Callable[[Tx], T]) -> T: ...

    def run_sync_write(self, work: Callable[[Tx], T]) -> T:
        """The same as `write`, for command-line tools and start-up (no event loop)."""
        ...

    def run_sync_read(self, work: Callable[[Tx], T]) -> T: ...

    async def close(self) -> None: ...

    def close_sync(self) -> None:
        """The same as `close`, for command-line tools (no event loop)."""
        ...
