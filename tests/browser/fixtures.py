"""The real server and browser the browser tests share: one uvicorn on SQLite, one Chromium."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from forms_backend.staff.accounts import add_user
from forms_backend.staff.casework.cases import Casework
from forms_backend.staff.casework.rules import load_case_rules
from forms_backend.staff.presenting import Clock
from forms_backend.storage import open_database
from forms_backend.storage.records import stamp
from tests.backend import submit
from tests.browser.gate import CHROMIUM, CHROMIUM_ARGS
from tests.browser.scenarios import STAFF_USER
from tests.conftest import ROOT, run_build
from tests.servers import UvicornServer

GATE_SITE = ROOT / "test-artifacts" / "gate-site"


@functools.cache
def gate_site() -> Path:
    """Build the site once per session (at collection, so its pages can be listed as test cases)."""
    result = run_build(ROOT, GATE_SITE)
    assert result.code == 0, result.stderr
    return GATE_SITE


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UvicornServer]:
    """The app on a real uvicorn, with one admin and one stored inquiry so every staff page has content."""
    tmp = tmp_path_factory.mktemp("gate")
    url = f"sqlite:///{tmp / 'gate.db'}"
    env = {
        "SITE_DIR": str(gate_site()),
        "DATA_DIR": str(tmp),
        "DATABASE_URL": url,
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT": "100000/1",
        "LOGIN_RATE_LIMIT": "100000/1",
    }
    with UvicornServer(env, tmp / "server.log") as running:
        database = open_database(url)
        add_user(database, *STAFF_USER, role="admin")
        database.close_sync()
        with httpx.Client(base_url=running.url) as client:
            assert submit(client, "es").status_code == 303
        database = open_database(
            url
        )  # the inquiry arrived 5 days ago and is in the admin's queue, overdue: queue pages show a row
        casework = Casework(load_case_rules(ROOT / "casework.toml"), Clock("America/New_York", {}))
        received = stamp(datetime.now(UTC) - timedelta(days=5))

        def overdue_and_mine(tx):  # type: ignore[no-untyped-def]
            reference, topic = tx.fetchone("SELECT reference, topic FROM submissions")
            tx.execute(
                "UPDATE submissions SET created_at = ?, assigned_to = ? WHERE reference = ?",
                (received, STAFF_USER[0], reference),
            )
            casework.open_case(tx, str(reference), received, str(topic), "")

        database.run_sync_write(overdue_and_mine)
        database.close_sync()
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
