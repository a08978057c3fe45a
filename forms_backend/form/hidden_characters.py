"""Invisible Unicode format characters (category Cf): bidi overrides and isolates, zero-width spaces.

In a name or an email address they only serve to spoof what staff read ("\u202egro.elpmaxe@x"
shows reversed), so the form refuses them there. A free-text message keeps what the member wrote,
and staff pages and the export show each such character as a visible marker.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

JOINERS = "\u200c\u200d"  # zero-width (non-)joiner: part of how Persian and Indic names are spelled
_MARKER = re.compile(r"\[U\+[0-9A-F]{4,6}\]")


def is_hidden(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def has_hidden_characters(text: str, allow_joiners: bool = False) -> bool:
    """True if `text` holds a format character (a joiner between two letters is allowed when asked)."""
    if text.isascii():
        return False
    for i, char in enumerate(text):
        if not is_hidden(char):
            continue
        between_letters = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if not (allow_joiners and char in JOINERS and between_letters):
            return True
    return False


def spell_out(text: str) -> str:
    """Each format character as visible text, e.g. [U+202E], for exports."""
    if text.isascii():
        return text
    return "".join(f"[U+{ord(c):04X}]" if is_hidden(c) else c for c in text)


def reveal(text: object) -> Markup:
    """Member text for a staff page: isolated from the page's direction, format characters shown as markers."""
    spelled = escape(spell_out(str(text)))
    marked = _MARKER.sub(lambda m: f'<span class="hidden-char">{m.group(0)}</span>', str(spelled))
    return Markup(f'<bdi dir="auto">{marked}</bdi>')
