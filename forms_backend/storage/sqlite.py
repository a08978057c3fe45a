"""SQLite in WAL mode with group commit: one writer thread, one fsync per batch.

Concurrent requests each hand their work to the writer and await it. The writer runs every
waiting piece of work in one transaction, each inside its own savepoint (so one failure does
not undo the others), commits with synchronous=FULL, then wakes every waiter. Nobody is told
"stored" before the batch holding their row is on disk.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from ..private_files import private_file
from .database import Dialect, IntegrityViolation

T = TypeVar("T")
MAX_BATCH = 256


class _JobFailed(Exception):
    """One job of an optimistic batch failed: the batch is run again job by job."""


class _LoopWaiter:
    """An asyncio future to settle from the writer thread, through its own event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any]) -> None:
        self.loop = loop
        self.future = future

    def settle(self, ok: bool, value: Any) -> None:
        if self.future.cancelled():
            return
        if ok:
            self.future.set_result(value)
        else:
            self.future.set_exception(value)


def _settle(waiters: list[Any], outcomes: list[tuple[bool, Any]]) -> None:
    """Wake every waiter of a batch, with one call into each event loop rather than one per request."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_LoopWaiter, bool, Any]]] = {}
    for waiter, (ok, value) in zip(waiters, outcomes):
        if isinstance(waiter, _LoopWaiter):
            by_loop.setdefault(waiter.loop, []).append((waiter, ok, value))
        elif ok:
            waiter.set_result(value)
        else:
            waiter.set_exception(value)
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_on_loop, settled)
        except RuntimeError:
            pass  # that loop has closed; nobody is waiting any more


def _settle_on_loop(settled: list[tuple[_LoopWaiter, bool, Any]]) -> None:
    for waiter, ok, value in settled:
        waiter.settle(ok, value)


class _SQLiteTx:
    dialect = Dialect.SQLITE

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.connection.execute(sql, params).rowcount
        except sqlite3.IntegrityError as exc:
            raise IntegrityViolation(str(exc)) from None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.connection.execute(sql, params).fetchone()
        return row


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


class SQLiteDatabase:
    dialect = Dialect.SQLITE

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            private_file(Path(path))
        self.path = path
        self._jobs: queue.Queue[tuple[Callable[[Any], Any], Any] | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="sqlite-writer", daemon=True)
        self._writer.start()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()

    # -- writes: group commit -------------------------------------------------------------

    async def write(self, work: Callable[[Any], T]) -> T:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        self._jobs.put((work, _LoopWaiter(loop, waiter)))
        return await waiter

    def run_sync_write(self, work: Callable[[Any], T]) -> T:
        future: Future[T] = Future()
        self._jobs.put((work, future))
        return future.result()

    def _write_loop(self) -> None:
        connection = _connect(self.path)
        tx = _SQLiteTx(connection)
        while True:
            first = self._jobs.get()
            if first is None:
                connection.close()
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # finish this batch, then stop
                    break
                batch.append(job)
            self._run_batch(connection, tx, batch)

    @classmethod
    def _run_batch(
        cls, connection: sqlite3.Connection, tx: _SQLiteTx, batch: list[tuple[Callable[[Any], Any], Any]]
    ) -> None:
        """Commit the batch with one fsync. Optimistic first: if any job fails (a replayed token),
        roll back and run the batch again with a savepoint per job, so only that job fails."""
        try:
            outcomes = cls._run_all(connection, tx, batch, isolate=False)
        except _JobFailed:
            outcomes = cls._run_all(connection, tx, batch, isolate=True)
        except BaseException as exc:
            outcomes = [(False, exc)] * len(batch)
        _settle([waiter for _, waiter in batch], outcomes)

    @staticmethod
    def _run_all(
        connection: sqlite3.Connection, tx: _SQLiteTx, batch: list[tuple[Callable[[Any], Any], Any]], isolate: bool
    ) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        connection.execute("BEGIN IMMEDIATE")
        try:
            for work, _ in batch:
                if not isolate:
                    try:
                        outcomes.append((True, work(tx)))
                    except Exception as exc:
                        raise _JobFailed() from exc
                    continue
                connection.execute("SAVEPOINT job")
                try:
                    outcomes.append((True, work(tx)))
                    connection.execute("RELEASE job")
                except Exception as exc:  # one job's failure must not undo the others
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    outcomes.append((False, exc))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return outcomes

    # -- reads: a small pool of connections used from worker threads --------------------------

    async def read(self, work: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.run_sync_read, work)

    def run_sync_read(self, work: Callable[[Any], T]) -> T:
        try:
            connection = self._readers.get_nowait()
        except queue.Empty:
            connection = _connect(self.path)
        try:
            connection.execute("BEGIN")
            try:
                return work(_SQLiteTx(connection))
            finally:
                connection.execute("ROLLBACK")
        finally:
            self._readers.put(connection)

    async def close(self) -> None:
        await asyncio.to_thread(self.close_sync)

    def close_sync(self) -> None:
        self._jobs.put(None)
        self._writer.join(10)
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break
