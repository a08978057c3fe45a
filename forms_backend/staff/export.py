"""CSV export that opens safely in Excel: UTF-8 with BOM, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from ..hidden_characters import spell_out
from ..submissions import StoredInquiry
from .presenting import STATUS_WORDS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits a cell on ";" (Spanish-locale Excel), "," or tab starts new cells there.
FORMULA_AFTER_SPLIT = re.compile(r"([;,\t\r\n]\s*)([=+\-@])")
CLEAR_COLUMNS = ("reference", "received", "status", "assigned_to", "language", "market", "topic", "contact_method", "preferred_language")
SEALED_COLUMNS = ("first_name", "last_name", "member_id", "date_of_birth", "phone", "email", "message")
COLUMNS = CLEAR_COLUMNS + SEALED_COLUMNS


def neutralise(value: str) -> str:
    """Quote-prefix anything a spreadsheet would run as a formula (OWASP CSV injection): the start of
    the cell and the start of every piece a split on ";", ",", tab or a line break would make of it.
    Invisible format characters are spelled out, e.g. [U+202E], so nothing displays reversed."""
    value = FORMULA_AFTER_SPLIT.sub(r"\1'\2", spell_out(value))
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def to_csv(items: Iterable[StoredInquiry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)  # every cell quoted: no field splits on import
    writer.writerow(COLUMNS)
    for item in items:
        row = [item.reference, item.created_at, STATUS_WORDS.get(item.status, item.status), item.assigned_to or "", item.lang, item.market, item.topic, item.contact_method, item.preferred_language]
        row += [item.fields.get(name, "") for name in SEALED_COLUMNS]
        writer.writerow([neutralise(str(cell)) for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
