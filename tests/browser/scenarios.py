"""Every page a member can reach: discovered from the build output and the backend's routes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from tests.backend import GOOD

FORMS = {"en": "/en/tell-us/", "es": "/es/cuentenos/"}


@dataclass(frozen=True)
class Scenario:
    name: str
    lang: str
    path: str
    action: str = "visit"  # visit | errors (send the empty form) | sent (send a good form) | staff (sign in first) | bulk (sign in, tick, change)
    content_page: bool = False  # a built page (weight budget applies)

    def __str__(self) -> str:
        return self.name


def static_scenarios(site: Path) -> list[Scenario]:
    scenarios = []
    for file in sorted(site.rglob("*.html")):
        relative = file.relative_to(site).as_posix()
        path = "/" + relative.removesuffix("index.html")
        lang = relative.split("/")[0] if "/" in relative else "en"
        scenarios.append(
            Scenario(relative.removesuffix(".html").replace("/", "_") or "root", lang, path, content_page=True)
        )
    return scenarios


def backend_scenarios() -> list[Scenario]:
    scenarios = []
    for lang, path in FORMS.items():
        scenarios += [
            Scenario(f"form_{lang}", lang, path),
            Scenario(f"form_errors_{lang}", lang, path, action="errors"),
            Scenario(f"form_sent_{lang}", lang, path, action="sent"),
            Scenario(f"form_rejected_{lang}", lang, path + "sent/?r=not-a-confirmation"),
        ]
    return scenarios


def staff_scenarios() -> list[Scenario]:
    return [
        Scenario("staff_login", "en", "/staff/login"),
        Scenario("staff_inbox", "en", "/staff/", action="staff"),
        Scenario("staff_inquiry", "en", "/staff/inquiries/{reference}", action="staff"),
        Scenario("staff_audit", "en", "/staff/audit", action="staff"),
        Scenario("staff_queue", "en", "/staff/?queue=mine", action="staff"),
        Scenario("staff_bulk_done", "en", "/staff/?queue=mine", action="bulk"),
        Scenario("staff_reports", "en", "/staff/reports/", action="staff"),
    ]


STAFF_USER = ("gate-admin", "gate admin password 1")


def staff_sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/staff/login")
    page.fill("#username", STAFF_USER[0])
    page.fill("#password", STAFF_USER[1])
    with page.expect_navigation():
        page.click("button[type=submit]")


def fill_good_form(page: Page) -> None:
    for name in (
        "first_name",
        "last_name",
        "member_id",
        "dob_day",
        "dob_month",
        "dob_year",
        "phone",
        "email",
        "message",
    ):
        page.fill(f"#{name}", GOOD[name])
    page.check(f"#contact_method-{GOOD['contact_method']}")
    page.check(f"#preferred_language-{GOOD['preferred_language']}")
    page.select_option("#topic", GOOD["topic"])


def open_scenario(context: BrowserContext, base_url: str, scenario: Scenario) -> Page:
    page = context.new_page()
    path = scenario.path
    if scenario.action in ("staff", "bulk"):
        staff_sign_in(page, base_url)
        if "{reference}" in path:
            path = page.get_attribute("a[href^='/staff/inquiries/']", "href") or path
    page.goto(base_url + path)
    if scenario.action == "errors":
        with page.expect_navigation():
            page.click("button[type=submit]")
    elif scenario.action == "sent":
        fill_good_form(page)
        with page.expect_navigation():
            page.click("button[type=submit]")
    elif scenario.action == "bulk":  # the same change every time, so each visit shows the same page
        page.check("input[name=ref] >> nth=0")
        page.select_option("#bulk-assignee", STAFF_USER[0])
        with page.expect_navigation():
            page.click("text=Change ticked inquiries")
    return page


def new_context(browser: Browser, **options: object) -> BrowserContext:
    return browser.new_context(locale="en-US", **options)  # type: ignore[arg-type]
