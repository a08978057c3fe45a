"""Through a real uvicorn server: full submissions in both languages, encryption at rest, no PHI in logs,
and no acknowledged submission lost when the server is killed mid-load (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from forms_backend.app import CONFIRMATION_SALT
from forms_backend.keys.crypto import FieldCipher, new_key_spec
from forms_backend.keys.signing import KeyedSigner
from tests.backend import GOOD, submit
from tests.servers import UvicornServer

SECRET = "real-server-test-secret"
PHI = dict(
    GOOD,
    first_name="Zenobia",
    last_name="Quackenbush",
    member_id="ZQ998877",
    email="zenobia.q@example.net",
    phone="(513) 555-0199",
    message="Diagnosis: rare-condition-xyzzy; prior auth for therapy denied",
)
PHI_MARKERS = [
    "Zenobia",
    "Quackenbush",
    "ZQ998877",
    "zenobia.q",
    "5135550199",
    "555-0199",
    "xyzzy",
    "1980-03-27",
    "03/27/1980",
]


def server_env(tmp_path: Path, site: Path, database_url: str, keys: str) -> dict[str, str]:
    return {
        "SITE_DIR": str(site),
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEYS": SECRET,
        "ENCRYPTION_KEYS": keys,
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT": "100000/1",
    }


def reference_of(response: httpx.Response) -> str:
    signed = response.headers["location"].split("?r=", 1)[1]
    return KeyedSigner([SECRET], salt=CONFIRMATION_SALT).unsign(signed).decode()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_full_submission_ends_on_confirmation_with_a_stored_encrypted_reference(
    tmp_path: Path, built_site: Path, lang: str
) -> None:
    keys = new_key_spec("k1")
    db_path = tmp_path / "data" / "inquiries.db"
    with (
        UvicornServer(
            server_env(tmp_path, built_site, f"sqlite:///{db_path}", keys), tmp_path / "server.log"
        ) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        response = submit(client, lang, PHI)
        assert response.status_code == 303
        confirmation = client.get(response.headers["location"])
        reference = re.search(r'<p class="reference">([0-9A-Z-]+)</p>', confirmation.text).group(1)  # type: ignore[union-attr]
        assert reference == reference_of(response)
        assert f'<html lang="{lang}">' in confirmation.text
    row = (
        sqlite3.connect(db_path)
        .execute("SELECT lang, sealed FROM submissions WHERE reference = ?", (reference,))
        .fetchone()
    )
    assert row[0] == lang
    assert FieldCipher.from_spec(keys).open(row[1], bound_to=reference)["last_name"] == "Quackenbush"
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("inquiries.db*"))
    assert reference.encode() in raw
    for marker in PHI_MARKERS:
        assert marker.encode() not in raw, f"{marker} readable in the database file"


def test_logs_of_a_full_submission_hold_no_health_information(tmp_path: Path, built_site: Path) -> None:
    env = server_env(tmp_path, built_site, f"sqlite:///{tmp_path / 'data' / 'db.sqlite'}", new_key_spec())
    with (
        UvicornServer({**env, "LOG_LEVEL": "debug", "FORMS_LOG_LEVEL": "debug"}, tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        assert submit(client, "en", PHI).status_code == 303
        assert (
            submit(client, "es", dict(PHI, email="bad")).status_code == 400
        )  # errors are not logged with values either
        logs = server.logs()
    assert "inquiry stored: reference=" in logs
    for marker in PHI_MARKERS:
        assert marker not in logs


def load_until_killed(
    server: UvicornServer, seconds: float, clients: int = 8, max_requests: int = 2000
) -> tuple[set[str], int]:
    """Submit from several clients until the server dies; return the references acknowledged with a 303."""
    acknowledged: set[str] = set()
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    sent = [0]

    def member() -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while time.monotonic() < stop_at:
                with lock:
                    if sent[0] >= max_requests:
                        return
                    sent[0] += 1
                try:
                    response = submit(client, "en", GOOD)
                except httpx.HTTPError:
                    with lock:
                        failures[0] += 1
                    if server.process and server.process.poll() is not None:
                        return
                    continue
                if response.status_code == 303:
                    with lock:
                        acknowledged.add(reference_of(response))

    threads = [threading.Thread(target=member) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    server.kill()
    for thread in threads:
        thread.join(30)
    return acknowledged, failures[0]


def stored_references(server: UvicornServer) -> set[str]:
    """Read back through the restarted app's own storage code."""

    from forms_backend.storage import open_database

    database = open_database(server.env["DATABASE_URL"])
    try:
        rows = database.run_sync_read(lambda tx: tx.fetchall("SELECT reference FROM submissions"))
        return {row[0] for row in rows}
    finally:
        database.close_sync()


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_no_acknowledged_submission_is_lost_when_the_server_is_killed(
    tmp_path: Path, built_site: Path, store: str, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'data' / 'inquiries.db'}"
        if store == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    server = UvicornServer(server_env(tmp_path, built_site, url, new_key_spec()), tmp_path / "server.log").start()
    acknowledged, _ = load_until_killed(server, seconds=4)
    assert len(acknowledged) >= 20, "the load never got going"
    restarted = UvicornServer(server.env, tmp_path / "server2.log")
    with restarted:
        assert httpx.get(restarted.url + "/healthz").status_code == 200
        missing = acknowledged - stored_references(restarted)
    assert missing == set()
