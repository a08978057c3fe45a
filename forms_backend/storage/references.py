"""Reference numbers members can read out on the phone: short, unambiguous, unguessable."""

from __future__ import annotations

import re
import secrets

# Crockford's base 32: no I, L, O or U, so nothing is misread as 1, 0 or a rude word.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def new_reference() -> str:
    """60 random bits in three groups of four, e.g. 7KM4-9QPX-2DHT."""
    bits = int.from_bytes(secrets.token_bytes(8), "big") >> 4
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(0, 60, 5))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_reference(text: str) -> str | None:
    """Accept what a member or staff types (lower case, O for 0, no dashes); None if not a reference."""
    cleaned = re.sub(r"[\s-]", "", text.upper()).translate(str.maketrans("OIL", "011"))
    if len(cleaned) != 12:
        return None
    candidate = f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"
    return candidate if PATTERN.fullmatch(candidate) else None
