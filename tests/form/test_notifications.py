"""Each new submission notifies the team by email through SMTP: the reference and a link, never PHI,
and a mail server that is down delays the email without losing the submission."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from forms_backend.app import create_app
from tests.backend import make_settings, submit
from tests.servers import free_port
from tests.service.test_real_server import PHI, PHI_MARKERS


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 Message accepted"


class SMTPServer:
    """A real SMTP server (aiosmtpd) on a loopback port, which can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    yield server
    server.stop()


def app_for(tmp_path: Path, built_site: Path, smtp: SMTPServer, database_url: str) -> TestClient:
    settings = make_settings(
        tmp_path,
        built_site,
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        notify_to="inquiries@plan.example",
        notify_from="tell-us@plan.example",
        notify_retry_seconds=0.2,
        public_base_url="https://members.plan.example",
    )
    return TestClient(create_app(settings))


def wait_for(condition: object, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_team_gets_an_email_with_reference_and_link_but_no_phi(
    tmp_path: Path, built_site: Path, smtp: SMTPServer, database_url: str
) -> None:
    smtp.start()
    with app_for(tmp_path, built_site, smtp, database_url) as client:
        response = submit(client, "es", PHI)
        assert response.status_code == 303
        reference = client.get(response.headers["location"]).text.split('<p class="reference">')[1][:14]
        assert wait_for(lambda: smtp.inbox.messages)
    email = message_from_bytes(smtp.inbox.messages[0])
    body = email.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert email["To"] == "inquiries@plan.example" and email["Subject"] == f"New Tell Us inquiry {reference}"
    assert f"https://members.plan.example/staff/inquiries/{reference}" in body
    for marker in PHI_MARKERS:
        assert marker not in smtp.inbox.messages[0].decode(errors="replace")


def test_mail_server_down_keeps_the_submission_and_sends_when_it_is_back(
    tmp_path: Path, built_site: Path, smtp: SMTPServer, database_url: str
) -> None:
    with app_for(tmp_path, built_site, smtp, database_url) as client:
        assert submit(client, "en", PHI).status_code == 303  # acknowledged although mail is down
        database = client.app.state.database  # type: ignore[attr-defined]
        assert wait_for(lambda: database.run_sync_read(lambda tx: tx.fetchone("SELECT attempts FROM outbox"))[0] >= 1)
        assert client.portal.call(client.app.state.submissions.count) == 1  # type: ignore[attr-defined]
        assert smtp.inbox.messages == []
        smtp.start()
        database.run_sync_write(
            lambda tx: tx.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
        )  # skip the back-off wait
        assert wait_for(lambda: len(smtp.inbox.messages) == 1)
        assert database.run_sync_read(lambda tx: tx.fetchone("SELECT sent_at IS NOT NULL FROM outbox"))[0]
