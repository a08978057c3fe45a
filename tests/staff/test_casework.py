"""Staff casework: due dates from casework.toml, queues, bulk changes, call-back attempts, the
supervisors' report and the daily digest, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.keys.search_index import new_search_key_spec
from forms_backend.staff.accounts import add_user, set_email
from forms_backend.staff.casework.reports import Period, report_in
from forms_backend.staff.casework.rules import CaseRulesError, load_case_rules
from forms_backend.storage import open_database
from forms_backend.storage.records import stamp
from tests.backend import GOOD, STAFF_PASSWORD, make_settings, staff_login, staff_post, submit
from tests.conftest import ROOT
from tests.form.test_notifications import SMTPServer, wait_for

EASTERN = ZoneInfo("America/New_York")
RULES = load_case_rules(ROOT / "casework.toml")
MARKET_RULES = load_case_rules(
    ROOT / "tests/fixtures/markets/casework.toml", ("in-medicaid", "ga-medicaid", "wi-marketplace")
)
RECEIVED = datetime(2026, 11, 27, 15, 30, tzinfo=EASTERN).astimezone(UTC)  # a Friday afternoon


def local(moment: datetime) -> str:
    return moment.astimezone(EASTERN).strftime("%Y-%m-%d %H:%M:%S")


# -- the clocks ----------------------------------------------------------------------------------


def test_a_grievance_is_due_at_the_end_of_the_day_its_days_run_out_in_the_plans_time_zone() -> None:
    due = RULES.deadlines(RECEIVED, RULES.types["grievance"], False, EASTERN)
    assert local(due.acknowledge_by) == "2026-12-02 23:59:59"  # 5 calendar days after Friday 27 November
    assert local(due.resolve_by) == "2027-02-25 23:59:59"  # 90 days


def test_business_days_skip_weekends_and_holidays() -> None:
    business = load_case_rules(ROOT / "casework.toml").__class__(**{**RULES.__dict__, "business_days": True})
    due = business.deadlines(datetime(2026, 12, 23, 15, 0, tzinfo=EASTERN), RULES.types["grievance"], False, EASTERN)
    # Wed 23 Dec + 5 business days: 24 (Thu), [25 holiday], 28, 29, 30, 31 (Thu) -> [1 Jan holiday] ... 31 Dec is the fifth
    assert local(due.acknowledge_by) == "2026-12-31 23:59:59"


def test_an_expedited_appeal_is_due_72_hours_after_receipt() -> None:
    due = RULES.deadlines(RECEIVED, RULES.types["appeal"], True, EASTERN)
    assert due.resolve_by == RECEIVED + timedelta(hours=72)
    assert due.acknowledge_by == due.resolve_by  # never later than the answer


def test_a_market_overrides_a_clock_and_keeps_the_others() -> None:
    georgia, indiana = MARKET_RULES.types_for("ga-medicaid"), MARKET_RULES.types_for("in-medicaid")
    assert (georgia["grievance"].resolve_days, indiana["grievance"].resolve_days) == (30, 90)
    assert georgia["grievance"].acknowledge_days == indiana["grievance"].acknowledge_days == 5


def test_each_topic_opens_the_type_the_file_gives_it() -> None:
    assert [RULES.type_for_topic(t).name for t in ("complaint", "prior_authorization", "claims", "other")] == [
        "grievance",
        "prior-authorization",
        "inquiry",
        "inquiry",
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda t: t.replace('topics = ["complaint"]', 'topics = ["complaints"]'),
            "casework.toml:26: [types.grievance] topic 'complaints' is not a form topic",
        ),
        (
            lambda t: t.replace('topics = ["complaint"]', 'topics = ["complaint", "claims"]'),
            "topic 'claims' opens cases of two types (inquiry, grievance)",
        ),
        (
            lambda t: t.replace("resolve_days = 90", "resolve_days = 0"),
            "casework.toml:28: [types.grievance] resolve_days must be a whole number, 1 or more",
        ),
        (
            lambda t: t + "\n[markets.oh-medicaid.types.appeal]\nresolve_days = 10\n",
            "[markets.oh-medicaid] is not a market of site.toml",
        ),
        (lambda t: t.replace('days = "calendar"', 'days = "weekdays"'), "casework.toml:12: days = 'weekdays'"),
    ],
)
def test_a_mistake_in_the_case_types_file_names_its_line(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "casework.toml"
    path.write_text(change((ROOT / "casework.toml").read_text()))
    with pytest.raises(CaseRulesError) as raised:
        load_case_rules(path)
    assert message in str(raised.value)


# -- cases in the app, on both databases ------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path, built_site: Path, database_url: str):  # type: ignore[no-untyped-def]
    """The app with an admin "ana" signed in, and two staff users, on SQLite or PostgreSQL."""
    with TestClient(create_app(make_settings(tmp_path, built_site, database_url=database_url))) as client:
        database = client.app.state.database
        add_user(database, "ana", STAFF_PASSWORD, "admin")
        add_user(database, "ben", STAFF_PASSWORD, "staff")
        add_user(database, "sam", STAFF_PASSWORD, "supervisor")
        assert staff_login(client, "ana").status_code == 303
        yield client


def store(client: TestClient, **fields: str) -> str:
    sent = submit(client, "en", {**GOOD, **fields})
    assert sent.status_code == 303
    return str(
        client.app.state.database.run_sync_read(
            lambda tx: tx.fetchone("SELECT reference FROM submissions ORDER BY id DESC LIMIT 1")
        )[0]
    )


def row(client: TestClient, reference: str, columns: str) -> tuple[object, ...]:
    return client.app.state.database.run_sync_read(
        lambda tx: tx.fetchone(f"SELECT {columns} FROM submissions WHERE reference = ?", (reference,))
    )


def received_days_ago(client: TestClient, reference: str, days: float) -> None:
    """As if the inquiry had arrived `days` ago: its case opened again from that moment."""
    app = client.app
    created = stamp(datetime.now(UTC) - timedelta(days=days))
    topic, market = row(client, reference, "topic, market")

    def back_date(tx):  # type: ignore[no-untyped-def]
        tx.execute("UPDATE submissions SET created_at = ? WHERE reference = ?", (created, reference))
        app.state.casework.open_case(tx, reference, created, str(topic), str(market))

    app.state.database.run_sync_write(back_date)


def audit_rows(client: TestClient, action: str) -> list[tuple[object, ...]]:
    return client.app.state.database.run_sync_read(
        lambda tx: tx.fetchall("SELECT actor, reference, detail FROM audit_log WHERE action = ? ORDER BY id", (action,))
    )


def test_an_inquiry_gets_its_case_type_and_due_dates_when_it_arrives(desk: TestClient) -> None:
    reference = store(desk, topic="complaint")
    case_type, acknowledge_due, resolve_due, next_due, created = row(
        desk, reference, "case_type, acknowledge_due_at, resolve_due_at, next_due_at, created_at"
    )
    received = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    expected = RULES.deadlines(received, RULES.types["grievance"], False, EASTERN)
    assert (case_type, acknowledge_due, resolve_due) == (
        "grievance",
        stamp(expected.acknowledge_by),
        stamp(expected.resolve_by),
    )
    assert next_due == acknowledge_due  # not acknowledged yet: that deadline comes first
    page = desk.get(f"/staff/inquiries/{reference}").text
    assert "<dt>Case type</dt><dd>Grievance</dd>" in page and re.search(r"\(\d+ days left\)", page)


def test_reclassifying_to_an_expedited_appeal_recomputes_the_deadlines_and_is_audited(desk: TestClient) -> None:
    reference = store(desk, topic="complaint")
    created = datetime.fromisoformat(str(row(desk, reference, "created_at")[0]).replace("Z", "+00:00"))
    assert (
        staff_post(desk, f"/staff/inquiries/{reference}/case", {"case_type": "appeal", "expedited": "yes"}).status_code
        == 303
    )
    assert row(desk, reference, "case_type, expedited, resolve_due_at") == (
        "appeal",
        1,
        stamp(created + timedelta(hours=72)),
    )
    assert ("ana", reference, "grievance → appeal (expedited)") in audit_rows(desk, "reclassify")
    refused = staff_post(desk, f"/staff/inquiries/{reference}/case", {"case_type": "grievance", "expedited": "yes"})
    assert refused.status_code == 400 and "cannot be expedited" in refused.text


def test_answering_resolves_the_case_and_reopening_starts_its_clock_again(desk: TestClient) -> None:
    reference = store(desk, topic="claims")
    staff_post(desk, f"/staff/inquiries/{reference}/acknowledge", {})
    staff_post(desk, f"/staff/inquiries/{reference}/status", {"status": "in_progress"})
    staff_post(desk, f"/staff/inquiries/{reference}/status", {"status": "answered"})
    resolved_at, next_due, hours = row(desk, reference, "resolved_at, next_due_at, resolve_hours")
    assert resolved_at is not None and next_due is None and 0 <= float(hours) < 1  # type: ignore[arg-type]
    staff_post(desk, f"/staff/inquiries/{reference}/status", {"status": "in_progress"})
    resolved_at, next_due, resolve_due = row(desk, reference, "resolved_at, next_due_at, resolve_due_at")
    assert resolved_at is None and next_due == resolve_due


def test_queues_show_mine_unassigned_due_soon_and_overdue_with_counts_most_urgent_first(desk: TestClient) -> None:
    late = store(desk, topic="claims")  # acknowledge within 2 days
    later = store(desk, topic="claims")
    soon = store(desk, topic="claims")
    fresh = store(desk, topic="complaint")
    received_days_ago(desk, late, 6)
    received_days_ago(desk, later, 3)
    received_days_ago(desk, soon, 1)
    staff_post(desk, f"/staff/inquiries/{late}/assign", {"assignee": "ana"})
    staff_post(desk, f"/staff/inquiries/{soon}/assign", {"assignee": "ana"})
    page = desk.get("/staff/?queue=overdue").text
    assert "My queue (2)" in page and "Unassigned (2)" in page and "Overdue (2)" in page
    listed = re.findall(r'<a href="/staff/inquiries/([^"]+)">', page)
    assert listed == [late, later]  # the one overdue longest first
    assert re.search(r"Overdue by \d+ days?", page)
    assert re.findall(r'<a href="/staff/inquiries/([^"]+)">', desk.get("/staff/?queue=mine").text) == [late, soon]
    assert re.findall(r'<a href="/staff/inquiries/([^"]+)">', desk.get("/staff/?queue=due_soon").text) == [soon]
    assert set(re.findall(r'<a href="/staff/inquiries/([^"]+)">', desk.get("/staff/?queue=unassigned").text)) == {
        later,
        fresh,
    }


def test_one_bulk_post_assigns_and_changes_status_with_an_audit_entry_per_case(desk: TestClient) -> None:
    first, second, third = store(desk), store(desk), store(desk)
    body = f"ref={first}&ref={second}&assignee=ben&status=in_progress&back=queue%3Dunassigned"
    csrf = re.search(r'name="csrf" value="([^"]+)"', desk.get("/staff/").text).group(1)  # type: ignore[union-attr]
    done = desk.post(
        "/staff/bulk",
        content=f"{body}&csrf={csrf}",
        headers={"origin": str(desk.base_url).rstrip("/"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert (
        done.status_code == 200
        and "Changed 2 inquiries" in done.text
        and 'href="/staff/?queue=unassigned"' in done.text
    )
    assert {r[1] for r in audit_rows(desk, "assign")} == {first, second}
    assert {(r[1], r[2]) for r in audit_rows(desk, "status")} == {
        (first, "new → in_progress"),
        (second, "new → in_progress"),
    }
    assert row(desk, third, "assigned_to, status") == (None, "new")


def test_a_bulk_status_change_skips_cases_it_cannot_move_and_says_which(desk: TestClient) -> None:
    open_one, closed = store(desk), store(desk)
    staff_post(desk, f"/staff/inquiries/{open_one}/status", {"status": "in_progress"})
    staff_post(desk, f"/staff/inquiries/{closed}/status", {"status": "closed"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', desk.get("/staff/").text).group(1)  # type: ignore[union-attr]
    done = desk.post(
        "/staff/bulk",
        content=f"ref={open_one}&ref={closed}&assignee=-&status=answered&csrf={csrf}",
        headers={"origin": str(desk.base_url).rstrip("/"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert "Changed 1 inquiry: " + open_one in done.text and closed in done.text.split("Not changed")[1]
    assert row(desk, open_one, "status") == ("answered",) and row(desk, closed, "status") == ("closed",)


def test_a_call_is_logged_sealed_at_rest_shown_on_the_case_and_exported(desk: TestClient) -> None:
    reference = store(desk, topic="claims", preferred_language="es")
    now = datetime.now(EASTERN)
    answer = staff_post(
        desk,
        f"/staff/inquiries/{reference}/attempts",
        {
            "day": now.date().isoformat(),
            "time": now.strftime("%H:%M"),
            "outcome": "reached",
            "language": "es",
            "interpreter": "no",
            "note": "Habló con la hija; llamará el lunes",
        },
    )
    assert answer.status_code == 303
    raw = desk.app.state.database.run_sync_read(
        lambda tx: tx.fetchone("SELECT sealed FROM contact_attempts WHERE reference = ?", (reference,))
    )
    assert b"hija" not in bytes(raw[0]) and "Habló".encode() not in bytes(raw[0])
    page = desk.get(f"/staff/inquiries/{reference}").text
    assert "Reached the member" in page and "Habló con la hija" in page
    assert ("ana", reference, "reached, es") in audit_rows(desk, "call")  # the note stays out of the log
    assert (
        row(desk, reference, "acknowledged_at")[0] is not None
    )  # a general inquiry is acknowledged by the first call that reaches the member
    exported = list(csv.DictReader(io.StringIO(desk.get("/staff/export.csv").content.decode("utf-8-sig"))))
    assert "reached es ana: Habló con la hija; llamará el lunes" in exported[0]["contact_attempts"]
    assert exported[0]["case_type"] == "inquiry" and exported[0]["acknowledged_at"]


def test_a_voicemail_does_not_acknowledge_and_a_grievance_waits_for_its_letter(desk: TestClient) -> None:
    inquiry, grievance = store(desk, topic="claims"), store(desk, topic="complaint")
    now = datetime.now(EASTERN)
    call = {
        "day": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "language": "en",
        "interpreter": "no",
        "note": "",
    }
    staff_post(desk, f"/staff/inquiries/{inquiry}/attempts", {**call, "outcome": "voicemail"})
    staff_post(desk, f"/staff/inquiries/{grievance}/attempts", {**call, "outcome": "reached"})
    assert row(desk, inquiry, "acknowledged_at")[0] is None and row(desk, grievance, "acknowledged_at")[0] is None
    staff_post(desk, f"/staff/inquiries/{grievance}/acknowledge", {})
    assert row(desk, grievance, "acknowledged_at")[0] is not None


def test_a_wrong_call_form_comes_back_with_each_error_by_its_field_and_the_input_kept(desk: TestClient) -> None:
    reference = store(desk)
    answer = staff_post(
        desk,
        f"/staff/inquiries/{reference}/attempts",
        {
            "day": "2099-01-01",
            "time": "10:00",
            "outcome": "",
            "language": "es",
            "interpreter": "yes",
            "note": "call again",
        },
    )
    assert answer.status_code == 400
    assert 'id="call-day-error">Error: The call cannot be in the future' in answer.text
    assert 'id="call-outcome-error">Error: Choose one of the options.' in answer.text
    assert (
        'value="2099-01-01"' in answer.text
        and ">call again</textarea>" in answer.text
        and 'id="call-interpreter-yes" name="interpreter" value="yes" checked' in answer.text
    )
    assert (
        desk.app.state.database.run_sync_read(lambda tx: tx.fetchone("SELECT COUNT(*) FROM contact_attempts"))[0] == 0
    )


@pytest.mark.parametrize(
    "path, data",
    [
        ("/staff/bulk", "ref={ref}&assignee=ben"),
        (
            "/staff/inquiries/{ref}/attempts",
            "day=2026-11-30&time=10:00&outcome=reached&language=en&interpreter=no&note=",
        ),
        ("/staff/inquiries/{ref}/case", "case_type=appeal"),
        ("/staff/inquiries/{ref}/acknowledge", ""),
    ],
)
@pytest.mark.parametrize("csrf", ["", "a-token-from-another-session"])
def test_every_new_post_refuses_a_missing_or_foreign_csrf_token(
    desk: TestClient, path: str, data: str, csrf: str
) -> None:
    reference = store(desk, topic="claims")
    body = data.format(ref=reference) + (f"&csrf={csrf}" if csrf else "")
    answer = desk.post(
        path.format(ref=reference),
        content=body.lstrip("&"),
        headers={"origin": str(desk.base_url).rstrip("/"), "content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert row(desk, reference, "assigned_to, acknowledged_at, case_type") == (None, None, "inquiry")


def test_staff_cannot_see_reports_and_supervisors_cannot_manage_or_export(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        add_user(client.app.state.database, "ben", STAFF_PASSWORD, "staff")
        add_user(client.app.state.database, "sam", STAFF_PASSWORD, "supervisor")
        staff_login(client, "ben")
        assert (
            client.get("/staff/reports/").status_code == 403
            and client.get("/staff/reports/report.csv").status_code == 403
        )
        assert "Reports" not in client.get("/staff/").text
        client.cookies.clear()
        staff_login(client, "sam")
        assert (
            client.get("/staff/reports/").status_code == 200
            and client.get("/staff/reports/report.csv").status_code == 200
        )
        assert client.get("/staff/audit").status_code == 403 and client.get("/staff/export.csv").status_code == 403


# -- the report's numbers ---------------------------------------------------------------------------


def nearest_rank(values: list[float], percent: int) -> float | None:
    """The textbook nearest-rank percentile, as a reviewer computes it by hand."""
    ordered = sorted(values)
    return ordered[-(-percent * len(ordered) // 100) - 1] if ordered else None


def fixture_cases() -> list[dict[str, object]]:
    """60 cases over two markets, two languages, three types and five weeks, with chosen durations."""
    cases = []
    for number in range(60):
        week = date(2026, 9, 7) + timedelta(weeks=number % 5)
        case_type = ("inquiry", "grievance", "appeal")[number % 3]
        cases.append(
            {
                "reference": f"REF-{number:04d}",
                "market": ("in-medicaid", "ga-medicaid")[number % 2],
                "lang": ("en", "es")[(number // 2) % 2],
                "case_type": case_type,
                "received_on": (week + timedelta(days=number % 4)).isoformat(),
                "received_week": week.isoformat(),
                "acknowledge_hours": None if number % 7 == 0 else float(1 + (number * 37) % 90),
                "resolve_hours": None if number % 4 == 0 else float(24 + (number * 53) % 500),
                "next_due_at": "2026-01-01T00:00:00.000000Z"
                if number % 9 == 0
                else ("2999-01-01T00:00:00.000000Z" if number % 4 == 0 else None),
            }
        )
    return cases


def test_the_report_matches_a_hand_computed_fixture(database_url: str) -> None:
    database = open_database(database_url)
    cases = fixture_cases()
    database.run_sync_write(
        lambda tx: [
            tx.execute(
                "INSERT INTO submissions (reference, created_at, lang, market, topic, contact_method, preferred_language, sealed, case_type,"
                " received_on, received_week, acknowledge_hours, resolve_hours, next_due_at) VALUES (?, ?, ?, ?, 'other', 'phone', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    c["reference"],
                    f"{c['received_on']}T12:00:00.000000Z",
                    c["lang"],
                    c["market"],
                    c["lang"],
                    b"x",
                    c["case_type"],
                    c["received_on"],
                    c["received_week"],
                    c["acknowledge_hours"],
                    c["resolve_hours"],
                    c["next_due_at"],
                ),
            )
            for c in cases
        ]
    )
    period = Period(date(2026, 9, 7), date(2026, 10, 11), "ga-medicaid")
    report = database.run_sync_read(lambda tx: report_in(tx, period, "2026-11-30T00:00:00.000000Z"))
    database.close_sync()
    chosen = [c for c in cases if c["market"] == "ga-medicaid"]
    assert len(chosen) == 30 and report.weeks == ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05"]
    for (week, case_type, lang), count in report.received.items():
        assert count == sum(
            1 for c in chosen if (c["received_week"], c["case_type"], c["lang"]) == (week, case_type, lang)
        )
    assert report.received_in() == 30 and report.received_in(language="es") == sum(
        1 for c in chosen if c["lang"] == "es"
    )
    for column, timings in (("acknowledge_hours", report.acknowledge), ("resolve_hours", report.resolve)):
        for timing in timings:
            values = [
                float(c[column]) for c in chosen if c[column] is not None and timing.case_type in ("", c["case_type"])
            ]  # type: ignore[arg-type]
            assert (timing.count, timing.median_hours, timing.p90_hours) == (
                len(values),
                nearest_rank(values, 50),
                nearest_rank(values, 90),
            )
    assert report.overdue == {
        t: sum(1 for c in chosen if c["next_due_at"] == "2026-01-01T00:00:00.000000Z" and c["case_type"] == t)
        for t in ("inquiry", "grievance", "appeal")
        if any(c["next_due_at"] == "2026-01-01T00:00:00.000000Z" and c["case_type"] == t for c in chosen)
    }
    # checked by hand: Georgia's 8 acknowledged grievances took 20, 26, 32, 38, 56, 62, 68 and 74 hours;
    # the median is the 4th (rank ceil(0.5 × 8)), the 90th percentile the 8th (rank ceil(0.9 × 8))
    grievance = next(t for t in report.acknowledge if t.case_type == "grievance")
    assert (grievance.count, grievance.median_hours, grievance.p90_hours) == (8, 38.0, 74.0)


def test_the_report_page_draws_accessible_charts_with_their_tables_and_offers_csv(
    tmp_path: Path, built_site: Path
) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        add_user(client.app.state.database, "sam", STAFF_PASSWORD, "supervisor")
        reference = store(client, topic="claims")
        staff_login(client, "sam")
        staff_post(client, f"/staff/inquiries/{reference}/acknowledge", {})
        page = client.get("/staff/reports/").text
        assert (
            '<svg role="img" aria-labelledby="weekly-title weekly-desc"' in page
            and '<title id="weekly-title">Inquiries received per week</title>' in page
        )
        assert "<table>" in page.split('id="weekly-desc"')[1] and "Median to acknowledge" in page
        rows = list(csv.reader(io.StringIO(client.get("/staff/reports/report.csv").text)))
        assert rows[0] == ["measure", "week", "case type", "language", "value"]
        assert ["received", rows[1][1], "General inquiry", "es", "1"] in rows  # the member asked for Spanish


# -- the daily digest ---------------------------------------------------------------------------------


def test_the_daily_digest_reaches_each_staff_member_through_smtp_without_phi(
    tmp_path: Path, built_site: Path, database_url: str
) -> None:
    smtp = SMTPServer()
    smtp.start()
    try:
        settings = make_settings(tmp_path, built_site, database_url=database_url)
        with TestClient(create_app(settings)) as client:
            add_user(client.app.state.database, "ben", STAFF_PASSWORD, "staff")
            set_email(client.app.state.database, "ben", "ben@plan.example")
            add_user(client.app.state.database, "ana", STAFF_PASSWORD, "admin")  # no address: no digest
            late = store(client, topic="claims", last_name="Quackenbush", message="My secret diagnosis")
            received_days_ago(client, late, 5)
            client.app.state.database.run_sync_write(
                lambda tx: tx.execute("UPDATE submissions SET assigned_to = 'ben'")
            )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEYS": settings.encryption_keys,
            "SECRET_KEYS": "digest-test",
            "SEARCH_KEYS": new_search_key_spec(),
            "DATA_DIR": str(tmp_path / "data"),
            "PROJECT_DIR": str(ROOT),
            "SITE_DIR": str(built_site),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "PUBLIC_BASE_URL": "https://plan.example",
        }
        for _ in range(2):  # a timer that fires twice sends one digest
            done = subprocess.run(
                [sys.executable, "-m", "forms_backend", "digest"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
        assert wait_for(lambda: smtp.inbox.messages)
        assert len(smtp.inbox.messages) == 1
        email = message_from_bytes(smtp.inbox.messages[0])
        assert email["To"] == "ben@plan.example" and email["Subject"] == "Tell Us inquiries: 1 overdue, 0 due soon"
        body = email.get_payload(decode=True).decode()
        assert "Overdue: 1" in body and "https://plan.example/staff/?queue=mine" in body
        for private in ("Quackenbush", "secret diagnosis", "María", late):
            assert private not in smtp.inbox.messages[0].decode(errors="replace")
    finally:
        smtp.stop()


def test_inquiries_stored_before_casework_get_their_cases_when_the_server_starts(
    tmp_path: Path, built_site: Path
) -> None:
    settings = make_settings(tmp_path, built_site)
    with TestClient(create_app(settings)) as client:
        reference = store(client, topic="complaint")
        client.app.state.database.run_sync_write(
            lambda tx: tx.execute(
                "UPDATE submissions SET case_type = '', received_on = '', received_week = '', acknowledge_due_at = NULL, resolve_due_at = NULL,"
                " next_due_at = NULL WHERE reference = ?",
                (reference,),
            )
        )
    with TestClient(create_app(settings)) as client:
        assert wait_for(lambda: row(client, reference, "case_type")[0] == "grievance")
        assert row(client, reference, "next_due_at")[0] == row(client, reference, "acknowledge_due_at")[0] is not None
