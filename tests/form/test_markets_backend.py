"""The Tell Us form on a site with markets: each market's form, its lines, and the market on every submission."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.staff.accounts import add_user
from tests.backend import GOOD, STAFF_PASSWORD, make_settings, staff_login, token_from
from tests.conftest import run_build
from tests.engine.test_markets import markets_project

GA_ES = "/ga/plans/medicaid/es/cuentenos/"
WI_EN = "/wi/plans/marketplace/en/tell-us/"


@pytest.fixture(scope="module")
def market_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = markets_project(tmp_path_factory.mktemp("market-backend") / "project")
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    return project


@pytest.fixture
def client(tmp_path: Path, market_project: Path, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, market_project / "site", project_dir=market_project, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        add_user(client.app.state.database, "root", STAFF_PASSWORD, "admin")  # type: ignore[attr-defined]
        yield client


def send(client: TestClient, path: str, **changes: str) -> str:
    """Fill in and send the form at `path` as a member would; return the reference it confirms."""
    token = token_from(client.get(path).text)
    response = client.post(
        path, data={**GOOD, **changes, "token": token}, headers={"origin": "http://testserver"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(path + "sent/?r=")
    confirmation = client.get(response.headers["location"])
    match = re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b", confirmation.text)
    assert confirmation.status_code == 200 and match
    return match.group(1)


def stored_market(client: TestClient, reference: str) -> tuple[str, str]:
    row = client.app.state.database.run_sync_read(  # type: ignore[attr-defined]
        lambda tx: tx.fetchone("SELECT market, lang FROM submissions WHERE reference = ?", (reference,))
    )
    return str(row[0]), str(row[1])


def test_each_market_serves_its_form_in_its_languages_with_its_own_lines(client: TestClient) -> None:
    ga = client.get(GA_ES)
    assert ga.status_code == 200 and '<html lang="es">' in ga.text
    assert "1-855-555-0201" in ga.text and "1-844-555-0101" not in ga.text
    assert f'action="{GA_ES}"' in ga.text
    assert 'href="/ga/plans/medicaid/en/tell-us/" hreflang="en"' in ga.text  # the switcher stays in the market
    wi = client.get(WI_EN)
    assert wi.status_code == 200 and "1-833-555-0301" in wi.text and "Central Time" in wi.text
    assert client.get("/wi/plans/marketplace/es/cuentenos/").status_code == 404  # wi-marketplace offers English only
    assert client.get("/en/tell-us/").status_code == 404  # no form outside a market


def test_a_submission_records_the_market_whose_form_it_came_from(client: TestClient) -> None:
    reference = send(client, GA_ES)
    assert stored_market(client, reference) == ("ga-medicaid", "es")
    assert stored_market(client, send(client, WI_EN)) == ("wi-marketplace", "en")


def test_the_confirmation_page_shows_the_markets_own_line(client: TestClient) -> None:
    token = token_from(client.get(GA_ES).text)
    response = client.post(GA_ES, data={**GOOD, "token": token}, headers={"origin": "http://testserver"})
    assert response.status_code == 200 and "1-855-555-0201" in response.text and "1-833-555-0301" not in response.text


def test_staff_filter_the_inbox_by_market_and_see_it_on_the_submission_and_in_the_export(client: TestClient) -> None:
    georgia = send(client, GA_ES)
    wisconsin = send(client, WI_EN)
    assert staff_login(client, "root").status_code == 303
    inbox = client.get("/staff/")
    assert '<option value="ga-medicaid">Georgia Medicaid</option>' in inbox.text
    filtered = client.get("/staff/?market=ga-medicaid").text
    assert georgia in filtered and wisconsin not in filtered
    assert "<td>Georgia Medicaid</td>" in filtered
    assert "unknown market &#39;zz-medicaid&#39; ignored" in client.get("/staff/?market=zz-medicaid").text
    assert "<dt>Plan</dt><dd>Wisconsin Marketplace</dd>" in client.get(f"/staff/inquiries/{wisconsin}").text
    rows = list(
        csv.DictReader(io.StringIO(client.get("/staff/export.csv?market=wi-marketplace").content.decode("utf-8-sig")))
    )
    assert [(row["reference"], row["market"]) for row in rows] == [(wisconsin, "wi-marketplace")]


def test_missing_pages_get_the_404_of_their_market_and_language(client: TestClient) -> None:
    page = client.get("/ga/plans/medicaid/es/no-existe/")
    assert page.status_code == 404 and '<html lang="es">' in page.text and "1-855-555-0201" in page.text
    top = client.get("/no-such-page/")
    assert top.status_code == 404 and "Georgia Medicaid" in top.text and "tel:" not in top.text


def test_a_market_with_a_stricter_contract_gets_its_own_deadline_in_its_own_time_zone(client: TestClient) -> None:
    georgia, wisconsin = send(client, GA_ES, topic="complaint"), send(client, WI_EN, topic="complaint")

    def resolve_by(reference: str) -> tuple[datetime, datetime]:
        created, due = client.app.state.database.run_sync_read(  # type: ignore[attr-defined]
            lambda tx: tx.fetchone(
                "SELECT created_at, resolve_due_at FROM submissions WHERE reference = ?", (reference,)
            )
        )
        return (
            datetime.fromisoformat(str(created).replace("Z", "+00:00")),
            datetime.fromisoformat(str(due).replace("Z", "+00:00")),
        )

    created, due = resolve_by(georgia)
    assert (
        timedelta(days=30) <= due - created < timedelta(days=31)
    )  # casework.toml: Georgia resolves grievances in 30 days
    created, due = resolve_by(wisconsin)
    assert timedelta(days=90) <= due - created < timedelta(days=91)
    chicago_end_of_day = due.astimezone(ZoneInfo("America/Chicago"))
    assert (chicago_end_of_day.hour, chicago_end_of_day.minute) == (
        23,
        59,
    )  # the end of the day where the Wisconsin plan is
