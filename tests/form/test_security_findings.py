"""The outside security test's findings, each reproduced: sign-in off the event loop, strict query
parameters, same-site redirects, invisible characters, CSV cells after a split, private file modes."""

from __future__ import annotations

import csv
import io
import os
import stat
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.settings import SettingsError
from forms_backend.staff import accounts
from forms_backend.staff.accounts import add_user
from forms_backend.staff.export import neutralise
from tests.backend import GOOD, STAFF_PASSWORD, make_settings, submit
from tests.staff.test_staff_inbox import store


@pytest.fixture
def admin(signed_in_admin: TestClient) -> TestClient:
    return signed_in_admin


# -- 1. sign-in does not stall the server -------------------------------------------------------------


def test_password_checks_run_off_the_event_loop_a_few_at_a_time(
    tmp_path: Path, built_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    running, most = [0], [0]
    lock = threading.Lock()
    real_verify = accounts._verify

    def watched_verify(hashed: str, password: str) -> bool:
        with lock:
            threads.append(threading.current_thread().name)
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return real_verify(hashed, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(accounts, "_verify", watched_verify)
    with TestClient(create_app(make_settings(tmp_path, built_site, login_rate_limit_count=1000))) as client:
        add_user(client.app.state.database, "ana", STAFF_PASSWORD, "staff")  # type: ignore[attr-defined]
        loop_thread = client.portal.call(lambda: threading.current_thread().name)  # type: ignore[arg-type]

        async def eight_sign_ins() -> None:
            import anyio

            async with anyio.create_task_group() as group:
                for i in range(8):
                    group.start_soon(
                        accounts.authenticate, client.app.state.database, "ana" if i % 2 else "nobody", "wrong password"
                    )  # type: ignore[attr-defined]

        client.portal.call(eight_sign_ins)
    assert len(threads) == 8 and loop_thread not in threads
    assert most[0] <= accounts.PASSWORD_CHECKS_AT_ONCE


# -- 2. no query parameter gives a 500 ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/", "/staff/export.csv", "/staff/audit"])
@pytest.mark.parametrize("page", ["²", "٣", "1" * 31, "-1", "0", "", "1e3", " 2", "99999999999"])
def test_odd_page_numbers_never_give_a_server_error(admin: TestClient, path: str, page: str) -> None:
    response = admin.get(path, params={"page": page})
    assert response.status_code == 200


VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "²",
            "٣",
            "１２",
            "-5",
            "0",
            "",
            "9" * 40,
            "2026-13-45",
            "２０２６-01-01",
            "2026-W01-1",
            "new",
            "\x00",
            "%",
            "' OR 1=1 --",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
PARAMS = ["page", "status", "topic", "lang", "market", "from", "to", "next"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        ["/staff/", "/staff/export.csv", "/staff/audit", "/staff/login", "/staff/inquiries/7KM4-9QPX-2DHT"]
    ),
    query=st.lists(st.tuples(st.sampled_from(PARAMS), VALUES), max_size=6),
)
def test_no_staff_query_parameter_value_gives_a_server_error(
    admin: TestClient, path: str, query: list[tuple[str, str]]
) -> None:
    response = admin.get(path, params=query, follow_redirects=False)  # repeated keys included
    assert response.status_code < 500, (path, query)


# -- 3. redirects stay on the host the browser asked for -----------------------------------------------


def test_the_directory_redirect_ignores_a_forged_host_header(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        response = client.get("/en", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"] == "/en/"


# -- 4. invisible characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("email", "\u202egro.elpmaxe@x.example"),
        ("first_name", "Ana\u200b"),
        ("last_name", "\u2066Núñez\u2069"),
        ("member_id", "AB123\u200d456789"),
        ("phone", "513\u200e555 0142"),
    ],
)
def test_structured_fields_refuse_invisible_format_characters(
    tmp_path: Path, built_site: Path, field: str, value: str
) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        response = submit(client, "en", dict(GOOD, **{field: value}))
        count = client.portal.call(client.app.state.submissions.count)  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and "characters we cannot accept" in response.text
    assert count == 0


def test_a_joiner_inside_a_name_is_kept(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        assert submit(client, "en", dict(GOOD, first_name="Mehr\u200cnaz")).status_code == 303


def test_invisible_characters_in_a_message_are_shown_isolated_to_staff_and_spelled_out_in_the_export(
    admin: TestClient,
) -> None:
    [reference] = store(admin, message="Please call \u202eEVIL\u202c me")
    page = admin.get(f"/staff/inquiries/{reference}").text
    assert (
        '<bdi dir="auto">Please call <span class="hidden-char">[U+202E]</span>EVIL<span class="hidden-char">[U+202C]</span> me</bdi>'
        in page
    )
    assert "\u202e" not in page
    exported = admin.get("/staff/export.csv").content.decode("utf-8-sig")
    assert "Please call [U+202E]EVIL[U+202C] me" in exported and "\u202e" not in exported


# -- 5. CSV cells that become formulas after a split ----------------------------------------------------


def test_every_exported_cell_is_quoted_and_no_piece_of_a_split_cell_starts_a_formula(admin: TestClient) -> None:
    store(admin, message="abc;=1+1\t=2+2,@SUM(A1) -x")
    exported = admin.get("/staff/export.csv").content.decode("utf-8-sig")
    header, row = exported.split("\r\n")[:2]
    assert header.startswith('"reference","received"') and row.startswith('"') and row.endswith('"')
    message = next(csv.DictReader(io.StringIO(exported)))["message"]
    assert message == "abc;'=1+1\t'=2+2,'@SUM(A1) -x"
    for separator in (";", ",", "\t"):
        assert not any(piece.lstrip().startswith(("=", "+", "-", "@")) for piece in message.split(separator))


@pytest.mark.parametrize(
    "value,safe", [("=1+1", "'=1+1"), ("x; +1", "x; '+1"), ("a\n-1", "a\n'-1"), ("plain, text", "plain, text")]
)
def test_neutralise_marks_every_segment_a_spreadsheet_could_run(value: str, safe: str) -> None:
    assert neutralise(value) == safe


# -- 6. private file modes -----------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_database_files_are_private(tmp_path: Path, built_site: Path) -> None:
    settings = make_settings(tmp_path, built_site)
    with TestClient(create_app(settings)) as client:
        assert submit(client, "en").status_code == 303
        database = settings.data_dir / "inquiries.db"
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert mode(settings.data_dir) == 0o700
        assert {str(p): mode(p) for p in files if p.exists()} == {str(p): 0o600 for p in files if p.exists()}
        assert Path(f"{database}-wal").exists()


def test_production_refuses_to_start_on_a_database_others_can_read(tmp_path: Path, built_site: Path) -> None:
    settings = make_settings(tmp_path, built_site)
    with TestClient(create_app(settings)):
        pass
    os.chmod(settings.data_dir / "inquiries.db", 0o644)
    with pytest.raises(SettingsError, match="other users can read private data"):
        create_app(replace(settings, production=True))
    os.chmod(settings.data_dir / "inquiries.db", 0o600)
    create_app(replace(settings, production=True))  # and starts once it is private again
