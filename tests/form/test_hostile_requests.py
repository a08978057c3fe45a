"""Every hostile request gets a clear 4xx page in the member's language and stores nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.form.fields import FIELD_NAMES
from forms_backend.form.tokens import SALT
from tests.backend import FORM, GOOD, fresh_token, make_settings, submit
from tests.text import main_text


@dataclass
class Backend:
    client: TestClient

    def stored(self) -> int:
        return int(self.client.portal.call(self.client.app.state.submissions.count))  # type: ignore[attr-defined]


@pytest.fixture
def backend(tmp_path: Path, built_site: Path) -> Iterator[Backend]:
    with TestClient(create_app(make_settings(tmp_path, built_site, max_body_bytes=8192, token_max_age=60))) as client:
        yield Backend(client)


def urlencoded(client: TestClient, body: bytes, lang: str = "en", **headers: str) -> Any:
    return client.post(
        FORM[lang],
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver", **headers},
    )


def body_with(client: TestClient, extra: str) -> bytes:
    return f"token={fresh_token(client)}&first_name=Ana&last_name=Diaz&phone=5135550142&contact_method=phone&preferred_language=en&topic=claims&message=hi{extra}".encode()


def signed_with(secret: str, payload: str, age_seconds: int = 0) -> str:
    """A token signed with `secret`, dated `age_seconds` in the past."""

    class BackdatedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    return BackdatedSigner(secret, salt=SALT).sign(payload).decode()


HOSTILE: list[tuple[str, Callable[[TestClient], Any], int, str]] = [
    ("oversized body", lambda c: urlencoded(c, body_with(c, "&message=" + "a" * 9000)), 413, "too large"),
    (
        "oversized body without length",
        lambda c: c.post(
            FORM["en"],
            content=iter([b"message=", b"a" * 9000]),
            headers={"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"},
        ),
        413,
        "too large",
    ),
    ("invalid utf-8", lambda c: urlencoded(c, body_with(c, "") + b"&last_name=%ff%fe"), 400, "could not read"),
    (
        "nul byte",
        lambda c: urlencoded(c, body_with(c, "").replace(b"first_name=Ana", b"first_name=A%00na")),
        400,
        "could not read",
    ),
    ("unknown field", lambda c: urlencoded(c, body_with(c, "&is_admin=1")), 400, "could not read"),
    ("repeated field", lambda c: urlencoded(c, body_with(c, "&first_name=Bob")), 400, "could not read"),
    ("missing token", lambda c: submit(c, token=""), 400, "could not accept this form"),
    (
        "forged token",
        lambda c: submit(c, token=signed_with("not-our-secret", "nonce:en")),
        400,
        "could not accept this form",
    ),
    (
        "token for the other language",
        lambda c: submit(c, token=fresh_token(c, "es")),
        400,
        "could not accept this form",
    ),
    (
        "honeypot filled",
        lambda c: submit(c, fields=dict(GOOD, website="http://spam.example")),
        400,
        "could not accept this form",
    ),
    (
        "wrong content type",
        lambda c: c.post(FORM["en"], json=GOOD, headers={"origin": "http://testserver"}),
        415,
        "could not read",
    ),
    (
        "multipart",
        lambda c: c.post(FORM["en"], data=GOOD, files={"f": ("a.txt", b"x")}, headers={"origin": "http://testserver"}),
        415,
        "could not read",
    ),
    (
        "wrong origin",
        lambda c: submit(c, origin="https://evil.example"),
        403,
        "only accept this form from our own website",
    ),
    ("no origin or referer", lambda c: submit(c, origin="", headers={"origin": ""}), 403, "only accept this form"),
]


@pytest.mark.parametrize(("name", "attack", "status", "says"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_request_gets_clear_4xx_page_and_stores_nothing(
    backend: Backend, name: str, attack: Callable[[TestClient], Any], status: int, says: str
) -> None:
    response = attack(backend.client)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert says in main_text(response.text)
    assert backend.stored() == 0


def test_replayed_token_is_refused_and_stores_one_row(backend: Backend) -> None:
    token = fresh_token(backend.client)
    assert submit(backend.client, token=token).status_code == 303
    again = submit(backend.client, token=token)
    assert again.status_code == 409
    assert "already sent" in main_text(again.text)
    assert backend.stored() == 1


def test_expired_token_returns_the_form_with_answers_kept(backend: Backend) -> None:
    old = signed_with("test-secret-key-one", "nonce:en", age_seconds=120)
    response = submit(backend.client, token=old)
    assert response.status_code == 400
    assert "We kept your answers" in response.text and 'value="María José"' in response.text
    assert backend.stored() == 0


def test_too_fast_submission_is_not_stored(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site, min_fill_seconds=30))) as client:
        response = submit(client)
        assert response.status_code == 400 and "press Send again" in response.text
        assert client.portal.call(client.app.state.submissions.count) == 0  # type: ignore[attr-defined]


def test_rate_limit_stops_a_flood_from_one_client(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site, rate_limit_count=3))) as client:
        statuses = [submit(client).status_code for _ in range(5)]
        assert statuses == [303, 303, 303, 429, 429]
        assert "wait a few minutes" in main_text(
            submit(client, "es").text.replace("Espere unos minutos", "wait a few minutes")
        )


def test_script_in_every_field_is_stored_as_text_and_escaped_on_output(backend: Backend) -> None:
    attack = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)>"
    fields = {name: attack for name in FIELD_NAMES}
    response = submit(backend.client, fields=dict(fields, website=""))
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    good = dict(GOOD, message=attack, last_name="Smith")
    assert submit(backend.client, fields=good).status_code == 303
    assert backend.stored() == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*FIELD_NAMES, "website", "token"]), st.text(max_size=300)))
def test_random_field_values_never_cause_a_server_error(backend: Backend, fields: dict[str, str]) -> None:
    response = backend.client.post(FORM["en"], data=fields, headers={"origin": "http://testserver"})
    assert 400 <= response.status_code < 500 or response.status_code == 303
