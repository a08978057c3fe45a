"""Many workers, one policy: on PostgreSQL, rate limits and sign-in throttling count across every
worker; on SQLite (one local process) they stay in memory as before."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2 as httpx
import pytest

from forms_backend.form.rate_limits import MemoryRateLimiter, SharedRateLimiter, rate_limiter
from forms_backend.keys.crypto import new_key_spec
from forms_backend.keys.search_index import new_search_key_spec
from forms_backend.staff.accounts import add_user
from forms_backend.storage import open_database
from tests.backend import GOOD, STAFF_PASSWORD, submit
from tests.conftest import run_async
from tests.servers import UvicornServer

pytestmark = pytest.mark.postgres


def two_workers(tmp_path: Path, built_site: Path, postgres_url: str, **limits: str) -> UvicornServer:
    env = {
        "SITE_DIR": str(built_site),
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": postgres_url,
        "SECRET_KEYS": "shared-limits",
        "ENCRYPTION_KEYS": new_key_spec(),
        "SEARCH_KEYS": new_search_key_spec(),
        "MIN_FILL_SECONDS": "0",
        **limits,
    }
    return UvicornServer(env, tmp_path / "server.log", workers=2)


def test_one_clients_burst_is_limited_to_the_configured_count_across_two_workers(
    tmp_path: Path, built_site: Path, postgres_url: str
) -> None:
    with two_workers(tmp_path, built_site, postgres_url, RATE_LIMIT="5/600") as server:
        statuses = []
        for _ in range(24):  # a new connection each time, so the two workers share the requests
            with httpx.Client(base_url=server.url) as client:
                statuses.append(submit(client, "en", dict(GOOD)).status_code)
    assert statuses.count(303) == 5 and statuses.count(429) == 19, statuses  # in memory, each worker would allow 5


def test_wrong_passwords_spread_over_two_workers_are_throttled_together(
    tmp_path: Path, built_site: Path, postgres_url: str
) -> None:
    database = open_database(postgres_url)
    for name in ("ana", "ben", "cy"):
        add_user(database, name, STAFF_PASSWORD, "staff")
    database.close_sync()
    with two_workers(tmp_path, built_site, postgres_url, LOGIN_RATE_LIMIT="10/600") as server:
        statuses = []
        for attempt in range(15):
            with httpx.Client(base_url=server.url) as client:
                page = client.get("/staff/login")
                token = page.text.split('name="token" value="')[1].split('"')[0]
                response = client.post(
                    "/staff/login",
                    data={
                        "username": ("ana", "ben", "cy")[attempt % 3],
                        "password": "wrong password!!",
                        "token": token,
                        "next": "/staff/",
                    },
                    headers={"origin": server.url},
                )
                statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429] * 5, statuses


def test_postgres_shares_buckets_and_sqlite_keeps_them_in_memory(tmp_path: Path, postgres_url: str) -> None:
    shared_db, local_db = open_database(postgres_url), open_database(f"sqlite:///{tmp_path / 'local.db'}")
    try:
        assert isinstance(rate_limiter(shared_db, "form", 3, 60), SharedRateLimiter)
        assert isinstance(rate_limiter(local_db, "form", 3, 60), MemoryRateLimiter)

        async def burst() -> list[bool]:
            one, other = (
                rate_limiter(shared_db, "form", 3, 60),
                rate_limiter(shared_db, "form", 3, 60),
            )  # two workers' limiters
            results = await asyncio.gather(*(limiter.allow("203.0.113.7") for limiter in (one, other) * 4))
            return list(results) + [await one.allow("198.51.100.1")]  # another client has its own bucket

        results = run_async(burst)
        assert results[:8].count(True) == 3 and results[8] is True
    finally:
        shared_db.close_sync()
        local_db.close_sync()


def test_rows_of_clients_whose_bucket_refilled_are_cleaned_up(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import forms_backend.form.rate_limits as limits

    monkeypatch.setattr(limits, "CLEAN_EVERY", 10)
    database = open_database(postgres_url)
    try:
        limiter = SharedRateLimiter(database, "form", 5, 0.001)  # refills almost at once

        async def many_clients() -> None:
            for i in range(30):
                await limiter.allow(f"192.0.2.{i}")
                await asyncio.sleep(0.002)

        run_async(many_clients)
        rows = database.run_sync_read(lambda tx: tx.fetchone("SELECT COUNT(*) FROM rate_limits"))[0]  # type: ignore[index]
    finally:
        database.close_sync()
    assert rows < 30  # without cleaning there would be one row per client ever seen
