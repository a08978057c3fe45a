"""Helpers for driving the Tell Us form as a member's browser would."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2 as httpx

from forms_backend.keys.crypto import new_key_spec
from forms_backend.keys.search_index import new_search_key_spec
from forms_backend.settings import Settings
from forms_backend.storage import Tx, counted
from tests.conftest import ROOT

FORM = {"en": "/en/tell-us/", "es": "/es/cuentenos/"}
TOKEN = re.compile(r'name="token" value="([^"]+)"')

GOOD: dict[str, str] = {
    "first_name": "María José",
    "last_name": "O'Brien-Núñez",
    "member_id": "ab123456789",
    "dob_day": "27",
    "dob_month": "3",
    "dob_year": "1980",
    "phone": "(513) 555-0142",
    "email": "maria@example.org",
    "contact_method": "phone",
    "preferred_language": "es",
    "topic": "prior_authorization",
    "message": "My prior authorization for physical therapy was denied. Please call me.",
    "website": "",
}


def make_settings(tmp_path: Path, site_dir: Path | None = None, **overrides: Any) -> Settings:
    base = Settings(
        project_dir=ROOT,
        site_dir=site_dir or tmp_path / "site",
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'data' / 'inquiries.db'}",
        secret_keys=("test-secret-key-one",),
        encryption_keys=new_key_spec("test1"),
        search_keys=new_search_key_spec("test1"),
        min_fill_seconds=0,
        rate_limit_count=1000,
    )
    return replace(base, **overrides)


def token_from(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the form page has no token"
    return match.group(1)


def fresh_token(client: httpx.Client | Any, lang: str = "en") -> str:
    page = client.get(FORM[lang])
    assert page.status_code == 200
    return token_from(page.text)


def submit(
    client: httpx.Client | Any,
    lang: str = "en",
    fields: dict[str, str] | None = None,
    token: str | None = None,
    origin: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    data = dict(GOOD if fields is None else fields)
    data["token"] = fresh_token(client, lang) if token is None else token
    headers = {"origin": origin if origin is not None else str(client.base_url).rstrip("/")}
    headers.update(kwargs.pop("headers", {}))
    return client.post(FORM[lang], data=data, headers=headers, follow_redirects=False, **kwargs)


STAFF_PASSWORD = "correct horse battery staple"
LOGIN_TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def staff_login(client: Any, username: str, password: str = STAFF_PASSWORD) -> Any:
    page = client.get("/staff/login")
    token = LOGIN_TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "token": token, "next": "/staff/"},
        headers={"origin": str(client.base_url).rstrip("/")},
        follow_redirects=False,
    )


def csrf_of(client: Any, path: str = "/staff/") -> str:
    return CSRF.search(client.get(path).text).group(1)  # type: ignore[union-attr]


def staff_post(client: Any, path: str, data: dict[str, str], csrf: str | None = None) -> Any:
    return client.post(
        path,
        data={**data, "csrf": csrf_of(client) if csrf is None else csrf},
        headers={"origin": str(client.base_url).rstrip("/")},
        follow_redirects=False,
    )


def drop_counts_triggers(tx: Tx) -> None:
    """Drop the SQLite triggers that keep the counts tables, as in a database from before they existed."""
    for (name,) in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'submissions'"):
        if name.startswith(("submissions_counted", *(table.name for table in counted.TABLES))):
            tx.execute(f"DROP TRIGGER {name}")
