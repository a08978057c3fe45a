"""The service on a bad day, through a real uvicorn server: a full disk, a database file made read-only,
a PostgreSQL server stopped as a crash would stop it. In each case the member gets the form back in
their language with everything kept, a 503 with Retry-After and a number to call; no reference is ever
shown for a row that was not stored; /healthz says 503 while it lasts; the service recovers by itself;
and the log tells of the outage once, not once per request, without a member's words."""

from __future__ import annotations

import html
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest

from forms_backend.keys.crypto import new_key_spec
from tests.backend import STAFF_PASSWORD, csrf_of, staff_login, staff_post
from tests.servers import PostgresCluster, UvicornServer
from tests.service.test_real_server import PHI, PHI_MARKERS, reference_of, server_env

MEMBER = dict(PHI, message="Mi autorización previa fue negada. Llámenme, por favor: xyzzy")


def post_form(client: httpx.Client, lang: str) -> httpx.Response:
    path = {"en": "/en/tell-us/", "es": "/es/cuentenos/"}[lang]
    page = client.get(path)
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    headers = {"origin": str(client.base_url).rstrip("/")}
    return client.post(path, data={**MEMBER, "token": token}, headers=headers, follow_redirects=False)


class Acknowledged:
    """Every reference the server gave a member, to hold against what the database holds."""

    def __init__(self) -> None:
        self.references: list[str] = []

    def send(self, client: httpx.Client, lang: str = "en") -> httpx.Response:
        response = post_form(client, lang)
        if response.status_code == 303:
            self.references.append(reference_of(response))
        return response


def assert_not_sent_page(response: httpx.Response, lang: str) -> None:
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "location" not in response.headers
    text = html.unescape(response.text)
    assert f'<html lang="{lang}">' in response.text
    assert {"en": "Your message was not sent", "es": "Su mensaje no se envió"}[lang] in text
    assert 'href="tel:+18446072829"' in response.text  # Member Services, tap to call
    for name in ("first_name", "last_name", "member_id", "email"):
        assert f'value="{MEMBER[name]}"' in text, name
    assert MEMBER["message"] in text
    assert "sent/?r=" not in response.text  # no confirmation, no reference


def wait_until_healthy(client: httpx.Client, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get("/healthz").status_code == 200:
            return
        time.sleep(0.25)
    raise AssertionError("/healthz did not recover")


def outage_drill(
    server: UvicornServer,
    break_storage: Callable[[], None],
    mend_storage: Callable[[], None],
    stored_references: Callable[[], set[str]],
    staff_check: Callable[[httpx.Client, str], httpx.Response],
) -> None:
    acknowledged = Acknowledged()
    add_staff_user(server)
    with httpx.Client(base_url=server.url, timeout=30) as client, httpx.Client(base_url=server.url) as staff:
        assert acknowledged.send(client).status_code == 303
        assert staff_login(staff, "ana").status_code == 303
        csrf = csrf_of(staff)
        break_storage()
        for lang in ("es", "en", "es"):
            started = time.monotonic()
            response = acknowledged.send(client, lang)
            assert time.monotonic() - started < 12, "the member must hear back within about ten seconds"
            assert_not_sent_page(response, lang)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        page = staff_check(staff, csrf)
        assert page.status_code == 503
        assert "The database is unavailable" in page.text
        mend_storage()
        wait_until_healthy(client)
        assert acknowledged.send(client, "es").status_code == 303
        assert acknowledged.send(client, "en").status_code == 303
    server.stop()
    assert stored_references() == set(acknowledged.references)
    assert len(acknowledged.references) == 3
    logs = server.logs()
    assert logs.count("storage unavailable:") == 1, logs
    assert logs.count("storage available again") == 1, logs
    assert " 500 " not in logs
    assert "error connecting" not in logs  # the pool's own warning at every retry is held back
    for marker in PHI_MARKERS:
        assert marker not in logs


def sqlite_references(path: Path) -> Callable[[], set[str]]:
    def references() -> set[str]:
        with sqlite3.connect(path) as connection:
            return {row[0] for row in connection.execute("SELECT reference FROM submissions")}

    return references


@contextmanager
def small_filesystem(folder: Path, size: str = "8m") -> Iterator[Path]:
    folder.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write a file until the file system has no room left."""
    with (folder / "filler").open("wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_sqlite_on_a_full_disk_gives_the_form_back_and_recovers_when_space_returns(
    tmp_path: Path, built_site: Path
) -> None:
    with small_filesystem(tmp_path / "data") as data:
        db = data / "inquiries.db"
        env = server_env(tmp_path, built_site, f"sqlite:///{db}", new_key_spec("k1"))
        server = UvicornServer(env, tmp_path / "server.log").start()
        try:
            outage_drill(
                server,
                break_storage=lambda: fill(data),
                mend_storage=lambda: (data / "filler").unlink(),
                stored_references=sqlite_references(db),
                staff_check=staff_writes_a_note,
            )
        finally:
            server.stop()


def add_staff_user(server: UvicornServer) -> None:
    subprocess.run(
        [sys.executable, "-m", "forms_backend", "users", "add", "ana", "--role", "admin", "--password-stdin"],
        input=STAFF_PASSWORD,
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )


def staff_writes_a_note(staff: httpx.Client, csrf: str) -> httpx.Response:
    """A write: on a full disk or a read-only file, reading the inbox still works, but this cannot."""
    reference = staff.get("/staff/").text.split('href="/staff/inquiries/', 1)[1].split('"', 1)[0]
    return staff_post(staff, f"/staff/inquiries/{reference}/notes", {"note": "Called back"}, csrf)


def staff_reads_the_inbox(staff: httpx.Client, csrf: str) -> httpx.Response:
    return staff.get("/staff/")


def chattr(flag: str, *paths: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)


def test_sqlite_file_made_read_only_gives_the_form_back_and_recovers_when_writable_again(
    tmp_path: Path, built_site: Path
) -> None:
    db = tmp_path / "data" / "inquiries.db"
    env = server_env(tmp_path, built_site, f"sqlite:///{db}", new_key_spec("k1"))
    server = UvicornServer(env, tmp_path / "server.log").start()
    files = (db, Path(f"{db}-wal"))
    try:
        chattr(
            "+i", *files
        )  # immutable: even root's open descriptors can no longer write (a 0444 file would not stop root)
        chattr("-i", *files)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        server.stop()
        pytest.skip(f"this file system cannot make a file read-only for root: {exc}")
    try:
        outage_drill(
            server,
            break_storage=lambda: chattr("+i", *files),
            mend_storage=lambda: chattr("-i", *files),
            stored_references=sqlite_references(db),
            staff_check=staff_writes_a_note,
        )
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], capture_output=True)
        server.stop()


@pytest.mark.postgres
def test_postgres_stopped_under_a_running_server_gives_the_form_back_and_recovers_when_it_returns(
    tmp_path: Path, built_site: Path
) -> None:
    cluster = PostgresCluster().start()  # its own: the session's cluster serves the other tests
    try:
        env = {**server_env(tmp_path, built_site, cluster.url, new_key_spec("k1")), "DATABASE_TIMEOUT": "3"}
        server = UvicornServer(env, tmp_path / "server.log").start()

        def references() -> set[str]:
            with psycopg.connect(cluster.url) as connection:
                return {row[0] for row in connection.execute("SELECT reference FROM submissions")}

        try:
            outage_drill(server, cluster.halt, cluster.resume, references, staff_reads_the_inbox)
        finally:
            server.stop()
    finally:
        cluster.stop()
