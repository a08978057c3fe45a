"""Call-back attempts on a case: when, how it went, in which language, with an interpreter or not,
and a short note sealed like the member's own fields. Each attempt is audited; the first one that
reaches the member acknowledges the case when its type says a call does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from forms_backend.form.fields import PREFERRED_LANGUAGES
from forms_backend.keys.crypto import FieldCipher
from forms_backend.staff import audit
from forms_backend.staff.casework.cases import Casework
from forms_backend.staff.presenting import Clock
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import StoredInquiry, stamp

OUTCOMES = ("reached", "voicemail", "no_answer", "wrong_number")
CALL_LANGUAGES = PREFERRED_LANGUAGES  # the languages the form offers members: en, es, other
NOTE_LIMIT = 1000

CLOCK_TIME = "%H:%M"  # how staff enter and see the time of a call


@dataclass(frozen=True)
class ContactAttempt:
    at: str
    staff: str
    outcome: str
    language: str
    interpreter: bool
    note: str


def choice_problems(fields: Mapping[str, str]) -> dict[str, str]:
    """Field name -> problem code for the call form's choices and note (its day and time are the view's)."""
    problems = {}
    for name, allowed in (("outcome", OUTCOMES), ("language", CALL_LANGUAGES), ("interpreter", ("yes", "no"))):
        if fields.get(name) not in allowed:
            problems[name] = "choose_one"
    if len(fields.get("note", "")) > NOTE_LIMIT:
        problems["note"] = "too_long"
    return problems


def record_attempt(
    tx: Tx,
    cipher: FieldCipher,
    casework: Casework,
    actor: str,
    item: StoredInquiry,
    at: datetime,
    outcome: str,
    language: str,
    interpreter: bool,
    note: str,
) -> None:
    """Store one call (its fields checked by `choice_problems`), audit it, and let it acknowledge the case."""
    sealed = cipher.seal({"note": note}, bound_to=f"{item.reference}:call")
    tx.execute(
        "INSERT INTO contact_attempts (reference, at, staff, outcome, language, interpreter, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item.reference, stamp(at), actor, outcome, language, int(interpreter), sealed),
    )
    audit.record(
        tx, actor, "call", item.reference, f"{outcome}, {language}{', interpreter' if interpreter else ''}"
    )  # never the note
    case_type = casework.case_type(item.case.case_type, item.market) if item.case else None
    if outcome == "reached" and case_type is not None and case_type.acknowledged_by_contact:
        casework.acknowledge(tx, actor, item.reference, at, "first call that reached the member")


def attempts_in(tx: Tx, cipher: FieldCipher, references: list[str]) -> dict[str, list[ContactAttempt]]:
    """Each case's attempts, oldest first (for the case page and the CSV export)."""
    found: dict[str, list[ContactAttempt]] = {reference: [] for reference in references}
    for start in range(0, len(references), 500):  # stay under every database's bound-parameter limit
        chunk = references[start : start + 500]
        rows = tx.fetchall(
            f"SELECT reference, at, staff, outcome, language, interpreter, sealed FROM contact_attempts"
            f" WHERE reference IN ({', '.join('?' * len(chunk))}) ORDER BY at, id",
            chunk,
        )
        for reference, at, staff, outcome, language, interpreter, sealed in rows:
            note = cipher.open(bytes(sealed), bound_to=f"{reference}:call")["note"]
            found[str(reference)].append(
                ContactAttempt(str(at), str(staff), str(outcome), str(language), bool(interpreter), note)
            )
    return found


async def attempts_for(database: Database, cipher: FieldCipher, reference: str) -> list[ContactAttempt]:
    return (await database.read(lambda tx: attempts_in(tx, cipher, [reference])))[reference]


def case_page_context(
    casework: Casework | None, clock: Clock, item: StoredInquiry, extra: dict[str, Any]
) -> dict[str, Any]:
    """What the case page shows of the case: its type, the other types, and the call form (kept values, errors)."""
    here = datetime.now(UTC).astimezone(clock.zone(item.market))
    values = {
        "day": here.date().isoformat(),
        "time": here.strftime(CLOCK_TIME),
        "outcome": "",
        "language": item.preferred_language,
        "interpreter": "",
        "note": "",
    }
    values.update(extra.get("attempt_values", {}))
    return {
        "case_type": casework.case_type(item.case.case_type, item.market) if casework and item.case else None,
        "market_types": casework.rules.types_for(item.market) if casework else {},
        "outcomes": OUTCOMES,
        "call_languages": CALL_LANGUAGES,
        "attempt_values": values,
        "attempt_errors": extra.get("attempt_errors", {}),
    }
