"""Every phone number and hour comes from site.toml: change it once, every page in both languages follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config.loader import load_config
from sitegen.content.page import parse_page
from sitegen.rendering.placeholders import (
    LITERAL_PHONE,
    LITERAL_TIME,
    MAYBE_PHONE,
    MAYBE_TIME,
    find_literals,
    on_lines_with,
)
from tests.conftest import ROOT, run_build
from tests.text import visible_text

OLD, NEW = "1-844-607-2829", "1-866-555-0199"


def all_html(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}


def test_changing_a_number_in_config_changes_every_page_in_both_languages(project: Path, tmp_path: Path) -> None:
    config = project / "site.toml"
    config.write_text(config.read_text().replace(OLD, NEW))
    result = run_build(project, tmp_path / "out")
    assert result.code == 0, result.stderr
    pages = all_html(tmp_path / "out")
    assert not [name for name, html in pages.items() if OLD in html]
    assert (
        NEW in pages["en/utilization-management/index.html"]
        and "tel:+18665550199" in pages["es/gestion-de-uso/index.html"]
    )
    # the footer shows the line on every page, in both languages
    assert all(NEW in html for html in pages.values())


def test_changing_hours_in_config_changes_both_languages(project: Path, tmp_path: Path) -> None:
    config = project / "site.toml"
    text = config.read_text().replace('close = "17:00"', 'close = "16:30"')
    config.write_text(text)
    result = run_build(project, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert "from 8 a.m. to 4:30 p.m. Eastern Time" in visible_text(
        (tmp_path / "out/en/utilization-management/index.html").read_text()
    )
    assert "de 8 a. m. a 4:30 p. m., hora del este" in visible_text(
        (tmp_path / "out/es/gestion-de-uso/index.html").read_text()
    )


LITERAL = re.compile(r"\d-\d{3}-\d{3}-\d{4}|\b711\b|\d\s?[ap]\.\s?m\.|\d\s?[AaPp][Mm]\b")


@pytest.mark.parametrize("folder", ["content", "templates"])
def test_no_phone_number_or_hour_is_typed_into_sources(folder: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("Call 1-844-607-2829 today.", "{{phone:language-help}}"),
        ("TTY users dial 711.", "{{tty:language-help}}"),
        ("Open until 5 p.m. on Fridays.", "{{hours:NAME}}"),
        ("Abierto hasta las 5 p. m.", "{{hours:NAME}}"),
    ],
)
def test_literal_phone_or_hour_in_markdown_is_an_error_naming_the_placeholder(typed: str, named: str) -> None:
    config = load_config(ROOT / "site.toml")
    page = parse_page(
        f'+++\ntitle = "T"\ndescription = "D"\nkey = "k"\nslug = "s"\n+++\n\n{typed}\n'.encode(),
        "content/en/s.md",
        "en",
    )
    errors = find_literals(page, config)
    assert [(e.path, e.line) for e in errors] == [("content/en/s.md", 8)]
    assert named in errors[0].hint


@pytest.mark.parametrize(
    ("typed", "lang", "hint"),
    [
        ("Call Member Services at 1-844-607-2829.", "en", "use {{phone:member-services}} so it follows"),
        ("Llame a Servicios para Afiliados al 1-844-607-2829.", "es", "use {{phone:member-services}} so it follows"),
        ("Ask the Utilization Management team: 1-844-607-2829.", "en", "use {{phone:um-team}} so it follows"),
        (
            "Call 1-844-607-2829 today.",
            "en",
            "{{phone:language-help}} (Language help), {{phone:member-services}} (Member Services), {{phone:um-team}}",
        ),
    ],
)
def test_a_number_several_lines_share_suggests_the_line_the_sentence_names_or_lists_them_all(
    typed: str, lang: str, hint: str
) -> None:
    config = load_config(ROOT / "site.toml")
    page = parse_page(
        f'+++\ntitle = "T"\ndescription = "D"\nkey = "k"\nslug = "s"\n+++\n\n{typed}\n'.encode(),
        f"content/{lang}/s.md",
        lang,
    )
    [error] = find_literals(page, config)
    assert hint in error.hint


def test_literal_in_content_stops_the_build(project: Path, tmp_path: Path) -> None:
    page = project / "content/en/utilization-management.md"
    lines = page.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "{{phone:language-help}}" in line)
    page.write_text(page.read_text().replace("{{phone:language-help}}", "1-844-607-2829"))
    result = run_build(project, tmp_path / "out")
    assert result.code == 1
    assert (
        f"content/en/utilization-management.md:{number}: phone number '1-844-607-2829' typed into the page"
        in result.stderr
    )


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="0123456789 -.()\nap.mAPM/x:", max_size=60))
def test_the_fast_literal_scan_finds_exactly_what_a_scan_of_the_whole_page_finds(body: str) -> None:
    for maybe, exact in ((MAYBE_PHONE, LITERAL_PHONE), (MAYBE_TIME, LITERAL_TIME)):
        fast = [(m.start(), m.group(0)) for m in on_lines_with(maybe, exact, body)]
        assert fast == [(m.start(), m.group(0)) for m in exact.finditer(body)]
