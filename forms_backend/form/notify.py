"""Tell the inquiry team a submission arrived: an email with the reference and a staff link, never
the member's identity or message.

The outbox row is written in the same transaction as the submission, so a mail server that is
down loses nothing: the sender retries with back-off until the mail is accepted.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import partial

from forms_backend.settings import Settings
from forms_backend.storage.database import Database, StorageUnavailable, Tx
from forms_backend.storage.records import stamp

log = logging.getLogger("forms_backend.form.notify")
BATCH = 20
LEASE = timedelta(minutes=2)  # another worker will not pick up a row this one is sending


def _execute(tx: Tx, sql: str, params: tuple[object, ...]) -> int:
    return tx.execute(sql, params)


def backoff(attempts: int, base_seconds: float) -> timedelta:
    return timedelta(seconds=min(base_seconds * 2 ** max(0, attempts - 1), 3600))


class Notifier:
    def __init__(self, database: Database, settings: Settings, render: Callable[[str], tuple[str, str]]) -> None:
        self.database = database
        self.settings = settings
        self.render = render  # reference -> (subject, body), from the staff templates
        self.wake = asyncio.Event()

    async def run(self) -> None:
        """Send what is due, then sleep until woken by a new submission or the retry interval passes."""
        while True:
            try:
                await self.send_due()
            except StorageUnavailable:
                pass  # the rows stay queued; the storage watch logs the outage once, not at every pass
            except Exception:  # never let the sender die; the rows stay queued
                log.exception("notification pass failed")
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.settings.notify_retry_seconds)
            except TimeoutError:
                pass
            self.wake.clear()

    async def send_due(self) -> int:
        sent = 0
        for reference, attempts, mail in await self.database.write(self._claim):
            try:
                await asyncio.to_thread(self._send, reference, mail)
            except (OSError, smtplib.SMTPException) as exc:
                retry = stamp(datetime.now(UTC) + backoff(attempts + 1, self.settings.notify_retry_seconds))
                error = type(exc).__name__
                await self.database.write(
                    partial(
                        _execute,
                        sql="UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?"
                        " WHERE reference = ?",
                        params=(retry, error, reference),
                    )
                )
                log.warning("notification for %s not sent (%s); will retry", reference, error)
                continue
            await self.database.write(
                partial(
                    _execute,
                    sql="UPDATE outbox SET sent_at = ?, last_error = NULL WHERE reference = ?",
                    params=(stamp(datetime.now(UTC)), reference),
                )
            )
            sent += 1
        return sent

    @staticmethod
    def _claim(tx: Tx) -> list[tuple[str, int, tuple[str, str, str] | None]]:
        now = datetime.now(UTC)
        rows = tx.fetchall(
            "SELECT reference, attempts, recipient, subject, body FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at LIMIT ?",
            (stamp(now), BATCH),
        )
        claimed = []
        for reference, attempts, recipient, subject, body in rows:
            if tx.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE reference = ? AND sent_at IS NULL AND next_attempt_at <= ?",
                (stamp(now + LEASE), reference, stamp(now)),
            ):
                mail = (str(recipient), str(subject), str(body)) if recipient else None
                claimed.append((str(reference), int(attempts), mail))
        return claimed

    def _send(self, reference: str, mail: tuple[str, str, str] | None = None) -> None:
        """Send the new-inquiry notice for `reference` to the team, or a row's own mail (a digest) to its recipient."""
        recipient, subject, body = mail if mail else (self.settings.notify_to, *self.render(reference))
        message = EmailMessage()
        message["From"] = self.settings.notify_from
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            smtp.send_message(message)
