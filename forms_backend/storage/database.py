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


class Tx(Protocol):
    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""
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
