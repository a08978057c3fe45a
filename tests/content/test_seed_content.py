"""The seed pages' wording is the content: every sentence, in order, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.text import main_text, normalise

PAGES = [
    ("utilization-management.en.txt", "en/utilization-management/index.html"),
    ("gestion-de-uso.es.txt", "es/gestion-de-uso/index.html"),
]


def seed_sentences(seed: Path) -> list[str]:
    """Each line of the seed, split at sentence ends, bullets removed."""
    sentences = []
    for line in seed.read_text(encoding="utf-8").splitlines():
        line = normalise(re.sub(r"^\s*(?:[-•]\s*)", "", line))
        if line:
            sentences += [s for s in re.split(r"(?<=[.:])\s+(?=[A-ZÁÉÍÓÚÑ“])", line) if s]
    return sentences


@pytest.mark.parametrize(("seed", "page"), PAGES)
def test_every_seed_sentence_appears_in_order_in_the_page(built_site: Path, seed: str, page: str) -> None:
    text = main_text((built_site / page).read_text(encoding="utf-8"))
    position = 0
    for sentence in seed_sentences(SEEDS / seed):
        found = text.find(sentence, position)
        assert found >= 0, f"missing or out of order: {sentence!r}\n(after: {text[position - 80 : position]!r})"
        position = found + len(sentence)


@pytest.mark.parametrize(("seed", "page"), PAGES)
def test_seed_splits_into_many_sentences(seed: str, page: str) -> None:
    # Guards the test above against passing on an empty or unsplit seed.
    assert len(seed_sentences(SEEDS / seed)) >= 35


def test_new_care_approvals_has_stable_anchors(built_site: Path) -> None:
    en = (built_site / "en/utilization-management/index.html").read_text()
    es = (built_site / "es/gestion-de-uso/index.html").read_text()
    assert '<h2 id="new-care-approvals">New Care Approvals</h2>' in en
    assert '<h2 id="autorizaciones-de-nueva-atencion">Autorizaciones de nueva atención</h2>' in es


def test_english_phrases_on_the_spanish_page_are_marked_english(built_site: Path) -> None:
    es = (built_site / "es/gestion-de-uso/index.html").read_text()
    assert '<span lang="en">Utilization Management</span>' in es
    assert '<span lang="en">Food and Drug Administration</span>' in es


@pytest.mark.parametrize(
    ("page", "sentence"),
    [
        (
            "en/utilization-management/index.html",
            'Call <a href="tel:+18446072829" class="tel" aria-label="Member Services: 1-844-607-2829">Member Services</a> and ask',
        ),
        (
            "es/gestion-de-uso/index.html",
            'Llame a <a href="tel:+18446072829" class="tel" aria-label="Servicios para Afiliados: 1-844-607-2829">Servicios para Afiliados</a> y pida',
        ),
    ],
)
def test_where_the_page_says_call_member_services_one_tap_calls_them(
    built_site: Path, page: str, sentence: str
) -> None:
    assert sentence in (built_site / page).read_text()  # the seed's words, unchanged; the line's name is the link
