"""Readability per page and language, reported against the plan's targets (warnings, never fatal).

English: Flesch–Kincaid grade level. Spanish: Fernández-Huerta ease (0–100, higher is easier).
Syllables come from pyphen's hyphenation dictionaries, which ship with the package (no download).
"""

from __future__ import annotations

import functools
import html
import re

import pyphen

from sitegen.content.page import Page
from sitegen.errors import ContentError, SourceError

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")
DICTIONARIES = {"en": "en_US", "es": "es"}


@functools.cache
def _hyphenator(lang: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=DICTIONARIES.get(lang, lang))


@functools.lru_cache(maxsize=200_000)
def syllables(word: str, lang: str) -> int:
    """Syllables in a word, remembered: a site reuses a few thousand words on every page."""
    return max(1, len(_hyphenator(lang).positions(word.lower())) + 1)


def text_of(body_html: str) -> str:
    """Visible text; list items and headings count as sentences of their own."""
    text = re.sub(r"</(li|h[1-6]|p|td|th)>", ". ", body_html)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def scores(text: str, lang: str) -> tuple[float, int]:
    """(score, words): FK grade for English, Fernández-Huerta ease for Spanish."""
    words = WORD.findall(text)
    if not words:
        return 0.0, 0
    sentences = max(1, len([s for s in SENTENCE_END.split(text) if WORD.search(s)]))
    syllable_count = sum(syllables(w, lang) for w in words)
    if lang == "es":
        per_100_syllables = syllable_count * 100 / len(words)
        per_100_sentences = sentences * 100 / len(words)
        return 206.84 - 0.60 * per_100_syllables - 1.02 * per_100_sentences, len(words)
    return 0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59, len(words)


def check_readability(page: Page, body_html: str, targets: dict[str, float]) -> list[SourceError]:
    """A warning when the page reads harder than the target for its language."""
    score, words = scores(text_of(body_html), page.lang)
    if words < 30 or page.lang not in targets:
        return []
    target = targets[page.lang]
    if page.lang == "es" and score < target:
        return [
            ContentError(
                page.path,
                1,
                f"reads harder than the target: Fernández-Huerta {score:.0f} (target {target:.0f} or more)",
                "use shorter sentences and shorter, common words",
            )
        ]
    if page.lang != "es" and score > target:
        return [
            ContentError(
                page.path,
                1,
                f"reads harder than the target: grade {score:.1f} (target {target:.0f} or lower)",
                "use shorter sentences and shorter, common words",
            )
        ]
    return []
