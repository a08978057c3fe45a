"""The real-browser gate: every page of the site and the backend, in both languages, in Debian's Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser

from forms_backend.app import create_app
from tests.backend import make_settings, staff_login, staff_post, submit
from tests.browser.fixtures import gate_site
from tests.browser.gate import axe_violations, keyboard_problems, reflow_problems, screenshot, weight_problem
from tests.browser.scenarios import (
    FORMS,
    STAFF_USER,
    Scenario,
    backend_scenarios,
    fill_good_form,
    new_context,
    open_scenario,
    staff_scenarios,
    static_scenarios,
)
from tests.conftest import ROOT
from tests.servers import UvicornServer
from tests.vnu import html_errors

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
SITE = gate_site()
SCENARIOS = static_scenarios(SITE) + backend_scenarios() + staff_scenarios()


def report(scenario: Scenario, problems: list[str]) -> str:
    return f"{scenario.name} ({scenario.path}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_page_has_no_axe_violations(browser: Browser, live_server: UvicornServer, scenario: Scenario) -> None:
    context = new_context(browser, bypass_csp=True)  # only so axe's script can be injected
    page = open_scenario(context, live_server.url, scenario)
    problems = axe_violations(page)
    context.close()
    assert not problems, report(scenario, problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_page_is_usable_by_keyboard_alone(browser: Browser, live_server: UvicornServer, scenario: Scenario) -> None:
    context = new_context(browser)
    problems = keyboard_problems(open_scenario(context, live_server.url, scenario))
    context.close()
    assert not problems, report(scenario, problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_page_reflows_at_320px_and_200_percent_zoom(
    browser: Browser, live_server: UvicornServer, scenario: Scenario
) -> None:
    problems = []
    # 200% zoom of a 1280 px window lays out like a 640 px window at twice the pixel density.
    for label, viewport, scale in (
        ("320 px", {"width": 320, "height": 640}, 1),
        ("200% zoom", {"width": 640, "height": 400}, 2),
    ):
        context = new_context(browser, viewport=viewport, device_scale_factor=scale)
        page = open_scenario(context, live_server.url, scenario)
        problems += reflow_problems(page, label)
        screenshot(page, ARTIFACTS, f"{scenario.name}-{'phone' if scale == 1 else 'zoom200'}")
        context.close()
    context = new_context(browser, viewport={"width": 1280, "height": 800})
    screenshot(open_scenario(context, live_server.url, scenario), ARTIFACTS, f"{scenario.name}-desktop")
    context.close()
    assert not problems, report(scenario, problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_page_reads_completely_without_javascript(
    browser: Browser, live_server: UvicornServer, scenario: Scenario
) -> None:
    with_js = new_context(browser)
    without_js = new_context(browser, java_script_enabled=False)
    text_with = open_scenario(with_js, live_server.url, scenario).inner_text("main")
    text_without = open_scenario(without_js, live_server.url, scenario).inner_text("main")
    with_js.close()
    without_js.close()
    if scenario.action == "sent":  # each submission gets its own reference number
        text_with, text_without = (
            re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", "REF", t) for t in (text_with, text_without)
        )
    if scenario.action in ("staff", "bulk"):  # each visit adds to the audit trail the page shows
        text_with, text_without = (
            re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d.*", "", t, flags=re.S) for t in (text_with, text_without)
        )
    assert len(text_without) > 20 and text_without == text_with


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_page_language_is_marked_and_nothing_is_fetched_from_elsewhere(
    browser: Browser, live_server: UvicornServer, scenario: Scenario
) -> None:
    context = new_context(browser)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = open_scenario(context, live_server.url, scenario)
    html_lang = page.evaluate("() => document.documentElement.lang")
    unmarked = page.evaluate(
        "() => [...document.querySelectorAll('a[hreflang]')].filter(a => a.closest('[lang]').lang !== a.hreflang).map(a => a.outerHTML)"
    )
    context.close()
    assert html_lang == scenario.lang
    assert unmarked == [], "links to another language must carry that language's lang attribute"
    assert [url for url in requests if not url.startswith(live_server.url)] == []


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.content_page], ids=str)
def test_content_page_is_within_the_weight_budget(scenario: Scenario) -> None:
    relative = scenario.path.strip("/")
    html = (SITE / (relative if relative.endswith(".html") else f"{relative}/index.html".lstrip("/"))).read_bytes()
    css = next((SITE / "static").glob("site.*.css")).read_bytes()
    assert weight_problem(html, css) == []


def test_backend_pages_are_valid_html(live_server: UvicornServer, tmp_path: Path) -> None:
    files = []
    with httpx.Client(base_url=live_server.url) as client:
        pages = {
            "form_en": client.get(FORMS["en"]).text,
            "form_es": client.get(FORMS["es"]).text,
            "errors_es": submit(client, "es", {"contact_method": "email"}).text,
            "sent_en": client.get(submit(client, "en").headers["location"]).text,
            "rejected_en": client.get(FORMS["en"] + "sent/?r=nope").text,
        }
        staff_login(client, *STAFF_USER)
        pages["staff_inbox"] = client.get("/staff/").text
        reference = re.search(r'href="/staff/inquiries/([^"]+)"', pages["staff_inbox"]).group(1)  # type: ignore[union-attr]
        pages["staff_inquiry"] = client.get(f"/staff/inquiries/{reference}").text
        pages["staff_audit"] = client.get("/staff/audit").text
        pages["staff_queue"] = client.get("/staff/?queue=mine").text
        pages["staff_reports"] = client.get("/staff/reports/").text
        pages["staff_bulk_done"] = staff_post(client, "/staff/bulk", {"ref": reference, "assignee": STAFF_USER[0]}).text
        pages["staff_login"] = httpx.get(live_server.url + "/staff/login").text
    for name, html in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html)
    assert html_errors(files) == []


def test_every_backend_page_route_is_covered_by_the_gate(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, serve_site=False))
    not_pages = {"/healthz", "/staff/export.csv", "/staff/reports/report.csv"}
    routes = {
        route.path for route in app.routes if "GET" in getattr(route, "methods", set()) and route.path not in not_pages
    }  # type: ignore[attr-defined]
    covered = {s.path.split("?")[0] for s in backend_scenarios() + staff_scenarios()}
    assert routes <= covered


def test_form_submits_with_javascript_disabled(browser: Browser, live_server: UvicornServer) -> None:
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + FORMS["es"])
    fill_good_form(page)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "Gracias. Recibimos su mensaje." in page.inner_text("main")
    assert re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page.inner_text(".reference"))
    context.close()


def test_content_page_prints_cleanly_with_phone_numbers_visible(browser: Browser, live_server: UvicornServer) -> None:
    context = new_context(browser)
    page = context.new_page()
    page.goto(live_server.url + "/en/utilization-management/")
    page.emulate_media(media="print")
    assert not page.is_visible(".language-switcher")
    assert not page.is_visible(".skip-link")
    phones = page.locator("main a.tel")
    assert phones.count() >= 3 and all(phones.nth(i).is_visible() for i in range(phones.count()))
    assert page.evaluate("() => getComputedStyle(document.querySelector('main a.tel')).color") == "rgb(0, 0, 0)"
    pdf = page.pdf()
    context.close()
    assert pdf.startswith(b"%PDF")


def test_gate_catches_a_deliberately_broken_page(browser: Browser) -> None:
    context = new_context(browser)
    page = context.new_page()
    page.set_content((ROOT / "tests/fixtures/broken-page.html").read_text())
    problems = axe_violations(page)
    context.close()
    rules = {problem.split(" ")[0] for problem in problems}
    assert {"image-alt", "color-contrast", "heading-order", "label"} <= rules
    assert any("dequeuniversity.com/rules/axe" in problem and "element " in problem for problem in problems)
