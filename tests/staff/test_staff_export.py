"""The staff CSV export: every column, every cell quoted, UTF-8 with a BOM, and nothing a spreadsheet
would run as a formula or show reversed."""

from __future__ import annotations

import csv
import io

import pytest

from forms_backend.staff.casework.attempts import ContactAttempt
from forms_backend.staff.export import COLUMNS, attempt_line, neutralise, to_csv
from forms_backend.storage.records import CaseState, StoredInquiry

ITEM = StoredInquiry(
    reference="AB12-CD34-EF56",
    created_at="2026-12-01T15:00:00.000000Z",
    lang="es",
    topic="claims",
    contact_method="phone",
    preferred_language="es",
    status="in_progress",
    assigned_to="jdoe",
    fields={"first_name": "Ana", "last_name": "García", "phone": "5135550142", "message": "=1+2"},
    market="ohio-medicaid",
    case=CaseState("grievance", True, "2026-12-02", "2026-12-31", None, None, "2026-12-02"),
)


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"))))


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_quote_prefixed(prefix: str) -> None:
    assert neutralise(prefix + "SUM(A1:A9)") == "'" + prefix + "SUM(A1:A9)"


@pytest.mark.parametrize("separator", [";", ",", "\t", "\r", "\n", "; "])
def test_a_formula_after_a_separator_a_spreadsheet_splits_on_is_quote_prefixed(separator: str) -> None:
    assert neutralise(f"hello{separator}=HYPERLINK(x)") == f"hello{separator}'=HYPERLINK(x)"


def test_ordinary_text_is_left_alone() -> None:
    assert neutralise("Ana García, 2 + 2 = 4") == "Ana García, 2 + 2 = 4"


def test_invisible_format_characters_are_spelled_out() -> None:
    assert neutralise("gro.elpmaxe@\u202eana") == "gro.elpmaxe@[U+202E]ana"


def test_the_export_has_every_column_and_one_row_per_inquiry() -> None:
    exported = rows(to_csv([ITEM, ITEM]))
    assert len(exported) == 2
    assert list(exported[0]) == list(COLUMNS)
    row = exported[0]
    assert row["reference"] == "AB12-CD34-EF56"
    assert row["status"] == "In progress"
    assert row["assigned_to"] == "jdoe"
    assert row["market"] == "ohio-medicaid"
    assert (row["case_type"], row["expedited"], row["acknowledge_by"], row["resolve_by"]) == (
        "grievance",
        "yes",
        "2026-12-02",
        "2026-12-31",
    )
    assert (row["acknowledged_at"], row["resolved_at"]) == ("", "")
    assert (row["first_name"], row["last_name"], row["email"]) == ("Ana", "García", "")
    assert row["message"] == "'=1+2"


def test_every_cell_is_quoted_and_lines_end_in_crlf() -> None:
    text = to_csv([ITEM]).decode("utf-8").removeprefix("\ufeff")
    header, first, end = text.split("\r\n")
    assert header.startswith('"reference","received",') and first.startswith('"AB12-CD34-EF56",')
    assert end == ""


def test_an_inquiry_without_a_case_has_empty_case_columns_and_no_assignee() -> None:
    plain = StoredInquiry("AB12-CD34-EF57", "2026-12-01", "en", "other", "email", "en", "new", None, {})
    row = rows(to_csv([plain]))[0]
    assert [row[c] for c in ("case_type", "expedited", "acknowledge_by", "assigned_to")] == ["", "", "", ""]
    assert row["status"] == "New"


def test_a_case_that_is_not_expedited_and_has_no_deadlines_says_so() -> None:
    calm = StoredInquiry(
        "AB12-CD34-EF59",
        "2026-12-01",
        "en",
        "other",
        "email",
        "en",
        "closed",
        None,
        {},
        case=CaseState("inquiry", False, None, None, "2026-12-01", "2026-12-02", None),
    )
    row = rows(to_csv([calm]))[0]
    assert [row[c] for c in ("expedited", "acknowledge_by", "resolve_by", "acknowledged_at", "resolved_at")] == [
        "no",
        "",
        "",
        "2026-12-01",
        "2026-12-02",
    ]


def test_a_status_without_words_is_shown_as_stored() -> None:
    odd = StoredInquiry("AB12-CD34-EF58", "2026-12-01", "en", "other", "email", "en", "archived", None, {})
    assert rows(to_csv([odd]))[0]["status"] == "archived"


def test_calls_are_listed_one_per_line_in_their_cell() -> None:
    calls = [
        ContactAttempt("2026-12-02T14:00:00Z", "jdoe", "no_answer", "es", False, "left voicemail"),
        ContactAttempt("2026-12-03T14:00:00Z", "jdoe", "reached", "es", True, "-explained"),
    ]
    row = rows(to_csv([ITEM], {"AB12-CD34-EF56": calls}))[0]
    assert row["contact_attempts"] == (
        "2026-12-02T14:00:00Z no_answer es jdoe: left voicemail\n2026-12-03T14:00:00Z reached es interpreter jdoe: -explained"
    )


def test_one_call_reads_as_a_line() -> None:
    call = ContactAttempt("2026-12-02T14:00:00Z", "ana", "reached", "en", False, "")
    assert attempt_line(call) == "2026-12-02T14:00:00Z reached en ana: "
