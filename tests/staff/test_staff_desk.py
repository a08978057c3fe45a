"""What inquiry staff tripped over: search as a caller speaks, bookmarkable search links without PHI
in them, local times, numbers and dates written as people write them, history in words."""

from __future__ import annotations

import csv
import io
import re

import pytest
from starlette.testclient import TestClient

from tests.backend import staff_post
from tests.staff.test_staff_inbox import audit_actions, store


@pytest.fixture
def desk(signed_in_admin: TestClient) -> TestClient:
    return signed_in_admin


def search_for(client: TestClient, text: str) -> tuple[str, str]:
    """Search as staff do; returns the results page and the link it lives at."""
    sent = staff_post(client, "/staff/search", {"q": text})
    assert sent.status_code == 303
    return client.get(sent.headers["location"]).text, sent.headers["location"]


@pytest.mark.parametrize("typed", ["513-555-0142", "(513) 555-0142", "+1 513 555 0142", "5135550142", "1-513-555-0142"])
def test_a_phone_number_is_found_however_it_is_typed(desk: TestClient, typed: str) -> None:
    [match] = store(desk, phone="(513) 555-0142")
    [other] = store(desk, phone="614-555-0100")
    results, _ = search_for(desk, typed)
    assert match in results and other not in results


@pytest.mark.parametrize(
    "read_aloud", [str.lower, lambda r: r.replace("-", " "), lambda r: r.replace("-", "").lower().replace("0", "o")]
)
def test_a_reference_read_over_the_phone_is_found(desk: TestClient, read_aloud) -> None:  # type: ignore[no-untyped-def]
    [match, other] = store(desk, 2)
    results, _ = search_for(desk, read_aloud(match))
    assert "1 result for your search" in results and other not in results


def test_a_search_is_a_link_that_reloads_and_carries_no_searched_words(desk: TestClient) -> None:
    [match] = store(desk, last_name="Quackenbush", phone="513-555-0199")
    results, link = search_for(desk, "Quackenbush 513")
    assert link.startswith("/staff/?search=") and "quackenbush" not in link.lower() and "513" not in link
    again = desk.get(link).text
    assert again.count(match) == results.count(match) and 'value="Quackenbush 513"' in again
    assert [action for _, action, _ in audit_actions(desk)].count("search") == 2  # each run of the search is audited
    assert all("quackenbush" not in (detail or "").lower() for _, _, detail in audit_actions(desk))


def test_a_tampered_search_link_says_so_instead_of_failing(desk: TestClient) -> None:
    page = desk.get("/staff/?search=bm90LWEtc2VhbGVkLXNlYXJjaA")
    assert page.status_code == 200 and "this search link no longer works" in page.text


def test_times_are_in_the_plans_time_zone_and_say_so(desk: TestClient) -> None:
    [reference] = store(desk)
    inbox, case, log = (
        desk.get("/staff/").text,
        desk.get(f"/staff/inquiries/{reference}").text,
        desk.get("/staff/audit").text,
    )
    assert "UTC" not in inbox + case + log
    assert re.search(r'<td class="nowrap">\d{4}-\d\d-\d\d \d\d:\d\d ET</td>', inbox)
    assert re.search(r"<dt>Received</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d Eastern Time</dd>", case)


def test_phones_and_dates_of_birth_are_written_as_people_read_them(desk: TestClient) -> None:
    [reference] = store(desk, phone="5135550142", dob_day="5", dob_month="3", dob_year="1980")
    case = desk.get(f"/staff/inquiries/{reference}").text
    assert '<dd><bdi dir="auto">513-555-0142</bdi></dd>' in case
    assert "<dd>5 March 1980 (1980-03-05)</dd>" in case


def test_history_reads_as_words_and_folds_repeated_reads(desk: TestClient) -> None:
    [reference] = store(desk)
    page = f"/staff/inquiries/{reference}"
    for _ in range(3):
        desk.get(page)
    assert staff_post(desk, page + "/status", {"status": "in_progress"}).status_code == 303
    history = desk.get(page).text.split('<ul class="history">')[1].split("</ul>")[0]
    assert "ana changed the status (New → In progress)" in history and "in_progress" not in history
    assert re.search(r"ana viewed it 4 times on \d{4}-\d\d-\d\d", history)
    assert history.count("viewed") == 1
    assert [action for _, action, ref in audit_actions(desk) if ref == reference].count(
        "view"
    ) == 4  # the log keeps every read


def test_the_export_names_statuses_in_words(desk: TestClient) -> None:
    [reference] = store(desk)
    assert staff_post(desk, f"/staff/inquiries/{reference}/status", {"status": "in_progress"}).status_code == 303
    rows = list(csv.DictReader(io.StringIO(desk.get("/staff/export.csv").content.decode("utf-8-sig"))))
    assert [row["status"] for row in rows] == ["In progress"]
