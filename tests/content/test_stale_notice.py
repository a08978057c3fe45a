"""A translation that fell behind its source tells its readers, in their language, with a link to the
current page and the language-help number; marking it translated takes the notice away again."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from sitegen.config.project import Project
from sitegen.engine.options import BuildOptions
from sitegen.engine.pipeline import Builder
from tests.browser.gate import axe_violations
from tests.browser.scenarios import new_context
from tests.conftest import ROOT, build_py, run_build

EN = "content/en/utilization-management.md"
ES = "content/es/gestion-de-uso.md"
NOTICE = re.compile(r'<div class="notice stale-notice" role="note">(.*?)</div>', re.S)


def change_the_english_page(project: Path) -> None:
    page = project / EN
    page.write_text(page.read_text().replace("We will review the request for:", "We will review each request for:"))


def notice_on(site: Path, page: str = "es/gestion-de-uso/index.html") -> str | None:
    found = NOTICE.search((site / page).read_text())
    return found.group(1) if found else None


def rendered(output: str) -> int:
    return int(re.search(r"rendered (\d+)", output).group(1))  # type: ignore[union-attr]


def test_a_stale_translation_says_so_in_its_language_with_the_source_page_and_the_help_line(project: Path) -> None:
    change_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    notice = notice_on(project / "site")
    assert notice is not None
    assert "La versión en inglés de esta página cambió después de hacerse esta traducción." in notice
    assert '<a href="/en/utilization-management/">Lea la página en inglés</a>' in notice
    assert 'llame al <a href="tel:+18446072829" class="tel">1-844-607-2829</a>' in notice
    assert notice_on(project / "site", "en/utilization-management/index.html") is None
    assert notice_on(project / "site", "es/aviso-de-no-discriminacion/index.html") is None  # up to date: no notice


def git(project: Path, *args: str, date: str = "2026-03-03T10:00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "Editor",
        "GIT_AUTHOR_EMAIL": "e@example.org",
        "GIT_COMMITTER_NAME": "Editor",
        "GIT_COMMITTER_EMAIL": "e@example.org",
    }
    return subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True).stdout


def commit_a_change_to_the_english_page(project: Path) -> None:
    """Pages committed on 5 January 2026, then the English page changed and committed on 3 March."""
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-qm", "pages", date="2026-01-05T10:00:00")
    change_the_english_page(project)
    git(project, "commit", "-qam", "a new sentence")


def test_the_notice_gives_the_date_the_source_was_committed(project: Path) -> None:
    commit_a_change_to_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    assert "La versión en inglés de esta página cambió el 3 de marzo de 2026." in (notice_on(project / "site") or "")


def test_a_date_git_gave_at_a_commit_is_not_asked_again_at_that_commit(project: Path) -> None:
    commit_a_change_to_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    kept = project / ".build-cache/commit-dates.json"
    assert json.loads(kept.read_text()) == {
        "head": git(project, "rev-parse", "HEAD").strip(),
        "dates": {EN: "2026-03-03"},
    }
    kept.write_text(kept.read_text().replace("2026-03-03", "2026-03-04"))  # so that its use shows
    spanish = project / ES
    spanish.write_text(spanish.read_text() + "\n")  # the pair is looked at again by a new process
    assert run_build(project, project / "site").code == 0
    assert "cambió el 4 de marzo de 2026." in (notice_on(project / "site") or "")


def test_a_new_commit_of_the_source_dates_the_notice_anew(project: Path) -> None:
    commit_a_change_to_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    page = project / EN
    page.write_text(page.read_text().replace("We will review each request for:", "We review each request for:"))
    git(project, "commit", "-qam", "another sentence", date="2026-04-07T10:00:00")
    assert run_build(project, project / "site").code == 0
    assert "La versión en inglés de esta página cambió el 7 de abril de 2026." in (notice_on(project / "site") or "")


def test_a_source_changed_since_its_last_commit_gives_no_date(project: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "e@example.org"}
    env |= {"GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "e@example.org"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "pages"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
    change_the_english_page(project)  # not committed: the date git knows is not the change's
    assert run_build(project, project / "site").code == 0
    notice = notice_on(project / "site") or ""
    assert "La versión en inglés de esta página cambió después de hacerse esta traducción." in notice


def test_marking_the_translation_done_removes_the_notice_on_the_next_incremental_build(project: Path) -> None:
    change_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    subprocess.run(
        ["python3", str(ROOT / "build.py"), "translations", "--source", str(project), "--mark", str(project / ES)],
        check=True,
        capture_output=True,
    )
    again = run_build(project, project / "site")
    assert again.code == 0 and rendered(again.stdout) == 1  # the Spanish page alone
    assert notice_on(project / "site") is None


def test_a_body_edit_while_serving_puts_the_notice_on_the_translation_at_once(project: Path) -> None:
    builder = Builder(Project(project), project / "site", BuildOptions(keep_warm=True))  # as `build.py serve` keeps it
    builder.build()
    change_the_english_page(project)
    report = builder.build(touched={project / EN})
    assert report.rendered == 2 and notice_on(project / "site") is not None


def test_the_block_policy_stops_the_build_on_a_stale_translation(project: Path) -> None:
    config = project / "site.toml"
    config.write_text(config.read_text() + '\n[translations]\nstale = "block"\n')
    change_the_english_page(project)
    result = run_build(project, project / "site")
    assert result.code == 1
    assert f"{ES}:6: translation is stale: {EN} changed since it was translated" in result.stderr
    assert "python3 build.py translations --mark" in result.stderr


def stale_copies(project: Path, count: int) -> None:
    """`count` more pairs made from the UM pair, each Spanish page out of date with its English one."""
    for i in range(count):
        for path, slug in ((EN, "utilization-management"), (ES, "gestion-de-uso")):
            text = (project / path).read_text().replace(f'slug = "{slug}"', f'slug = "{slug}-{i}"')
            text = text.replace('key = "utilization-management"', f'key = "copy-{i}"')
            if path == EN:
                text = text.replace("We will review the request for:", "We will review each request for:")
            (project / path.replace(".md", f"-{i}.md")).write_text(text)


def test_thousands_of_stale_translations_print_the_first_few_and_a_count(project: Path) -> None:
    stale_copies(project, 12)
    result = run_build(project, project / "site")
    assert result.code == 0
    listed = [line for line in result.stderr.splitlines() if "translation is stale" in line]
    assert listed == [
        f"content/es/gestion-de-uso-{i}.md:6: translation is stale: content/en/utilization-management-{i}.md changed"
        f" since it was translated — update the text, then run"
        f" `python3 build.py translations --mark content/es/gestion-de-uso-{i}.md` (warning)"
        for i in (0, 1, 10, 11, 2)
    ]
    assert (
        "… and 7 more: 12 translations are stale in all — `python3 build.py translations` lists every one (warnings)"
        in result.stderr
    )
    table = build_py(project, "translations").stdout
    assert all(f"content/es/gestion-de-uso-{i}.md" in table for i in range(12))  # the full list is one command away


def test_a_few_stale_translations_are_each_listed(project: Path) -> None:
    stale_copies(project, 3)
    result = run_build(project, project / "site")
    assert sum("translation is stale" in line for line in result.stderr.splitlines()) == 3
    assert "more:" not in result.stderr


@pytest.mark.browser
def test_the_stale_notice_passes_axe(browser: Browser, project: Path) -> None:
    change_the_english_page(project)
    assert run_build(project, project / "site").code == 0
    site = project / "site"
    page = new_context(browser).new_page()
    page.set_content((site / "es/gestion-de-uso/index.html").read_text(), wait_until="domcontentloaded")
    page.add_style_tag(content=next((site / "static").glob("site.*.css")).read_text())
    problems = axe_violations(page)
    page.context.close()
    assert problems == []
