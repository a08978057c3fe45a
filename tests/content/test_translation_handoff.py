"""Pages go out to a translation vendor as XLIFF and come back into the Markdown: only what changed is
left to translate, tags keep placeholders and links safe, and a wrong file writes nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from translate.storage import factory

from sitegen.translation.segments import blocks
from tests.conftest import ROOT, build_py, run_build

EN = "content/en/utilization-management.md"
ES = "content/es/gestion-de-uso.md"
CHANGED = "Staff are available to accept collect calls about UM issues, seven days a week."
TRANSLATED = "El personal está disponible para aceptar llamadas de cobro revertido sobre asuntos de UM, los siete días de la semana."


def translations(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return build_py(project, "translations", *args, cwd=project)


def change_one_english_item(project: Path) -> None:
    page = project / EN
    page.write_text(page.read_text().replace("Staff are available to accept collect calls about UM issues.", CHANGED))


def export(project: Path, *options: str) -> Path:
    done = translations(project, "--export", str(project / "out"), *options)
    assert done.returncode == 0, done.stderr
    return project / "out"


def fill(xliff: Path, source: str, target: str) -> None:
    """What the vendor's tool does: put a translation after the unit's source."""
    text = xliff.read_text()
    assert f"<source>{source}</source>" in text
    xliff.write_text(
        text.replace(f"<source>{source}</source>", f"<source>{source}</source>\n        <target>{target}</target>")
    )


def content_bytes(project: Path) -> dict[str, bytes]:
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in sorted((project / "content").rglob("*")) + sorted((project / "translations").rglob("*"))
        if p.is_file()
    }


def untranslated_units(xliff: Path) -> list[str]:
    store = factory.getobject(str(xliff))
    return [str(unit.source) for unit in store.units if not unit.istranslated()]


def test_the_status_names_the_changed_paragraph(project: Path) -> None:
    change_one_english_item(project)
    done = translations(project)
    assert f"{ES} is stale" in done.stdout
    assert f"line 21: - {CHANGED}" in done.stdout


def test_export_writes_a_standard_xliff_file_with_only_the_changed_paragraph_untranslated(project: Path) -> None:
    change_one_english_item(project)
    out = export(project)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xlf"))
    assert files == ["es/utilization-management.xlf"]  # the notice page is up to date: not sent
    xliff = out / files[0]
    store = factory.getobject(str(xliff))  # translate-toolkit's own reader, as Weblate and Pootle use it
    assert store.getsourcelanguage() == "en" and store.gettargetlanguage() == "es"
    assert untranslated_units(xliff) == [CHANGED]
    by_source = {str(unit.source): str(unit.target) for unit in store.units}
    assert by_source["Utilization Management"] == "Gestión de uso"  # unchanged texts carry their translation as context
    assert 'xmlns="urn:oasis:names:tc:xliff:document:1.2"' in xliff.read_text()


def test_placeholders_links_and_markup_travel_as_locked_tags(project: Path) -> None:
    text = (export(project, "--all") / "es/utilization-management.xlf").read_text()
    assert 'Call <ph id="1">{{call:member-services}}</ph> and ask' in text
    assert (
        '<bpt id="1">[</bpt>CareSource.com<ept id="1">](/es/)</ept>' in text
    )  # the link already points at the Spanish home
    assert '(<ph id="1">&lt;span lang="en"&gt;</ph>Utilization Management<ph id="2">&lt;/span&gt;</ph>, UM)' in text


def test_a_link_to_a_page_the_site_serves_itself_points_at_its_translation(project: Path) -> None:
    text = (export(project, "--all") / "es/nondiscrimination-notice.xlf").read_text()
    assert "](/es/asistencia-con-idiomas/)</ept>" in text
    assert "](/en/" not in text


def test_import_updates_only_that_paragraph_and_marks_the_translation(project: Path) -> None:
    change_one_english_item(project)
    before = (project / ES).read_text()
    xliff = export(project) / "es/utilization-management.xlf"
    fill(xliff, CHANGED, TRANSLATED)
    done = translations(project, "--import", str(xliff))
    assert done.returncode == 0, done.stderr
    after = (project / ES).read_text()
    removed = [line for line in before.split("\n") if line not in after.split("\n")]
    added = [line for line in after.split("\n") if line not in before.split("\n")]
    assert removed == [
        'translated_from = "ac7f9dd6b1157fd5"',
        "- El personal está disponible para aceptar llamadas de cobro revertido relacionadas con los asuntos de UM.",
    ]
    assert added[0].startswith('translated_from = "') and added[1] == f"- {TRANSLATED}"
    assert "utilization-management    es        up to date" in translations(project).stdout


def test_a_file_segmented_by_a_cat_tool_imports_the_same(project: Path) -> None:
    change_one_english_item(project)
    xliff = export(project) / "es/utilization-management.xlf"
    fill(xliff, CHANGED, f'<mrk mtype="seg" mid="1">{TRANSLATED}</mrk>')  # as Trados and memoQ save their segments
    done = translations(project, "--import", str(xliff))
    assert done.returncode == 0, done.stderr
    assert f"- {TRANSLATED}\n" in (project / ES).read_text()


def test_after_import_the_next_incremental_build_drops_the_notice_and_renders_only_the_pair(project: Path) -> None:
    change_one_english_item(project)
    assert run_build(project, project / "site").code == 0
    assert "stale-notice" in (project / "site/es/gestion-de-uso/index.html").read_text()
    xliff = export(project) / "es/utilization-management.xlf"
    fill(xliff, CHANGED, TRANSLATED)
    assert translations(project, "--import", str(xliff)).returncode == 0
    again = run_build(project, project / "site")
    assert again.code == 0
    # the English page was built after its change already: the Spanish page is the one left to render
    assert re.search(r"rendered (\d+)", again.stdout).group(1) == "1"  # type: ignore[union-attr]
    spanish = (project / "site/es/gestion-de-uso/index.html").read_text()
    assert "stale-notice" not in spanish and "los siete días de la semana" in spanish


def test_a_round_trip_of_every_page_with_unchanged_translations_rebuilds_a_byte_identical_site(
    project: Path, tmp_path: Path
) -> None:
    assert run_build(project, tmp_path / "before", "--no-cache").code == 0
    sources = content_bytes(project)
    out = export(project, "--all")
    files = sorted(out.rglob("*.xlf"))
    assert len(files) == 2
    done = translations(project, "--import", *map(str, files))
    assert done.returncode == 0, done.stderr
    assert content_bytes(project) == sources
    assert run_build(project, tmp_path / "after", "--no-cache").code == 0
    assert tree(tmp_path / "before") == tree(tmp_path / "after")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".build-id"
    }


def test_a_missing_translation_comes_back_as_a_new_page(project: Path) -> None:
    (project / "content/es/aviso-de-no-discriminacion.md").unlink()
    xliff = export(project) / "es/nondiscrimination-notice.xlf"
    text = xliff.read_text()
    assert "<target" not in text
    units = re.findall(r"<source>(.*?)</source>", text, re.S)
    filled = text
    for source in units:
        translation = "Aviso de no discriminación" if source == "Nondiscrimination notice" else "ES " + source
        filled = filled.replace(
            f"<source>{source}</source>", f"<source>{source}</source><target>{translation}</target>", 1
        )
    xliff.write_text(filled)
    done = translations(project, "--import", str(xliff))
    assert done.returncode == 0, done.stderr
    page = (project / "content/es/aviso-de-no-discriminacion.md").read_text()
    assert page.startswith('+++\ntitle = "Aviso de no discriminación"\n')
    assert 'key = "nondiscrimination-notice"\nslug = "aviso-de-no-discriminacion"\ntranslated_from = "' in page
    assert "## ES Free help for people with disabilities {#disability-help}" in page
    assert run_build(project, project / "site").code == 0


@pytest.mark.parametrize(
    "tamper, message",
    [
        (
            lambda t: t.replace(
                f"<target>{TRANSLATED}</target>", "<target>El personal acepta llamadas.</target>"
            ).replace('Llame a <ph id="1">{{call:member-services}}</ph> y', "Llame a 1-800-555-0100 y"),
            "the translation drops or changes '{{call:member-services}}'",
        ),
        (
            lambda t: t.replace(
                '<target state="final">El equipo de UM atiende las llamadas <ph id="1">{{hours:um-team}}</ph>',
                '<target state="final">El equipo de UM atiende las llamadas <ph id="1">{{hours:member-services}}</ph>',
            ),
            "the translation drops or changes '{{hours:um-team}}' (it has '{{hours:member-services}}' instead)",
        ),
        (
            lambda t: t.replace(
                f"<target>{TRANSLATED}</target>", f"<target>{TRANSLATED} {{{{phone:um-team}}}}</target>"
            ),
            "the words contain '{{' or '}}'",
        ),
        (lambda t: t.replace(f"<target>{TRANSLATED}</target>", ""), "has no translation"),
        (lambda t: t.replace("</trans-unit>", "</trans-unt>", 1), "the file is not well-formed XML"),
        (
            lambda t: t.replace('original="content/en/utilization-management.md"', 'original="content/en/old-page.md"'),
            "the file translates 'content/en/old-page.md', which is not a en page of this project",
        ),
    ],
)
def test_import_refuses_a_bad_file_and_writes_nothing(project: Path, tamper, message: str) -> None:  # type: ignore[no-untyped-def]
    change_one_english_item(project)
    xliff = export(project) / "es/utilization-management.xlf"
    fill(xliff, CHANGED, TRANSLATED)
    xliff.write_text(tamper(xliff.read_text()))
    sources = content_bytes(project)
    done = translations(project, "--import", str(xliff))
    assert done.returncode == 1
    assert message in done.stderr
    assert re.search(r"^out/es/utilization-management\.xlf:\d+: ", done.stderr, re.M)
    assert "Traceback" not in done.stderr and "nothing was written" in done.stderr
    assert content_bytes(project) == sources


def test_import_refuses_a_file_exported_before_the_source_changed_again(project: Path) -> None:
    change_one_english_item(project)
    xliff = export(project) / "es/utilization-management.xlf"
    fill(xliff, CHANGED, TRANSLATED)
    page = project / EN
    page.write_text(page.read_text().replace("Medical necessity", "Medical need"))
    sources = content_bytes(project)
    done = translations(project, "--import", str(xliff))
    assert done.returncode == 1
    assert f"{EN} has changed since this file was exported" in done.stderr
    assert "line-10" in done.stderr  # names the text that changed
    assert "export the page again" in done.stderr
    assert content_bytes(project) == sources


def test_one_bad_file_stops_the_good_ones_too(project: Path) -> None:
    change_one_english_item(project)
    (project / "content/es/aviso-de-no-discriminacion.md").write_text(
        (project / "content/es/aviso-de-no-discriminacion.md")
        .read_text()
        .replace('translated_from = "', 'translated_from = "0')
    )
    out = export(project)
    fill(out / "es/utilization-management.xlf", CHANGED, TRANSLATED)
    broken = out / "es/nondiscrimination-notice.xlf"
    text = broken.read_text()
    in_target = text.index(
        "{{email:civil-rights}}", text.index("{{email:civil-rights}}") + 1
    )  # the first is the source's
    broken.write_text(text[:in_target] + "civil.rights@example.org" + text[in_target + len("{{email:civil-rights}}") :])
    sources = content_bytes(project)
    done = translations(
        project, "--import", str(out / "es/utilization-management.xlf"), str(out / "es/nondiscrimination-notice.xlf")
    )
    assert done.returncode == 1 and "nothing was written" in done.stderr
    assert "the translation drops or changes '{{email:civil-rights}}'" in done.stderr
    assert content_bytes(project) == sources


def test_market_passages_keep_their_fences_through_a_round_trip(tmp_path: Path) -> None:
    project = tmp_path / "markets"
    shutil.copytree(ROOT / "tests/fixtures/markets", project)
    shutil.copy2(ROOT / "content/taglines.toml", project / "content/taglines.toml")
    page = project / "content/en/appeals.md"
    page.write_text(page.read_text().replace("Georgia law gives you 60 days", "Georgia law gives you 65 days"))
    xliff = export(project, "--lang", "es") / "es/appeals.xlf"
    assert untranslated_units(xliff) == ["Georgia law gives you 65 days to ask for an appeal."]
    fill(
        xliff,
        "Georgia law gives you 65 days to ask for an appeal.",
        "La ley de Georgia le da 65 días para pedir una apelación.",
    )
    assert translations(project, "--import", str(xliff)).returncode == 0
    spanish = (project / "content/es/apelaciones.md").read_text()
    assert "::: only ga-medicaid\nLa ley de Georgia le da 65 días para pedir una apelación.\n:::" in spanish


MARKDOWN_LINES = st.lists(
    st.sampled_from(
        [
            "",
            "Plain words.",
            "- an item",
            "1. a numbered item",
            "  continued",
            "## Heading {#id}",
            "| a | b |",
            "|---|---|",
            "::: only x",
            ":::",
            "```",
            "code {{phone:x}}",
            "> quoted",
            "Call {{call:member-services}} or [see](/en/).",
        ]
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(MARKDOWN_LINES)
def test_every_line_of_a_body_belongs_to_exactly_one_block(lines: list[str]) -> None:
    body = "\n".join(lines)
    found = blocks(body, 7)
    assert "\n".join("\n".join(block.raw) for block in found) == body
    assert [block.line for block in found] == sorted({block.line for block in found})
