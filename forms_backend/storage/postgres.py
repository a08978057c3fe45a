"""PostgreSQL through psycopg's connection pool; each write commits before it returns.

PostgreSQL already groups the fsyncs of concurrent commits, so each request simply runs its
own transaction on a pooled connection (in a worker thread, like SQLite's readers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from .database import Dialect, IntegrityViolation

T = TypeVar("T")


class _PostgresTx:
    dialect = Dialect.POSTGRES

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    @staticmethod
    def _adapt(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.connection.execute(self._adapt(sql), params).rowcount
        except (psycopg.errors.IntegrityError, psycopg.errors.RaiseException) as exc:
            raise IntegrityViolation(str(exc).splitlines()[0]) from None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(self._adapt(sql), params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.connection.execute(self._adapt(sql), params).fetchone()


class PostgresDatabase:
    dialect = Dialect.POSTGRES

    def __init__(self, url: str, max_size: int = 16) -> None:
        self.pool = ConnectionPool(url, min_size=1, max_size=max_size, open=True, kwargs={"autocommit": False})
        self.pool.wait(timeout=30)

    def run_sync_write(self, work: Callable[[Any], T]) -> T:
        with self.pool.connection() as connection:
            with connection.transaction():
                return work(_PostgresTx(connection))

    run_sync_read = run_sync_write

    async def write(self, work: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.run_sync_write, work)

    async def read(self, work: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.run_sync_read, work)

    async def close(self) -> None:
        await asyncio.to_thread(self.pool.close)

    def close_sync(self) -> None:
        self.pool.close()
