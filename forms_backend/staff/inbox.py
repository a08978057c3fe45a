"""Reading submissions for staff: filters in SQL on clear columns, decryption only of what is shown.

Search never puts the searched text into SQL (and so never into query logs): the filtered
candidates are decrypted here and matched in memory.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from forms_backend.form.submissions import SELECT, open_row
from forms_backend.keys.crypto import DecryptionFailed, FieldCipher
from forms_backend.keys.search_index import PHONE, SearchIndex, fold_name, phone_term, query_terms, submission_terms
from forms_backend.staff import counts
from forms_backend.staff.filters import STATUSES, Filters, Viewer
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import StoredInquiry
from forms_backend.storage.references import normalise_reference

NEXT_STATUSES = {
    "new": ("in_progress", "closed"),
    "in_progress": ("answered", "closed"),
    "answered": ("closed", "in_progress"),
    "closed": ("in_progress",),
}
PER_PAGE = 50
SEARCH_CANDIDATES = 5000


@dataclass(frozen=True)
class InboxPage:
    items: list[StoredInquiry]
    total: int
    counts: dict[str, int]
    filters: Filters
    queue_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


async def inbox_page(
    database: Database, cipher: FieldCipher, filters: Filters, viewer: Viewer | None = None
) -> InboxPage:
    where, params = filters.where(viewer=viewer)
    plain = replace(filters, queue="", status="")

    def read(tx: Tx) -> InboxPage:
        select = SELECT + counts.queue_index(tx, filters.queue if viewer else "")
        rows = tx.fetchall(
            f"{select}{where}{filters.order} LIMIT ? OFFSET ?", (*params, PER_PAGE, (filters.page - 1) * PER_PAGE)
        )
        queue_counts = counts.per_queue(tx, plain, viewer) if viewer else {}
        if filters.queue and viewer:
            in_queue = counts.per_queue(tx, filters, viewer) if filters.status else queue_counts
            total = in_queue[filters.queue]
        else:
            total = counts.matching(tx, filters)
        status_counts = dict.fromkeys(STATUSES, 0)
        if not filters.queue:  # a queue is about deadlines; its page shows no status tabs to count for
            status_counts.update(counts.per_status(tx, filters))
        return InboxPage([open_row(cipher, row) for row in rows], total, status_counts, filters, queue_counts)

    return await database.read(read)


SEARCH_SEAL = "staff-search"
INDEXED_RESULTS = 100  # the newest matches one indexed search shows (a common name): staff narrow with a filter
DECRYPT_ON_LOOP = 20  # up to this many rows are decrypted in place; more go to a worker thread
NAME_FIELDS = {"first_name", "last_name", "full_name"}


def seal_search(cipher: FieldCipher, text: str) -> str:
    """The searched words, sealed into a URL-safe token (the search link's only trace of them)."""
    return base64.urlsafe_b64encode(cipher.seal({"q": text}, bound_to=SEARCH_SEAL)).decode().rstrip("=")


def open_search(cipher: FieldCipher, token: str) -> str | None:
    try:
        return cipher.open(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), bound_to=SEARCH_SEAL).get("q", "")
    except (ValueError, DecryptionFailed):
        return None


def matcher(text: str) -> Callable[[StoredInquiry], bool]:
    """What a caller says, matched the way they say it: a reference read aloud ("7km4 9qpx 2dht"),
    a phone number typed any way ("+1 (513) 555-0142"), or words, ignoring case and accents."""
    reference = normalise_reference(text)
    if reference:
        return lambda item: item.reference == reference
    if PHONE.fullmatch(text.strip()):
        digits = (phone_term(text) or re.sub(r"\D", "", text)).removeprefix("+1")  # part of a number matches too
        return lambda item: digits in item.fields.get("phone", "")
    needle = fold_name(text)
    return lambda item: bool(needle) and needle in fold_name(" ".join([item.reference, *item.fields.values()]))


async def search(
    database: Database, cipher: FieldCipher, index: SearchIndex | None, filters: Filters, text: str
) -> tuple[list[StoredInquiry], bool]:
    """Submissions in the filtered set that match `text`; True if only the newest were searched.

    A phone, member ID, email, reference or name is looked up in the blind index across all time, and
    only the rows it names are decrypted. Other words (in messages) fall back to decrypting the newest
    SEARCH_CANDIDATES submissions of the filter, off the event loop."""
    matches = matcher(text)
    readings = query_terms(text)
    where, params = filters.where()
    if index is not None and readings:
        digests = index.lookups(text)
        looked_up = f"id IN (SELECT submission_id FROM search_terms WHERE digest IN ({', '.join('?' * len(digests))}))"
        sql = f"{SELECT}{where}{' AND ' if where else ' WHERE '}{looked_up} ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = await database.read(lambda tx: tx.fetchall(sql, (*params, *digests, INDEXED_RESULTS + 1)))
        wanted = set(readings)  # the same terms, compared in the clear once decrypted
        found = await opened_matches(
            cipher,
            rows[:INDEXED_RESULTS],
            lambda item: not wanted.isdisjoint(submission_terms(item.reference, item.fields)),
        )
        if found or any(field not in NAME_FIELDS for field, _ in readings):
            return found, len(
                rows
            ) > INDEXED_RESULTS  # a number, an address or a reference: the index is the whole answer
    rows = await database.read(
        lambda tx: tx.fetchall(
            f"{SELECT}{where} ORDER BY created_at DESC, id DESC LIMIT ?", (*params, SEARCH_CANDIDATES + 1)
        )
    )
    return await opened_matches(cipher, rows[:SEARCH_CANDIDATES], matches), len(rows) > SEARCH_CANDIDATES


async def opened_matches(
    cipher: FieldCipher, rows: list[tuple[object, ...]], matches: Callable[[StoredInquiry], bool]
) -> list[StoredInquiry]:
    """Decrypt and keep the matching rows; more than a handful are decrypted in a worker thread."""

    def work() -> list[StoredInquiry]:
        return [item for item in (open_row(cipher, row) for row in rows) if matches(item)]

    return work() if len(rows) <= DECRYPT_ON_LOOP else await asyncio.to_thread(work)


async def export_rows(
    database: Database, cipher: FieldCipher, filters: Filters, viewer: Viewer | None = None
) -> list[StoredInquiry]:
    where, params = filters.where(viewer=viewer)
    rows = await database.read(lambda tx: tx.fetchall(f"{SELECT}{where}{filters.order}", params))
    return [open_row(cipher, row) for row in rows]
