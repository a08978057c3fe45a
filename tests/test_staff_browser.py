"""Inquiry staff's morning, in a real Chromium: sign in, filter, open, change status, add a note, export —
and every step is in the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Browser

from forms_backend.storage import open_database

from .browser.scenarios import STAFF_USER, new_context, staff_sign_in
from .servers import UvicornServer

pytestmark = pytest.mark.browser


def test_sign_in_filter_open_triage_note_and_export_are_all_audited(browser: Browser, live_server: UvicornServer) -> None:
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
    actions = database.run_sync_read(lambda tx: tx.fetchall("SELECT actor, action, reference FROM audit_log WHERE actor = ? ORDER BY id", (STAFF_USER[0],)))
    database.close_sync()
    trail = [(action, ref) for _, action, ref in actions]
    for step in [("login", None), ("view", reference), ("status", reference), ("note", reference), ("export", None)]:
        assert step in trail, f"{step} missing from the audit log"
    assert trail.index(("status", reference)) < trail.index(("note", reference)) < trail.index(("export", None))
