"""`build.py check` (also run by every build): each check catches its mistake with path:line, and the seed content passes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_py, mark_taglines_reviewed, run_build


def check(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return build_py(project, "check", *options)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


EN = "content/en/utilization-management.md"
ES = "content/es/gestion-de-uso.md"


def test_seed_content_passes_every_check_even_strictly_once_its_taglines_are_reviewed(project: Path) -> None:
    shipped = check(ROOT, "--strict")
    problems = [line for line in shipped.stderr.splitlines() if line.startswith("content/")]
    assert (
        shipped.returncode == 1
        and len(problems) == 15
        and all("has not been reviewed by a qualified translator" in p for p in problems)
    )
    mark_taglines_reviewed(project)
    result = check(project, "--strict")
    assert result.returncode == 0, result.stderr
    assert "check passed: 4 pages, 0 warning(s)" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: edit(p / EN, "## How We Review Requests:", "#### How We Review Requests:"),
            f"{EN}:31: heading 'How We Review Requests:' skips from level 1 to 4 — use ## for it",
        ),
        (
            lambda p: edit(p / EN, "You can call us about:", "![](/static/chart.png)\n\nYou can call us about:"),
            f"{EN}:24: image has no alt text — describe the image",
        ),
        (
            lambda p: edit(p / EN, "[CareSource.com](/en/)", "[CareSource.com](/es/)"),
            f"{EN}:18: link '/es/' leaves the page's language (en)",
        ),
        (
            lambda p: edit(p / ES, "Llámenos al {{phone:language-help}}", "Llámenos al 1-844-607-2829"),
            f"{ES}:30: phone number '1-844-607-2829' typed into the page — use the placeholder of the line you mean, so it follows site.toml: "
            "{{phone:language-help}} (Ayuda con idiomas), {{phone:member-services}} (Servicios para Afiliados)",
        ),
        (
            lambda p: edit(p / "locales/es/LC_MESSAGES/messages.po", 'msgstr "Ir al contenido principal"', 'msgstr ""'),
            "locales/es/LC_MESSAGES/messages.po:",
        ),
        (
            lambda p: edit(
                p / "locales/es/LC_MESSAGES/messages.po",
                'msgid "Skip to main content"',
                '#, fuzzy\nmsgid "Skip to main content"',
            ),
            "UI string 'Skip to main content' is marked fuzzy",
        ),
    ],
    ids=["skipped-heading", "missing-alt", "other-language-link", "literal-phone", "untranslated-ui", "fuzzy-ui"],
)
def test_each_check_reports_its_mistake(project: Path, change: object, message: str) -> None:
    change(project)  # type: ignore[operator]
    result = check(project)
    assert result.returncode == 1
    assert message in result.stderr
    assert "check failed: 1 problem to fix in 1 file" in result.stderr


def test_a_changed_list_item_is_named_by_its_own_line_and_words(project: Path) -> None:
    edit(project / EN, "- Appropriateness of health care services", "- Appropriateness of the health care services")
    table = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "translations", "--source", str(project)],
        capture_output=True,
        text=True,
    )
    changed = [line for line in table.stdout.splitlines() if line.startswith("  line ")]
    assert changed == ["  line 12: - Appropriateness of the health care services"]


def test_hard_to_read_page_is_a_warning_that_strict_makes_fatal(project: Path) -> None:
    long_words = " ".join(
        [
            "Notwithstanding comprehensive administrative considerations, organizational documentation requirements necessitate extraordinary interdepartmental communication"
        ]
        * 6
    )
    edit(project / EN, "You can call us about:", long_words + ".\n\nYou can call us about:")
    relaxed = check(project)
    assert (
        relaxed.returncode == 0
        and f"{EN}:1: reads harder than the target: grade" in relaxed.stderr
        and "(warning)" in relaxed.stderr
    )
    assert check(project, "--strict").returncode == 1


def test_changing_the_source_page_marks_its_translation_stale_until_re_marked(project: Path, tmp_path: Path) -> None:
    mark_taglines_reviewed(project)
    edit(project / EN, "We will review the request for:", "We will review each request for:")
    table = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "translations", "--source", str(project)],
        capture_output=True,
        text=True,
    )
    assert re.search(r"utilization-management +es +stale", table.stdout)
    assert (
        "line 8: We will review each request for:" in table.stdout
    )  # the sentence that changed, not the paragraph's start
    assert "line 15:" not in table.stdout  # unchanged paragraphs are not listed
    build = run_build(project, tmp_path / "site")
    assert build.code == 0 and f"{ES}:6: translation is stale: {EN} changed since it was translated" in build.stderr
    assert check(project, "--strict").returncode == 1
    marked = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "translations", "--source", str(project), "--mark", str(project / ES)],
        capture_output=True,
        text=True,
    )
    assert re.search(r"utilization-management +es +up to date", marked.stdout)
    assert check(project, "--strict").returncode == 0
