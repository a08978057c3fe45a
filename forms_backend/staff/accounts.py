"""Staff accounts: argon2id password hashes, two roles, disabling, and lockout after failed logins."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from forms_backend.metrics import SIGN_INS
from forms_backend.staff import audit
from forms_backend.storage.database import Database, IntegrityViolation, Tx
from forms_backend.storage.records import utc_now

ROLES = (
    "staff",
    "supervisor",
    "admin",
)  # supervisors see reports; only admins export, read the audit log and manage users
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the user does not exist keeps the timing the same either way.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
# An argon2 check is ~100 ms of CPU and 64 MiB of memory. It runs in a worker thread (argon2-cffi
# releases the GIL) so the event loop keeps serving members, and at most this many run at once: a
# flood of sign-ins waits its turn here instead of taking every core and every thread.
PASSWORD_CHECKS_AT_ONCE = 2
_LIMITER: RunVar[CapacityLimiter] = RunVar("password_checks")  # one per event loop
T = TypeVar("T")


class AccountError(Exception):
    """A command-line account operation could not be done; the message says why."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    disabled: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_reports(self) -> bool:
        return self.role in ("admin", "supervisor")


def _user(row: tuple[Any, ...]) -> StaffUser:
    return StaffUser(int(row[0]), str(row[1]), str(row[2]), bool(row[3]))


def add_user(database: Database, username: str, password: str, role: str, actor: str = "cli") -> StaffUser:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise AccountError("passwords must be at least 12 characters")
    hashed = HASHER.hash(password)

    def insert(tx: Tx) -> StaffUser:
        try:
            tx.execute(
                "INSERT INTO staff_users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (username, hashed, role, utc_now()),
            )
        except IntegrityViolation:
            raise AccountError(f"user {username!r} already exists") from None
        audit.record(tx, actor, "user.add", detail=f"{username} ({role})")
        row = tx.fetchone("SELECT id, username, role, disabled FROM staff_users WHERE username = ?", (username,))
        assert row
        return _user(row)

    return database.run_sync_write(insert)


def set_disabled(database: Database, username: str, disabled: bool, actor: str = "cli") -> None:
    def update(tx: Tx) -> None:
        row = tx.fetchone("SELECT id FROM staff_users WHERE username = ?", (username,))
        if not row:
            raise AccountError(f"no user {username!r}")
        tx.execute("UPDATE staff_users SET disabled = ? WHERE id = ?", (1 if disabled else 0, row[0]))
        tx.execute("UPDATE staff_sessions SET revoked = 1 WHERE user_id = ?", (row[0],))
        audit.record(tx, actor, "user.disable" if disabled else "user.enable", detail=username)

    database.run_sync_write(update)


EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,}")


def set_email(database: Database, username: str, email: str, actor: str = "cli") -> None:
    """Where the user's daily digest goes ('' for none)."""
    if email and not EMAIL.fullmatch(email):
        raise AccountError(f"{email!r} is not an email address")

    def update(tx: Tx) -> None:
        if not tx.execute("UPDATE staff_users SET email = ? WHERE username = ?", (email or None, username)):
            raise AccountError(f"no user {username!r}")
        audit.record(tx, actor, "user.email", detail=f"{username}: {'set' if email else 'removed'}")

    database.run_sync_write(update)


def list_users(database: Database) -> list[StaffUser]:
    rows = database.run_sync_read(
        lambda tx: tx.fetchall("SELECT id, username, role, disabled FROM staff_users ORDER BY username")
    )
    return [_user(row) for row in rows]


async def active_users(database: Database) -> list[StaffUser]:
    rows = await database.read(
        lambda tx: tx.fetchall(
            "SELECT id, username, role, disabled FROM staff_users WHERE disabled = 0 ORDER BY username"
        )
    )
    return [_user(row) for row in rows]


async def authenticate(database: Database, username: str, password: str) -> StaffUser | None:
    """The user if the password is right and the account is usable; counts failures and locks."""
    row = await database.read(
        lambda tx: tx.fetchone(
            "SELECT id, username, role, disabled, password_hash, failed_logins, locked_until FROM staff_users WHERE username = ?",
            (username,),
        )
    )
    now = datetime.now(UTC)
    if row is None:
        await off_the_loop(_verify, _DUMMY_HASH, password)
        SIGN_INS.labels("failed").inc()
        return None
    user = _user(row)
    locked_until = row[6]
    if user.disabled or (locked_until and datetime.fromisoformat(str(locked_until).replace("Z", "+00:00")) > now):
        await off_the_loop(_verify, _DUMMY_HASH, password)
        SIGN_INS.labels("locked").inc()  # locked out or disabled: refused whatever the password
        await audit.append(database, username, "login.refused", detail="disabled" if user.disabled else "locked")
        return None
    if not await off_the_loop(_verify, str(row[4]), password):
        failures = int(row[5]) + 1
        lock = (now + LOCKOUT).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if failures >= MAX_FAILED_LOGINS else None

        def count_failure(tx: Tx) -> None:
            tx.execute(
                "UPDATE staff_users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                (0 if lock else failures, lock, user.id),
            )
            audit.record(
                tx, username, "login.failed", detail="locked for 15 minutes" if lock else f"attempt {failures}"
            )

        await database.write(count_failure)
        SIGN_INS.labels("failed").inc()
        return None

    rehashed = await off_the_loop(HASHER.hash, password) if HASHER.check_needs_rehash(str(row[4])) else None

    def clear_failures(tx: Tx) -> None:
        tx.execute("UPDATE staff_users SET failed_logins = 0, locked_until = NULL WHERE id = ?", (user.id,))
        if rehashed:
            tx.execute("UPDATE staff_users SET password_hash = ? WHERE id = ?", (rehashed, user.id))
        audit.record(tx, username, "login")

    await database.write(clear_failures)
    SIGN_INS.labels("ok").inc()
    return user


async def off_the_loop(function: Callable[..., T], *args: str) -> T:
    """Run a password hash or check in a worker thread, a few at a time."""
    try:
        limiter = _LIMITER.get()
    except LookupError:
        limiter = CapacityLimiter(PASSWORD_CHECKS_AT_ONCE)
        _LIMITER.set(limiter)
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
