"""An editor's mistake stops the build with `path:line: problem — hint`, no traceback, and site/ untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_build

EN = "content/en/utilization-management.md"
ES = "content/es/gestion-de-uso.md"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def bad_front_matter(p: Path) -> None:
    edit(p / EN, 'title = "Utilization Management"', "title = Utilization Management")


def unclosed_front_matter(p: Path) -> None:
    edit(p / EN, 'slug = "utilization-management"\n+++', 'slug = "utilization-management"\n')


def missing_title(p: Path) -> None:
    edit(p / ES, 'title = "Gestión de uso"\n', "")


def unknown_placeholder_kind(p: Path) -> None:
    edit(p / EN, "{{tty:language-help}}", "{{fax:language-help}}")


def unknown_contact_line(p: Path) -> None:
    edit(p / ES, "{{hours:um-team}}", "{{hours:um-equipo}}")


def unpaired_page(p: Path) -> None:
    edit(p / ES, 'key = "utilization-management"', 'key = "gestion"')


def duplicate_slug(p: Path) -> None:
    (p / "content/en/copy.md").write_text(
        (p / EN).read_text().replace('key = "utilization-management"', 'key = "copy"')
    )
    (p / "content/es/copia.md").write_text(
        (p / ES)
        .read_text()
        .replace('key = "utilization-management"', 'key = "copy"')
        .replace('slug = "gestion-de-uso"', 'slug = "copia"')
    )


def missing_template(p: Path) -> None:
    (p / "templates/page.html").unlink()


def template_syntax_error(p: Path) -> None:
    edit(p / "templates/page.html", "{{ content }}", "{{ content }")


def broken_link(p: Path) -> None:
    edit(p / EN, "[CareSource.com](/en/)", "[CareSource.com](/en/utilisation/)")


def broken_anchor(p: Path) -> None:
    edit(p / EN, "[CareSource.com](/en/)", "[CareSource.com](/en/utilization-management/#new-approvals)")


def bad_config(p: Path) -> None:
    edit(
        p / "site.toml",
        'hours = [{ days = "mon-fri", open = "08:00", close = "17:00" }]',
        'hours = [{ days = "monday-fri", open = "08:00", close = "17:00" }]',
    )


def invalid_toml_config(p: Path) -> None:
    edit(p / "site.toml", 'plan_name = "CareSource"', 'plan_name = "CareSource')


def unknown_language_code(p: Path) -> None:
    edit(p / "content/taglines.toml", "[so]", "[xx]")


def list_names_a_language_without_tagline(p: Path) -> None:
    edit(p / "site.toml", '"it", "ro", "fil"]', '"it", "ro", "fil", "hmn"]')


def short_list(p: Path) -> None:
    edit(p / "site.toml", ', "it", "ro", "fil"]', "]")


def tagline_with_another_lines_phone(p: Path) -> None:
    edit(p / "content/taglines.toml", "Gọi số {{phone:language-help}}", "Gọi số {{phone:member-services}}")


def tagline_with_a_typed_number(p: Path) -> None:
    edit(p / "content/taglines.toml", "Wac {{phone:language-help}}", "Wac 1-844-607-2829")


def footer_without_the_notices(p: Path) -> None:
    text = (p / "templates/base.html").read_text()
    start, end = (
        text.index('<p class="notices">'),
        text.index("</p>", text.index('<p class="notices">')) + len("</p>\n"),
    )
    (p / "templates/base.html").write_text(text[:start] + text[end:])


def nondiscrimination_page_missing(p: Path) -> None:
    (p / "content/es/aviso-de-no-discriminacion.md").unlink()
    (p / "content/en/nondiscrimination-notice.md").unlink()


CASES: list[tuple[Callable[[Path], None], str, str]] = [
    (bad_front_matter, f"{EN}:2: front matter cannot be read: a value is not in double quotes", "double quotes"),
    (unclosed_front_matter, f"{EN}:1: front matter is never closed", "add a '+++' line"),
    (missing_title, f"{ES}:1: front matter needs a non-empty 'title'", 'add title = "…"'),
    (
        unknown_placeholder_kind,
        f"{EN}:29: unknown placeholder kind 'fax'",
        "use one of: phone, tty, hours, contact, call, email, address, form",
    ),
    (
        unknown_contact_line,
        f"{ES}:18: unknown contact line 'um-equipo'",
        "use one of: civil-rights, hhs-ocr, language-help, member-services, um-team",
    ),
    (unpaired_page, f"{EN}:4: no Spanish page has key 'utilization-management'", "add content/es/<slug>.md"),
    (duplicate_slug, f"{EN}:5: slug 'utilization-management' is already used by content/en/copy.md", "different slug"),
    (missing_template, "templates/page.html: template is missing", "create it"),
    (template_syntax_error, "templates/page.html:13: template syntax error", "check the {% %} and {{ }} tags"),
    (broken_link, f"{EN}:18: link '/en/utilisation/' leads to no page", "check the slug"),
    (
        broken_anchor,
        f"{EN}:18: link '/en/utilization-management/#new-approvals' names a heading that does not exist",
        "#new-care-approvals",
    ),
    (bad_config, "site.toml:", "cannot read days 'monday-fri'"),
    (invalid_toml_config, "site.toml:5: not valid TOML", "check quotes"),
    (
        unknown_language_code,
        "content/taglines.toml:33: unknown language code 'xx'",
        "use a BCP 47 code that CLDR knows",
    ),
    (
        list_names_a_language_without_tagline,
        "site.toml:63: notices.taglines names 'hmn', which has no tagline in content/taglines.toml",
        "add a [hmn] table",
    ),
    (
        short_list,
        "site.toml:63: notices.taglines lists 12 languages; at least 15 are needed",
        "the state's top 15 languages",
    ),
    (
        tagline_with_another_lines_phone,
        "content/taglines.toml:43: tagline 'vi' uses {{phone:member-services}}, not the language-help line",
        "write {{phone:language-help}}",
    ),
    (
        tagline_with_a_typed_number,
        "content/taglines.toml:33: tagline 'so' has a phone number typed into it",
        "use {{phone:language-help}}",
    ),
    (
        footer_without_the_notices,
        "templates/page.html: a page made from it has no link to the notice at /en/language-assistance/",
        '<p class="notices">',
    ),
    (
        nondiscrimination_page_missing,
        "site.toml:56: the nondiscrimination notice /en/nondiscrimination-notice/ is not a page",
        "write content/en/nondiscrimination-notice.md",
    ),
]


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize(("mistake", "message", "hint"), CASES, ids=[c[0].__name__ for c in CASES])
def test_mistake_gives_path_line_message_and_keeps_previous_site(
    project: Path, tmp_path: Path, mistake: Callable[[Path], None], message: str, hint: str
) -> None:
    out = tmp_path / "site"
    assert run_build(project, out).code == 0
    before = tree_digest(out)
    mistake(project)
    result = run_build(project, out)
    assert result.code == 1
    assert message in result.stderr
    assert hint in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]  # no half-written staging folders left


def test_all_problems_are_reported_in_one_run(project: Path, tmp_path: Path) -> None:
    unknown_placeholder_kind(project)
    unknown_contact_line(project)
    result = run_build(project, tmp_path / "site")
    assert "unknown placeholder kind 'fax'" in result.stderr and "unknown contact line 'um-equipo'" in result.stderr
    assert "build stopped: 2 problems to fix" in result.stderr
