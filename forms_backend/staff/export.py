"""CSV export that opens safely in Excel: UTF-8 with BOM, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

from forms_backend.form.hidden_characters import spell_out
from forms_backend.staff.casework.attempts import ContactAttempt
from forms_backend.staff.presenting import STATUS_WORDS
from forms_backend.storage.records import StoredInquiry

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits a cell on ";" (Spanish-locale Excel), "," or tab starts new cells there.
FORMULA_AFTER_SPLIT = re.compile(r"([;,\t\r\n]\s*)([=+\-@])")
CLEAR_COLUMNS = (
    "reference",
    "received",
    "status",
    "assigned_to",
    "language",
    "market",
    "topic",
    "contact_method",
    "preferred_language",
)
CASE_COLUMNS = ("case_type", "expedited", "acknowledge_by", "resolve_by", "acknowledged_at", "resolved_at")
SEALED_COLUMNS = ("first_name", "last_name", "member_id", "date_of_birth", "phone", "email", "message")
COLUMNS = CLEAR_COLUMNS + CASE_COLUMNS + SEALED_COLUMNS + ("contact_attempts",)


def neutralise(value: str) -> str:
    """Quote-prefix anything a spreadsheet would run as a formula (OWASP CSV injection): the start of
    the cell and the start of every piece a split on ";", ",", tab or a line break would make of it.
    Invisible format characters are spelled out, e.g. [U+202E], so nothing displays reversed."""
    value = FORMULA_AFTER_SPLIT.sub(r"\1'\2", spell_out(value))
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def to_csv(items: Iterable[StoredInquiry], attempts: Mapping[str, list[ContactAttempt]] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(
        out, lineterminator="\r\n", quoting=csv.QUOTE_ALL
    )  # every cell quoted: no field splits on import
    writer.writerow(COLUMNS)
    for item in items:
        row = [
            item.reference,
            item.created_at,
            STATUS_WORDS.get(item.status, item.status),
            item.assigned_to or "",
            item.lang,
            item.market,
            item.topic,
            item.contact_method,
            item.preferred_language,
        ]
        case = item.case
        row += (
            [
                case.case_type,
                "yes" if case.expedited else "no",
                case.acknowledge_due_at or "",
                case.resolve_due_at or "",
                case.acknowledged_at or "",
                case.resolved_at or "",
            ]
            if case
            else [""] * len(CASE_COLUMNS)
        )
        row += [item.fields.get(name, "") for name in SEALED_COLUMNS]
        row.append("\n".join(attempt_line(a) for a in (attempts or {}).get(item.reference, [])))
        writer.writerow([neutralise(str(cell)) for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def attempt_line(attempt: ContactAttempt) -> str:
    """One call in one cell line: "2026-11-30T15:04:00.000000Z reached es interpreter jdoe: note"."""
    return f"{attempt.at} {attempt.outcome} {attempt.language}{' interpreter' if attempt.interpreter else ''} {attempt.staff}: {attempt.note}"
