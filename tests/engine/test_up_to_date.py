"""`build.py` on an unchanged project says so at once, without loading the build engine; any change to
what a build reads (a page, a template, a catalog, a static file, the config, the output) makes it build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("corpus") / "project"
    write_corpus(10, source, seed=5, words_per_page=60)
    return source


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> Path:
    """A copy of the corpus, built into its site/ folder, whose files are older than a clock tick."""
    project = tmp_path / "project"
    shutil.copytree(corpus, project)
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in project.rglob("*"):
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    assert build(project).returncode == 0
    return project


def build(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`python build.py` as an editor runs it, with Python reporting every module it imports."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "build.py"), "--source", str(project), *options],
        capture_output=True,
        text=True,
        timeout=120,
    )


def engine_loaded(run: subprocess.CompletedProcess[str]) -> bool:
    return "sitegen.engine.pipeline" in run.stderr


def test_an_unchanged_project_is_up_to_date_without_loading_the_build_engine(built: Path) -> None:
    again = build(built)
    assert again.returncode == 0
    assert "nothing changed: 22 pages in" in again.stdout
    assert not engine_loaded(again) and "jinja2" not in again.stderr


def _append(path: str) -> Callable[[Path], None]:
    return lambda project: (project / path).write_text((project / path).read_text() + "\n")


def _same_size_edit(project: Path) -> None:
    page = project / "content/en/page-00001.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nX", 1)[:-1])


CHANGES: dict[str, Callable[[Path], None]] = {
    "a page edited to the same size": _same_size_edit,
    "a page's file touched": lambda project: (project / "content/es/pagina-00002.md").touch(),
    "a page added": lambda project: shutil.copy(
        project / "content/en/page-00003.md", project / "content/en/page-00003-copy.md"
    ),
    "the config touched": lambda project: (project / "site.toml").touch(),
    "a template edited": _append("templates/page.html"),
    "a template added": lambda project: (project / "templates/unused.html").write_text("<p>new</p>\n"),
    "a catalog edited": _append("locales/es/LC_MESSAGES/messages.po"),
    "a static file edited": _append("static/site.css"),
    "the taglines edited": _append("content/taglines.toml"),
    "a file deleted from the top of the site": lambda project: (project / "site/robots.txt").unlink(),
    "the site's build id replaced": lambda project: (project / "site/.build-id").write_text("someone else's\n"),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_change_to_what_a_build_reads_makes_build_py_build(built: Path, change: str) -> None:
    CHANGES[change](built)
    again = build(built)
    assert engine_loaded(again), f"{change}: answered 'up to date' without building"


def test_a_page_changed_twice_in_one_clock_tick_is_built_from_its_last_version(built: Path) -> None:
    """File times move in clock ticks: an edit right after the build read the file, to the same size, can
    leave its time as it was. Neither the quick answer nor the build's cache may trust such a time."""
    page = built / "content/en/page-00004.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nFirst version.\n\n", 1))
    assert build(built).returncode == 0  # reads the page within a second of its change
    first = page.stat()
    page.write_text(page.read_text().replace("First version.", "Final version."))
    os.utime(page, ns=(first.st_atime_ns, first.st_mtime_ns))  # as if in the same tick: time and size unchanged
    assert page.stat().st_size == first.st_size
    again = build(built)
    assert again.returncode == 0 and engine_loaded(again)
    assert "Final version." in (built / "site/en/page-00004/index.html").read_text()


def test_a_strict_build_always_builds_to_report_its_warnings_again(built: Path) -> None:
    strict = build(built, "--strict")
    assert engine_loaded(strict)


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_edited_catalog_is_compiled_and_checked_again(built: Path) -> None:
    catalog = built / "locales/es/LC_MESSAGES/messages.po"
    _replace_in(catalog, 'msgstr "Ir al contenido principal"', 'msgstr "Saltar al contenido"')
    assert build(built).returncode == 0
    assert "Saltar al contenido" in (built / "site/es/pagina-00001/index.html").read_text()
    _replace_in(catalog, 'msgid "Skip to main content"', '#, fuzzy\nmsgid "Skip to main content"')
    failed = build(built)
    assert failed.returncode == 1
    assert "UI string 'Skip to main content' is marked fuzzy" in failed.stdout + failed.stderr
    _replace_in(catalog, '#, fuzzy\nmsgid "Skip to main content"', 'msgid "Skip to main content"')
    assert build(built).returncode == 0  # the answer for the catalog as it was is the one kept again
