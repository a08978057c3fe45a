"""Storing and reading inquiries: identifying fields sealed, filterable fields in clear."""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol

from forms_backend.form.fields import Inquiry
from forms_backend.form.tokens import TokenReplayed
from forms_backend.keys.crypto import FieldCipher
from forms_backend.keys.search_index import SearchIndex
from forms_backend.storage.database import Database, IntegrityViolation, Tx
from forms_backend.storage.records import CaseState, StoredInquiry, utc_now
from forms_backend.storage.references import new_reference


class CaseOpener(Protocol):
    """The case a new submission opens (staff casework): columns stored with it, in the same statement."""

    def new_case(self, created_at: str, topic: str, market: str) -> dict[str, object]: ...


class Submissions:
    def __init__(
        self,
        database: Database,
        cipher: FieldCipher,
        notify: bool = False,
        index: SearchIndex | None = None,
        casework: CaseOpener | None = None,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.notify = notify  # queue a staff notification in the same transaction
        self.index = index  # the blind index the submission's search terms go into, in the same transaction
        self.casework = casework  # opens the case (type, deadlines) in the same transaction

    async def store(self, inquiry: Inquiry, lang: str, token_nonce: str, market: str = "") -> str:
        """Store durably and return the new reference; raise TokenReplayed if the token was used."""
        reference = new_reference()
        sealed = self.cipher.seal(inquiry.identifying(), bound_to=reference)
        now = utc_now()
        index = self.index

        def insert(tx: Tx) -> str:
            try:
                tx.execute("INSERT INTO used_form_tokens (nonce, used_at) VALUES (?, ?)", (token_nonce, now))
            except IntegrityViolation:
                raise TokenReplayed() from None
            columns: dict[str, object] = {
                "reference": reference,
                "created_at": now,
                "lang": lang,
                "market": market,
                "topic": inquiry.topic,
                "contact_method": inquiry.contact_method,
                "preferred_language": inquiry.preferred_language,
                "sealed": sealed,
                **(self.casework.new_case(now, inquiry.topic, market) if self.casework is not None else {}),
            }
            # one statement: each later UPDATE of a counted column would move the row between kept counts again
            tx.execute(
                f"INSERT INTO submissions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
            if index is not None:
                row = tx.fetchone("SELECT id FROM submissions WHERE reference = ?", (reference,))
                insert_terms(tx, index.rows_for(int(row[0]), reference, inquiry.identifying()))  # type: ignore[index]
            if self.notify:
                tx.execute("INSERT INTO outbox (reference, next_attempt_at) VALUES (?, ?)", (reference, now))
            return reference

        return await self.database.write(insert)

    async def get(self, reference: str) -> StoredInquiry | None:
        rows = await self.database.read(lambda tx: tx.fetchall(SELECT + " WHERE reference = ?", (reference,)))
        return open_row(self.cipher, rows[0]) if rows else None

    async def count(self) -> int:
        row = await self.database.read(lambda tx: tx.fetchone("SELECT COUNT(*) FROM submissions"))
        return int(row[0]) if row else 0


def insert_terms(tx: Tx, rows: list[tuple[int, str, bytes]]) -> None:
    tx.executemany("INSERT INTO search_terms (submission_id, key_id, digest) VALUES (?, ?, ?)", rows)


def reindex(database: Database, cipher: FieldCipher, index: SearchIndex, batch: int = 2000) -> int:
    """Give every submission its search terms under the current index key, and drop digests made
    under any other key (after a rotation). Resumable: each batch commits on its own. Returns how
    many submissions were indexed."""
    key_id = index.current.key_id
    database.run_sync_write(lambda tx: tx.execute("DELETE FROM search_terms WHERE key_id <> ?", (key_id,)))
    done = 0
    while True:
        rows = database.run_sync_read(
            lambda tx: tx.fetchall(
                "SELECT id, reference, sealed FROM submissions s WHERE NOT EXISTS"
                " (SELECT 1 FROM search_terms t WHERE t.submission_id = s.id AND t.key_id = ?) ORDER BY id LIMIT ?",
                (key_id, batch),
            )
        )
        if not rows:
            return done
        terms = [
            term
            for submission_id, reference, sealed in rows
            for term in index.rows_for(
                int(submission_id), str(reference), cipher.open(bytes(sealed), bound_to=str(reference))
            )
        ]
        database.run_sync_write(partial(insert_terms, rows=terms))
        done += len(rows)


SELECT = (
    "SELECT reference, created_at, lang, topic, contact_method, preferred_language, status, assigned_to, sealed, market,"
    " case_type, expedited, acknowledge_due_at, resolve_due_at, acknowledged_at, resolved_at, next_due_at FROM submissions"
)


def open_row(cipher: FieldCipher, row: tuple[Any, ...]) -> StoredInquiry:
    """A submissions row (columns as in SELECT), its sealed fields decrypted."""
    reference, created, lang, topic, method, preferred, status, assigned, sealed, market, case_type, expedited, *due = (
        row
    )
    fields = cipher.open(bytes(sealed), bound_to=reference)
    case = CaseState(case_type, bool(expedited), *due) if case_type else None
    return StoredInquiry(reference, created, lang, topic, method, preferred, status, assigned, fields, market, case)
