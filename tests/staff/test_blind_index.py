"""Staff find any submission among many by what a caller says, through a blind index: keyed digests
of normalised terms, never the terms, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.form.fields import validate
from forms_backend.form.submissions import reindex
from forms_backend.keys.crypto import FieldCipher
from forms_backend.keys.search_index import SearchIndex, new_search_key_spec, query_terms, submission_terms
from forms_backend.staff.accounts import add_user
from forms_backend.storage.database import Database
from forms_backend.storage.references import new_reference
from tests.backend import GOOD, STAFF_PASSWORD, make_settings, staff_login, staff_post

OLD_MEMBER = dict(
    GOOD,
    first_name="Zenobia",
    last_name="Núñez-Quackenbush",
    member_id="zq 998877",
    email="Zenobia.Q@Example.net",
    phone="(513) 555-0199",
)


def add_newer_submissions(database: Database, cipher: FieldCipher, count: int) -> None:
    """`count` other members' submissions, all newer than the one under test (bulk, for speed)."""
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        reference = new_reference()
        fields = {
            "first_name": f"Member{i}",
            "last_name": "Smith",
            "member_id": f"AB{i:08d}",
            "date_of_birth": "",
            "phone": f"614555{i % 10000:04d}",
            "email": f"m{i}@example.org",
            "message": "A question.",
        }
        created = (now + timedelta(seconds=i + 1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows.append((reference, created, "en", "benefits", "phone", "en", cipher.seal(fields, bound_to=reference)))
    database.run_sync_write(
        lambda tx: [
            tx.execute(
                "INSERT INTO submissions (reference, created_at, lang, topic, contact_method, preferred_language, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            for row in rows
        ]
    )


@pytest.fixture
def staff(tmp_path: Path, built_site: Path, database_url: str) -> Iterator[tuple[TestClient, str]]:
    """An inbox whose oldest submission is OLD_MEMBER's, behind 10,001 newer ones."""
    settings = make_settings(tmp_path, built_site, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        submissions = client.app.state.submissions  # type: ignore[attr-defined]
        inquiry = validate(OLD_MEMBER, date.today()).inquiry
        reference = client.portal.call(submissions.store, inquiry, "es", secrets.token_hex(8))
        add_newer_submissions(submissions.database, submissions.cipher, 10_001)
        add_user(submissions.database, "ana", STAFF_PASSWORD, "staff")
        assert staff_login(client, "ana").status_code == 303
        yield client, reference


def found(client: TestClient, text: str) -> str:
    sent = staff_post(client, "/staff/search", {"q": text})
    return client.get(sent.headers["location"]).text


def test_the_oldest_submission_is_found_by_each_term_as_a_caller_says_it(staff: tuple[TestClient, str]) -> None:
    client, reference = staff
    spoken = {
        "phone": ["513-555-0199", "+1 (513) 555 0199", "15135550199"],
        "member ID": ["ZQ998877", "zq 998877"],
        "email": ["zenobia.q@example.net", "ZENOBIA.Q@EXAMPLE.NET"],
        "reference read aloud": [reference.lower().replace("-", " "), reference.replace("0", "O").replace("1", "l")],
        "name": ["nunez-quackenbush", "Zenobia", "zenobia núñez-quackenbush"],
    }
    for kind, ways in spoken.items():
        for said in ways:
            page = found(client, said)
            assert "1 result for your search" in page and reference in page, f"{kind}: {said!r}"
            assert "Member1" not in page  # nothing else comes back


def test_a_term_nobody_has_finds_nothing(staff: tuple[TestClient, str]) -> None:
    client, _ = staff
    assert "0 results for your search" in found(client, "513-555-0100")


def test_the_database_holds_neither_the_terms_nor_their_plain_hashes(tmp_path: Path, built_site: Path) -> None:
    settings = make_settings(tmp_path, built_site)
    with TestClient(create_app(settings)) as client:
        inquiry = validate(OLD_MEMBER, date.today()).inquiry
        client.portal.call(client.app.state.submissions.store, inquiry, "en", secrets.token_hex(8))  # type: ignore[attr-defined]
        files = [settings.data_dir / name for name in ("inquiries.db", "inquiries.db-wal")]
        raw = b"".join(path.read_bytes() for path in files if path.exists())
    # (the reference itself is stored in the clear: it is what staff and members quote, not PHI)
    terms = [
        term
        for field, term in submission_terms("X", validate(OLD_MEMBER, date.today()).inquiry.identifying())
        if field != "reference"
    ]  # type: ignore[union-attr]
    for term in [
        "5135550199",
        "+15135550199",
        "ZQ998877",
        "zenobia.q@example.net",
        "zenobia",
        "nunez-quackenbush",
        *terms,
    ]:
        assert term.encode() not in raw, term
        assert (
            hashlib.sha256(term.encode()).digest() not in raw
            and hashlib.sha256(term.encode()).hexdigest().encode() not in raw
        ), term


def test_after_rotating_the_search_key_old_digests_are_gone_and_search_still_works(
    tmp_path: Path, built_site: Path
) -> None:
    old_key, new_key = new_search_key_spec("a"), new_search_key_spec("b")
    settings = make_settings(tmp_path, built_site, search_keys=old_key)
    with TestClient(create_app(settings)) as client:
        inquiry = validate(OLD_MEMBER, date.today()).inquiry
        reference = client.portal.call(client.app.state.submissions.store, inquiry, "en", secrets.token_hex(8))  # type: ignore[attr-defined]
        database, cipher = client.app.state.database, client.app.state.submissions.cipher  # type: ignore[attr-defined]
        reindex(database, cipher, SearchIndex.from_spec(f"{new_key},{old_key}"))
        key_ids = {
            row[0] for row in database.run_sync_read(lambda tx: tx.fetchall("SELECT DISTINCT key_id FROM search_terms"))
        }
    assert key_ids == {"b"}
    with TestClient(create_app(replace(settings, search_keys=new_key))) as client:  # the old key removed
        add_user(client.app.state.database, "ana", STAFF_PASSWORD, "staff")  # type: ignore[attr-defined]
        staff_login(client, "ana")
        assert reference in found(client, "513 555 0199")


def test_submissions_stored_before_the_index_existed_are_indexed_when_the_app_starts(
    tmp_path: Path, built_site: Path
) -> None:
    settings = make_settings(tmp_path, built_site)
    with TestClient(create_app(replace(settings, search_keys=""))) as client:  # an older version: no index
        inquiry = validate(OLD_MEMBER, date.today()).inquiry
        reference = client.portal.call(client.app.state.submissions.store, inquiry, "en", secrets.token_hex(8))  # type: ignore[attr-defined]
    with TestClient(create_app(settings)) as client:
        database = client.app.state.database  # type: ignore[attr-defined]
        for _ in range(100):  # the start-up indexer runs in the background
            if database.run_sync_read(lambda tx: tx.fetchone("SELECT COUNT(*) FROM search_terms"))[0]:
                break
            import time

            time.sleep(0.05)
        add_user(database, "ana", STAFF_PASSWORD, "staff")
        staff_login(client, "ana")
        assert reference in found(client, "ZQ998877")


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("(513) 555-0199", {("phone", "+15135550199")}),
        ("7km4 9qpx 2dht", {("reference", "7KM49QPX2DHT")}),
        ("Ana@Example.org", {("email", "ana@example.org")}),
        ("ab 12345678", {("member_id", "AB12345678")}),
        ("Núñez", {("first_name", "nunez"), ("last_name", "nunez"), ("full_name", "nunez")}),
    ],
)
def test_what_was_typed_is_read_as_the_terms_a_caller_means(typed: str, readings: set[tuple[str, str]]) -> None:
    assert readings <= set(query_terms(typed))
