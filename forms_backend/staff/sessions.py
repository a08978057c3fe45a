"""Server-side staff sessions behind a signed cookie, with idle logoff and CSRF tokens.

The cookie carries a random session id, signed so a tampered cookie is refused before any
lookup; the database keeps only its SHA-256, when it was last used, and whether it was revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature

from forms_backend.keys.signing import KeyedSigner
from forms_backend.staff.accounts import StaffUser
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import utc_now

COOKIE = "staff_session"
TOUCH_EVERY = timedelta(seconds=60)  # write last_seen at most once a minute per session


@dataclass(frozen=True)
class Session:
    token: str
    user: StaffUser
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class StaffSessions:
    def __init__(self, database: Database, secret_keys: Sequence[str], idle_minutes: int) -> None:
        self.database = database
        self.signer = KeyedSigner(secret_keys, salt="memberpages.staff-session.v1")
        self.csrf_key = hashlib.sha256(b"csrf:" + str(secret_keys[-1]).encode()).digest()
        self.idle = timedelta(minutes=idle_minutes)

    async def start(self, user: StaffUser) -> str:
        """Create a session; return the signed cookie value."""
        token = secrets.token_urlsafe(32)
        now = utc_now()
        await self.database.write(
            lambda tx: tx.execute(
                "INSERT INTO staff_sessions (token_hash, user_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
                (_hash(token), user.id, now, now),
            )
        )
        return self.signer.sign(token).decode()

    async def current(self, cookie: str | None) -> Session | None:
        """The live session for this cookie, or None (missing, tampered, revoked, idle, user disabled)."""
        if not cookie:
            return None
        try:
            token = self.signer.unsign(cookie).decode()
        except BadSignature:
            return None
        row = await self.database.read(
            lambda tx: tx.fetchone(
                "SELECT u.id, u.username, u.role, u.disabled, s.last_seen, s.revoked FROM staff_sessions s"
                " JOIN staff_users u ON u.id = s.user_id WHERE s.token_hash = ?",
                (_hash(token),),
            )
        )
        if row is None or row[3] or row[5]:
            return None
        now = datetime.now(UTC)
        last_seen = _parse(str(row[4]))
        if now - last_seen > self.idle:
            await self.end(cookie)
            return None
        if now - last_seen > TOUCH_EVERY:
            await self.database.write(
                lambda tx: tx.execute(
                    "UPDATE staff_sessions SET last_seen = ? WHERE token_hash = ?", (utc_now(), _hash(token))
                )
            )
        user = StaffUser(int(row[0]), str(row[1]), str(row[2]), False)
        return Session(token, user, self.csrf_for(token))

    async def end(self, cookie: str | None) -> None:
        if not cookie:
            return
        try:
            token = self.signer.unsign(cookie).decode()
        except BadSignature:
            return

        def revoke(tx: Tx) -> None:
            tx.execute("UPDATE staff_sessions SET revoked = 1 WHERE token_hash = ?", (_hash(token),))

        await self.database.write(revoke)

    def csrf_for(self, token: str) -> str:
        return hmac.new(self.csrf_key, token.encode(), "sha256").hexdigest()

    def csrf_ok(self, session: Session, submitted: str) -> bool:
        return hmac.compare_digest(session.csrf, submitted or "")
