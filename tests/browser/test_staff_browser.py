"""Inquiry staff's morning, in a real Chromium: sign in, filter, open, change status, add a note, export —
and every step is in the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser

from forms_backend.staff.casework.cases import Casework
from forms_backend.staff.casework.rules import load_case_rules
from forms_backend.staff.presenting import Clock
from forms_backend.storage import open_database
from forms_backend.storage.records import stamp
from tests.backend import GOOD, submit
from tests.browser.scenarios import STAFF_USER, new_context, staff_sign_in
from tests.conftest import ROOT
from tests.servers import UvicornServer

pytestmark = pytest.mark.browser


def test_sign_in_filter_open_triage_note_and_export_are_all_audited(
    browser: Browser, live_server: UvicornServer
) -> None:
    context = new_context(browser, accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, live_server.url)
    assert page.url.endswith("/staff/")

    page.click("summary")  # the filter panel
    page.select_option("#f-lang", "es")
    with page.expect_navigation():
        page.click("text=Apply filters")
    assert "lang=es" in page.url
    reference = page.inner_text("tbody a")

    with page.expect_navigation():
        page.click(f"text={reference}")
    assert page.inner_text("h1") == f"Inquiry {reference}"

    page.select_option("#status", "in_progress")
    with page.expect_navigation():
        page.click("button:has-text('Change status')")
    assert "In progress" in page.inner_text(".details")

    page.fill("#note", "Called the member back; left a message.")
    with page.expect_navigation():
        page.click("button:has-text('Add note')")
    assert "Called the member back; left a message." in page.inner_text("main")

    page.goto(live_server.url + "/staff/?lang=es")
    with page.expect_download() as download:
        page.click("text=Export these submissions as CSV")
    exported = download.value.path().read_bytes()  # type: ignore[union-attr]
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert reference in {row["reference"] for row in rows}
    context.close()

    database = open_database(live_server.env["DATABASE_URL"])
    actions = database.run_sync_read(
        lambda tx: tx.fetchall(
            "SELECT actor, action, reference FROM audit_log WHERE actor = ? ORDER BY id", (STAFF_USER[0],)
        )
    )
    database.close_sync()
    trail = [(action, ref) for _, action, ref in actions]
    for step in [("login", None), ("view", reference), ("status", reference), ("note", reference), ("export", None)]:
        assert step in trail, f"{step} missing from the audit log"
    assert trail.index(("status", reference)) < trail.index(("note", reference)) < trail.index(("export", None))


def test_a_caseworkers_morning_queue_call_in_spanish_resolve_and_report(
    browser: Browser, live_server: UvicornServer
) -> None:
    """Sign in → My queue → the oldest overdue case → log a call in Spanish → resolve it → the report counts it."""
    with httpx.Client(base_url=live_server.url) as client:
        assert submit(client, "es", {**GOOD, "topic": "claims"}).status_code == 303
    database = open_database(live_server.env["DATABASE_URL"])
    casework = Casework(load_case_rules(ROOT / "casework.toml"), Clock("America/New_York", {}))
    received = stamp(datetime.now(UTC) - timedelta(days=30))

    def overdue_and_mine(tx):  # type: ignore[no-untyped-def]
        reference = str(tx.fetchone("SELECT reference FROM submissions ORDER BY id DESC LIMIT 1")[0])
        tx.execute(
            "UPDATE submissions SET created_at = ?, assigned_to = ? WHERE reference = ?",
            (received, STAFF_USER[0], reference),
        )
        casework.open_case(tx, reference, received, "claims", "")
        return reference

    reference = database.run_sync_write(overdue_and_mine)
    database.close_sync()

    context = new_context(browser)
    page = context.new_page()
    staff_sign_in(page, live_server.url)
    with page.expect_navigation():
        page.click("nav >> text=My queue")
    assert page.inner_text("h1") == "My queue"
    first_row = page.inner_text("tbody tr >> nth=0")
    assert (
        reference in first_row and "\t30 days\t" in first_row and re.search(r"Overdue by 2[67] days", first_row)
    )  # the oldest overdue case first

    with page.expect_navigation():
        page.click(f"text={reference}")
    page.check("#call-outcome-reached")
    page.select_option("#call-language", "es")
    page.check("#call-interpreter-no")
    page.fill("#call-note", "Hablé con la afiliada; resuelto.")
    with page.expect_navigation():
        page.click("text=Log the call")
    calls = page.inner_text("#calls + .table-scroll")
    assert "Reached the member" in calls and "Spanish" in calls
    for status in ("in_progress", "answered"):
        page.select_option("#status", status)
        with page.expect_navigation():
            page.click("button:has-text('Change status')")
    assert "Answered" in page.inner_text(".details")

    with page.expect_navigation():
        page.click("nav >> text=Reports")
    timing = page.inner_text("table >> nth=1")
    general = next(line for line in timing.splitlines() if line.startswith("General inquiry"))
    assert general.split("\t")[4] != "0"  # resolved cases of this type include this one
    assert "30." in general.split("\t")[5]  # its 30 days are in the median to resolve
    context.close()
