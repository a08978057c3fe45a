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

from forms_backend.private_files import private_file
from forms_backend.storage.database import Dialect, IntegrityViolation, StorageUnavailable

T = TypeVar("T")
MAX_BATCH = 256
BUSY_SECONDS = 5.0  # how long a write waits for another process's lock before the member is told to try again

# SQLite's error names (extended codes start with the primary one) that mean the file cannot be written
# or read now; any other error is a bug in a statement and stays what it is.
_UNAVAILABLE = {
    "SQLITE_FULL": "disk_full",
    "SQLITE_READONLY": "read_only",
    "SQLITE_IOERR": "io_error",
    "SQLITE_CANTOPEN": "unreachable",
    "SQLITE_BUSY": "timeout",
    "SQLITE_LOCKED": "timeout",
    "SQLITE_PROTOCOL": "timeout",
    "SQLITE_NOTADB": "io_error",
    "SQLITE_CORRUPT": "io_error",
}


def unavailable(exc: BaseException) -> StorageUnavailable | None:
    """The StorageUnavailable that an SQLite error stands for, or None if it is not about the storage."""
    if isinstance(exc, StorageUnavailable):
        return exc
    if not isinstance(exc, sqlite3.Error) or isinstance(exc, sqlite3.IntegrityError):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, reason in _UNAVAILABLE.items():
        if name.startswith(prefix):
            return StorageUnavailable(reason, name)
    if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
        return StorageUnavailable("unreachable", "SQLITE_CANTOPEN")
    return None


def _translated(exc: BaseException) -> BaseException:
    return unavailable(exc) or exc


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

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityViolation(str(exc)) from None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.connection.execute(sql, params).fetchone()
        return row


def _connect(path: str) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    except sqlite3.Error as exc:
        raise _translated(exc) from None
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
        try:
            return await waiter
        except sqlite3.Error as exc:
            raise _translated(exc) from None

    def run_sync_write(self, work: Callable[[Any], T]) -> T:
        future: Future[T] = Future()
        self._jobs.put((work, future))
        try:
            return future.result()
        except sqlite3.Error as exc:
            raise _translated(exc) from None

    def _write_loop(self) -> None:
        connection: sqlite3.Connection | None = None
        while True:
            first = self._jobs.get()
            if first is None:
                if connection is not None:
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
            try:
                connection = connection or _connect(self.path)
            except BaseException as exc:
                _settle([waiter for _, waiter in batch], [(False, exc)] * len(batch))
                continue
            if not self._run_batch(connection, _SQLiteTx(connection), batch):
                # A full disk or a file made read-only can leave the connection in a state only a new
                # one is sure to be clear of; the next batch opens the file again, so recovery needs no restart.
                connection.close()
                connection = None

    @classmethod
    def _run_batch(
        cls, connection: sqlite3.Connection, tx: _SQLiteTx, batch: list[tuple[Callable[[Any], Any], Any]]
    ) -> bool:
        """Commit the batch with one fsync. Optimistic first: if any job fails (a replayed token),
        roll back and run the batch again with a savepoint per job, so only that job fails.
        False if the storage itself failed (every job of the batch is then told so)."""
        try:
            try:
                outcomes = cls._run_all(connection, tx, batch, isolate=False)
            except _JobFailed:
                outcomes = cls._run_all(connection, tx, batch, isolate=True)
        except BaseException as exc:
            outcomes = [(False, exc)] * len(batch)
        _settle([waiter for _, waiter in batch], outcomes)
        return not any(not ok and unavailable(value) for ok, value in outcomes)

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
                try:
                    connection.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite rolls back by itself when it cannot; the caller opens a new connection
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
                result = work(_SQLiteTx(connection))
            finally:
                connection.execute("ROLLBACK")
        except sqlite3.Error as exc:
            failure = unavailable(exc)
            if failure is None:
                self._readers.put(connection)
                raise
            connection.close()  # not put back: the next read opens the file again
            raise failure from None
        self._readers.put(connection)
        return result

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
