"""The browser gate for the pages only a site with markets has: the market index, its 404, an
English-only market, a market's language chooser, and a market's form, in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser

from forms_backend.staff.accounts import add_user
from forms_backend.storage import open_database
from tests.backend import GOOD, token_from
from tests.browser.gate import axe_violations, keyboard_problems, reflow_problems
from tests.browser.scenarios import STAFF_USER, Scenario, new_context, open_scenario
from tests.conftest import run_build
from tests.engine.test_markets import markets_project
from tests.servers import UvicornServer
from tests.vnu import html_errors

pytestmark = pytest.mark.browser
SCENARIOS = [
    Scenario("markets_index", "en", "/"),
    Scenario("markets_404", "en", "/no-such-plan/"),
    Scenario("market_language_choice", "en", "/ga/plans/medicaid/"),
    Scenario("market_english_only_page", "en", "/wi/plans/marketplace/en/utilization-management/"),
    Scenario("market_es_page", "es", "/ga/plans/medicaid/es/apelaciones/"),
    Scenario("market_es_404", "es", "/ga/plans/medicaid/es/no-existe/"),
    Scenario("market_form_es", "es", "/ga/plans/medicaid/es/cuentenos/"),
    Scenario("market_form_errors_en", "en", "/wi/plans/marketplace/en/tell-us/", action="errors"),
    Scenario("market_form_sent_es", "es", "/in/plans/medicaid/es/cuentenos/", action="sent"),
    Scenario("market_staff_inbox", "en", "/staff/?market=ga-medicaid", action="staff"),
    Scenario("market_staff_inquiry", "en", "/staff/inquiries/{reference}", action="staff"),
]


@pytest.fixture(scope="module")
def market_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UvicornServer]:
    tmp = tmp_path_factory.mktemp("market-gate")
    project = markets_project(tmp / "project")
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    env = {
        "PROJECT_DIR": str(project),
        "SITE_DIR": str(project / "site"),
        "DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": f"sqlite:///{tmp / 'gate.db'}",
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT": "100000/1",
    }
    with UvicornServer(env, tmp / "server.log") as running:
        database = open_database(env["DATABASE_URL"])
        add_user(database, *STAFF_USER, role="admin")
        database.close_sync()
        with httpx.Client(base_url=running.url) as client:  # one Georgia inquiry, so the staff pages show a market
            form = client.get("/ga/plans/medicaid/en/tell-us/").text
            sent = client.post(
                "/ga/plans/medicaid/en/tell-us/",
                data={**GOOD, "token": token_from(form)},
                headers={"origin": running.url},
            )
            assert sent.status_code == 303
        yield running


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_market_page_passes_axe_keyboard_and_reflow(
    browser: Browser, market_server: UvicornServer, scenario: Scenario
) -> None:
    context = new_context(browser, bypass_csp=True)  # only so axe's script can be injected
    page = open_scenario(context, market_server.url, scenario)
    problems = axe_violations(page) + keyboard_problems(page)
    assert page.evaluate("() => document.documentElement.lang") == scenario.lang
    context.close()
    context = new_context(browser, viewport={"width": 320, "height": 640})
    problems += reflow_problems(open_scenario(context, market_server.url, scenario), "320 px")
    context.close()
    assert not problems, f"{scenario.name} ({scenario.path}):\n  " + "\n  ".join(problems)


def test_market_pages_are_valid_html(market_server: UvicornServer, tmp_path: Path) -> None:
    files = []
    with httpx.Client(base_url=market_server.url) as client:
        for scenario in SCENARIOS:
            if scenario.action == "visit":
                files.append(tmp_path / f"{scenario.name}.html")
                files[-1].write_text(client.get(scenario.path).text)
    assert html_errors(files) == []
