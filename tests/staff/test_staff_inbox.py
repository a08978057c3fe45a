"""Inquiry staff read, triage and answer submissions: access control, CSRF, inbox, view, export,
audit log, notifications and retention — on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.maintenance.retention import purge
from forms_backend.staff.accounts import add_user, set_disabled
from forms_backend.storage.database import IntegrityViolation
from tests.backend import GOOD, STAFF_PASSWORD, make_settings, staff_login, staff_post

STAFF_PAGES = ["/staff/", "/staff/inquiries/7KM4-9QPX-2DHT", "/staff/export.csv", "/staff/audit"]
STAFF_POSTS = [
    "/staff/search",
    "/staff/logout",
    "/staff/inquiries/7KM4-9QPX-2DHT/status",
    "/staff/inquiries/7KM4-9QPX-2DHT/assign",
    "/staff/inquiries/7KM4-9QPX-2DHT/notes",
]


@pytest.fixture
def staff_app(tmp_path: Path, built_site: Path, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, built_site, database_url=database_url))) as client:
        database = client.app.state.database  # type: ignore[attr-defined]
        add_user(database, "ana", STAFF_PASSWORD, "staff")
        add_user(database, "root", STAFF_PASSWORD, "admin")
        yield client


def store(client: TestClient, count: int = 1, **fields: str) -> list[str]:
    import secrets
    from datetime import date

    from forms_backend.form.fields import validate

    inquiry = validate(dict(GOOD, **fields), date.today()).inquiry
    assert inquiry is not None
    submissions = client.app.state.submissions  # type: ignore[attr-defined]
    return [
        client.portal.call(submissions.store, inquiry, fields.get("lang", "en"), secrets.token_hex(8))
        for _ in range(count)
    ]


def audit_actions(client: TestClient) -> list[tuple[str, str, str | None]]:
    rows = client.app.state.database.run_sync_read(
        lambda tx: tx.fetchall("SELECT actor, action, reference FROM audit_log ORDER BY id")
    )  # type: ignore[attr-defined]
    return [(str(a), str(b), c) for a, b, c in rows]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_requests_to_staff_pages_go_to_login(staff_app: TestClient, path: str) -> None:
    response = staff_app.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=")


@pytest.mark.parametrize("path", STAFF_POSTS)
def test_anonymous_posts_to_staff_actions_go_to_login(staff_app: TestClient, path: str) -> None:
    response = staff_app.post(path, data={"q": "x"}, headers={"origin": "http://testserver"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_login_sets_a_strict_httponly_session_cookie(staff_app: TestClient) -> None:
    response = staff_login(staff_app, "ana")
    assert response.status_code == 303 and response.headers["location"] == "/staff/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff/" in cookie


def test_wrong_password_is_refused_and_five_failures_lock_the_account(staff_app: TestClient) -> None:
    for _ in range(5):
        assert staff_login(staff_app, "ana", "wrong password!!").status_code == 401
    assert staff_login(staff_app, "ana").status_code == 401  # right password, but locked
    assert ("ana", "login.refused", None) in audit_actions(staff_app)


def test_staff_user_cannot_reach_admin_pages(staff_app: TestClient) -> None:
    staff_login(staff_app, "ana")
    assert staff_app.get("/staff/export.csv").status_code == 403
    assert staff_app.get("/staff/audit").status_code == 403
    assert staff_app.get("/staff/").status_code == 200


def test_disabled_users_session_stops_working(staff_app: TestClient) -> None:
    staff_login(staff_app, "ana")
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 200
    set_disabled(staff_app.app.state.database, "ana", True)  # type: ignore[attr-defined]
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 303


def test_tampered_session_cookie_is_rejected(staff_app: TestClient) -> None:
    staff_login(staff_app, "ana")
    value = staff_app.cookies["staff_session"]
    staff_app.cookies.clear()
    staff_app.cookies.set("staff_session", value, path="/staff/")
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 200  # the cookie, set back as it was, works
    staff_app.cookies.clear()
    staff_app.cookies.set("staff_session", value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1], path="/staff/")
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 303


def test_idle_session_expires(staff_app: TestClient) -> None:
    staff_login(staff_app, "ana")
    long_ago = (datetime.now(UTC) - timedelta(minutes=16)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    staff_app.app.state.database.run_sync_write(
        lambda tx: tx.execute("UPDATE staff_sessions SET last_seen = ?", (long_ago,))
    )  # type: ignore[attr-defined]
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("csrf", ["", "forged-token-0000"])
def test_missing_or_forged_csrf_token_is_rejected(staff_app: TestClient, csrf: str) -> None:
    [reference] = store(staff_app)
    staff_login(staff_app, "ana")
    response = staff_post(staff_app, f"/staff/inquiries/{reference}/status", {"status": "in_progress"}, csrf=csrf)
    assert response.status_code == 403
    assert staff_app.portal.call(staff_app.app.state.submissions.get, reference).status == "new"  # type: ignore[attr-defined]


def test_logout_ends_the_session(staff_app: TestClient) -> None:
    staff_login(staff_app, "ana")
    cookie = staff_app.cookies["staff_session"]
    assert staff_post(staff_app, "/staff/logout", {}).status_code == 303
    staff_app.cookies.clear()
    staff_app.cookies.set("staff_session", cookie, path="/staff/")  # a copied cookie is dead too
    assert staff_app.get("/staff/", follow_redirects=False).status_code == 303


def test_inbox_lists_newest_first_with_counts_and_filters(staff_app: TestClient) -> None:
    older = store(staff_app, 2, topic="claims")
    newer = store(staff_app, 1, topic="pharmacy", lang="es")
    staff_login(staff_app, "ana")
    html = staff_app.get("/staff/").text
    assert html.index(newer[0]) < html.index(older[0])
    assert "New (3)" in html and "<h2>3 submissions</h2>" in html
    claims = staff_app.get("/staff/?topic=claims").text
    assert older[0] in claims and newer[0] not in claims
    spanish = staff_app.get("/staff/?lang=es").text
    assert newer[0] in spanish and older[0] not in spanish
    today = datetime.now(UTC).date().isoformat()
    assert "<h2>3 submissions</h2>" in staff_app.get(f"/staff/?from={today}&to={today}").text
    assert "<h2>0 submissions</h2>" in staff_app.get("/staff/?to=2000-01-01").text
    assert "unknown status" in staff_app.get("/staff/?status=deleted").text


def test_inbox_is_paginated(staff_app: TestClient) -> None:
    store(staff_app, 51)
    staff_login(staff_app, "ana")
    first = staff_app.get("/staff/").text
    assert "Page 1 of 2" in first and first.count("/staff/inquiries/") == 50
    assert staff_app.get("/staff/?page=2").text.count("/staff/inquiries/") == 1


def test_search_matches_decrypted_fields_ignoring_accents_and_is_not_logged(
    staff_app: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    [match] = store(staff_app, 1, last_name="Núñez")
    [other] = store(staff_app, 1, last_name="Smith")
    staff_login(staff_app, "ana")
    sent = staff_post(staff_app, "/staff/search", {"q": "nunez"})
    assert sent.status_code == 303 and "nunez" not in sent.headers["location"].lower()
    results = staff_app.get(sent.headers["location"]).text
    assert match in results and other not in results and "1 result for your search" in results
    assert all("nunez" not in (detail or "").lower() for _, _, detail in audit_actions(staff_app))
    assert "nunez" not in caplog.text.lower()


def test_view_shows_every_field_and_records_who_looked(staff_app: TestClient) -> None:
    [reference] = store(staff_app, 1, preferred_language="es", contact_method="email")
    staff_login(staff_app, "ana")
    html = staff_app.get(f"/staff/inquiries/{reference}").text
    assert (
        "<strong>Answer in:</strong> Spanish" in html
        and '<strong>Contact by:</strong> email, <bdi dir="auto">maria@example.org</bdi>' in html
    )
    for value in (
        "María José",
        "O&#39;Brien-Núñez",
        "AB123456789",
        "27 March 1980 (1980-03-27)",
        "513-555-0142",
        GOOD["message"],
    ):
        assert value in html
    assert ("ana", "view", reference) in audit_actions(staff_app)


def test_status_assignment_and_notes_follow_the_workflow_and_are_audited(staff_app: TestClient) -> None:
    [reference] = store(staff_app)
    staff_login(staff_app, "ana")
    page = f"/staff/inquiries/{reference}"
    assert (
        staff_post(staff_app, page + "/status", {"status": "answered"}).status_code == 409
    )  # new → answered skips a step
    assert staff_post(staff_app, page + "/status", {"status": "in_progress"}).status_code == 303
    assert staff_post(staff_app, page + "/assign", {"assignee": "root"}).status_code == 303
    assert (
        staff_post(staff_app, page + "/notes", {"note": "Called back, left voicemail; diagnosis xyzzy"}).status_code
        == 303
    )
    html = staff_app.get(page).text
    assert "<dd>In progress</dd>" in html and "<dd>root</dd>" in html
    assert "ana, " in html and "Called back, left voicemail; diagnosis xyzzy" in html
    sealed = staff_app.app.state.database.run_sync_read(lambda tx: tx.fetchone("SELECT sealed FROM notes"))[0]  # type: ignore[attr-defined]
    assert b"xyzzy" not in bytes(sealed)
    actions = [action for actor, action, ref in audit_actions(staff_app) if ref == reference]
    assert actions[-4:] == ["status", "assign", "note", "view"]


def test_export_neutralises_formulas_and_round_trips_spanish_text(staff_app: TestClient) -> None:
    dangerous = {"first_name": "Ana", "last_name": "Peña", "message": '=HYPERLINK("http://evil")'}
    store(staff_app, 1, **dangerous)
    store(staff_app, 1, message="+1 llamé; -2 @SUM(A1) \tTabulación")
    staff_login(staff_app, "root")
    response = staff_app.get("/staff/export.csv")
    assert (
        response.headers["content-type"].startswith("text/csv")
        and "attachment" in response.headers["content-disposition"]
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["last_name"] for row in rows} >= {"Peña"}
    messages = {row["message"] for row in rows}
    assert '\'=HYPERLINK("http://evil")' in messages and "'+1 llamé; '-2 @SUM(A1) \tTabulación" in messages
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    assert ("root", "export", None) in audit_actions(staff_app)


def test_audit_log_is_append_only(staff_app: TestClient) -> None:
    staff_login(staff_app, "root")
    database = staff_app.app.state.database  # type: ignore[attr-defined]
    with pytest.raises(IntegrityViolation):
        database.run_sync_write(lambda tx: tx.execute("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(IntegrityViolation):
        database.run_sync_write(lambda tx: tx.execute("DELETE FROM audit_log"))
    html = staff_app.get("/staff/audit").text
    assert "<td>root</td><td>login</td>" in html


def test_retention_removes_exactly_the_expired_submissions_and_is_idempotent(staff_app: TestClient) -> None:
    old = store(staff_app, 3)
    recent = store(staff_app, 2)
    database = staff_app.app.state.database  # type: ignore[attr-defined]
    long_ago = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for reference in old:
        database.run_sync_write(
            lambda tx, r=reference: tx.execute(
                "UPDATE submissions SET created_at = ? WHERE reference = ?", (long_ago, r)
            )
        )
    assert purge(database, 365) == 3
    assert purge(database, 365) == 0
    left = {row[0] for row in database.run_sync_read(lambda tx: tx.fetchall("SELECT reference FROM submissions"))}
    assert left == set(recent)
    assert [a for _, a, _ in audit_actions(staff_app)].count("retention.purge") == 2


def test_session_cookie_is_secure_over_https(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site)), base_url="https://testserver") as client:
        add_user(client.app.state.database, "ana", STAFF_PASSWORD, "staff")  # type: ignore[attr-defined]
        response = staff_login(client, "ana")
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]
