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

from forms_backend.storage.database import Dialect, IntegrityViolation, StorageUnavailable

T = TypeVar("T")

# SQLSTATE classes and codes that say the server cannot take the work now (not that a statement is wrong).
_UNAVAILABLE_STATES = {
    "53100": "disk_full",  # disk_full
    "25006": "read_only",  # read_only_sql_transaction (a standby, or default_transaction_read_only)
    "57014": "timeout",  # query_canceled: statement_timeout
    "55P03": "timeout",  # lock_not_available: lock_timeout
    "57P01": "unreachable",  # admin_shutdown
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now (starting up, recovering)
    "58030": "io_error",  # io_error
}


def unavailable(exc: BaseException) -> StorageUnavailable | None:
    """The StorageUnavailable a psycopg error stands for, or None if it is not about the server's availability."""
    if isinstance(exc, StorageUnavailable):
        return exc
    state = getattr(exc, "sqlstate", None)
    if state in _UNAVAILABLE_STATES:
        return StorageUnavailable(_UNAVAILABLE_STATES[state], state)
    if state and state[:2] in ("08", "53"):  # connection exceptions; insufficient resources
        return StorageUnavailable("unreachable" if state.startswith("08") else "disk_full", state)
    if isinstance(exc, psycopg.OperationalError) and state is None:
        # No SQLSTATE: the connection was refused, lost, or the pool found none in time (PoolTimeout).
        return StorageUnavailable(
            "timeout" if "timeout" in type(exc).__name__.lower() else "unreachable", type(exc).__name__
        )
    return None


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

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            with self.connection.cursor() as cursor:
                cursor.executemany(self._adapt(sql), rows)  # pipelined: one round trip, not one per row
        except (psycopg.errors.IntegrityError, psycopg.errors.RaiseException) as exc:
            raise IntegrityViolation(str(exc).splitlines()[0]) from None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(self._adapt(sql), params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self.connection.execute(self._adapt(sql), params).fetchone()


class PostgresDatabase:
    dialect = Dialect.POSTGRES

    def __init__(self, url: str, max_size: int = 16, timeout: float | None = None) -> None:
        """`timeout` bounds each wait (for a connection, a statement, a lock) in seconds, so a member hears
        back within about twice that even with the server gone; None (command-line tools) leaves them unbounded."""
        kwargs: dict[str, Any] = {"autocommit": False}
        if timeout is not None:
            millis = int(timeout * 1000)
            kwargs |= {
                "connect_timeout": max(1, int(timeout)),
                "options": f"-c statement_timeout={millis} -c lock_timeout={millis}",
                # A server that vanishes without closing the socket (a cut cable, a frozen host) is noticed too.
                "keepalives": 1,
                "keepalives_idle": 5,
                "keepalives_interval": 2,
                "keepalives_count": 2,
                "tcp_user_timeout": millis,
            }
        self.timeout = timeout if timeout is not None else 30.0
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=True,
            kwargs=kwargs,
            timeout=self.timeout,
            # A connection from before a restart of the server is found broken here, not by a member's request.
            check=ConnectionPool.check_connection,
            reconnect_timeout=24 * 3600,  # keep trying through a long outage; recovery needs no restart
        )
        self.pool.wait(timeout=30)

    def run_sync_write(self, work: Callable[[Any], T]) -> T:
        try:
            with self.pool.connection() as connection:
                with connection.transaction():
                    return work(_PostgresTx(connection))
        except psycopg.Error as exc:
            failure = unavailable(exc)
            if failure is None:
                raise
            raise failure from None

    run_sync_read = run_sync_write

    async def write(self, work: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.run_sync_write, work)

    async def read(self, work: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.run_sync_read, work)

    async def close(self) -> None:
        await asyncio.to_thread(self.pool.close)

    def close_sync(self) -> None:
        self.pool.close()
