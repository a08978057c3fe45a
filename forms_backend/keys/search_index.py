"""A blind index: find a submission by what a caller says without decrypting every row, and without
keeping any searchable text (or a plain hash of it) in the database.

Each submission's search terms (its phone, member ID, email, reference, first, last and full name,
each normalised the way a caller would say it) are stored only as
HMAC-SHA256(index key, field || 0x00 || term), truncated to 16 bytes, in `search_terms`. The index
key is derived with HKDF from its own secret (SEARCH_KEYS), separate from the encryption keys.

What it leaks, by design: whether two submissions share a term in the same field (the same phone,
the same last name), to anyone who can read the table. Not the terms themselves, nor whether a
phone and a member ID are equal. Searches are exact per term; there is no prefix search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from forms_backend.storage.references import normalise_reference

DIGEST_BYTES = 16
HKDF_INFO = b"memberpages.search-index.v1"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[\d\s().-]{7,}")
MEMBER_ID = re.compile(r"(?=.*\d)[A-Za-z0-9 ]{6,24}")


def fold_name(text: str) -> str:
    """Case and accents folded, spaces collapsed: 'Núñez' and 'nunez' are one term."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def phone_term(text: str) -> str | None:
    """A US number however typed, as its E.164 digits: '(513) 555-0142' → '+15135550142'."""
    digits = re.sub(r"\D", "", text)
    digits = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    return f"+1{digits}" if len(digits) == 10 else None


def submission_terms(reference: str, fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (field, term) pairs one submission can be found by."""
    terms = [("reference", reference.replace("-", ""))]
    if fields.get("phone") and (phone := phone_term(fields["phone"])):
        terms.append(("phone", phone))
    if fields.get("member_id"):
        terms.append(("member_id", fields["member_id"].replace(" ", "").upper()))
    if fields.get("email"):
        terms.append(("email", fields["email"].strip().lower()))
    first, last = fold_name(fields.get("first_name", "")), fold_name(fields.get("last_name", ""))
    terms += [
        (name, value)
        for name, value in (("first_name", first), ("last_name", last), ("full_name", f"{first} {last}".strip()))
        if value
    ]
    return terms


def query_terms(text: str) -> list[tuple[str, str]]:
    """What a typed search could mean, each reading as a (field, term) to look up."""
    text = text.strip()
    if not text:
        return []
    terms: list[tuple[str, str]] = []
    if reference := normalise_reference(text):
        terms.append(("reference", reference.replace("-", "")))
    if EMAIL.fullmatch(text):
        terms.append(("email", text.lower()))
    if PHONE.fullmatch(text) and (phone := phone_term(text)):
        terms.append(("phone", phone))
    if MEMBER_ID.fullmatch(text):
        terms.append(("member_id", text.replace(" ", "").upper()))
    if not any(ch.isdigit() for ch in text) and "@" not in text:
        name = fold_name(text)
        terms += [("first_name", name), ("last_name", name), ("full_name", name)]
    return terms


@dataclass(frozen=True)
class IndexKey:
    key_id: str
    key: bytes

    def digest(self, field: str, term: str) -> bytes:
        return hmac.new(self.key, field.encode() + b"\0" + term.encode("utf-8"), hashlib.sha256).digest()[:DIGEST_BYTES]


class SearchIndex:
    """The index keys (the first indexes new rows; all are searched, so rotation never misses a row)."""

    def __init__(self, keys: list[IndexKey]) -> None:
        if not keys:
            raise ValueError("no search keys given")
        self.keys = keys

    @property
    def current(self) -> IndexKey:
        return self.keys[0]

    @classmethod
    def from_spec(cls, spec: str) -> SearchIndex:
        """'id1:base64secret,id2:base64secret' — the first is current; each secret goes through HKDF."""
        keys = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, _, encoded = item.partition(":")
            secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            if len(secret) < 32:
                raise ValueError(f"search key {key_id!r} must be at least 32 bytes")
            derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret)
            keys.append(IndexKey(key_id, derived))
        return cls(keys)

    def rows_for(self, submission_id: int, reference: str, fields: Mapping[str, str]) -> list[tuple[int, str, bytes]]:
        """The search_terms rows of one submission, under the current key."""
        key = self.current
        return [
            (submission_id, key.key_id, key.digest(field, term))
            for field, term in dict.fromkeys(submission_terms(reference, fields))
        ]

    def lookups(self, text: str) -> list[bytes]:
        """The digests a search for `text` looks up, under every key still listed."""
        return sorted({key.digest(field, term) for field, term in query_terms(text) for key in self.keys})


def new_search_key_spec(key_id: str = "s1") -> str:
    import os

    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def index_rows(index: SearchIndex, rows: Iterable[tuple[int, str, Mapping[str, str]]]) -> list[tuple[int, str, bytes]]:
    """search_terms rows for many (id, reference, fields) at once."""
    return [
        row for submission_id, reference, fields in rows for row in index.rows_for(submission_id, reference, fields)
    ]
