"""Rebuilds do only what changed, in parallel when there is much to do, and give the same bytes as a clean build."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from tests.conftest import run_build
from tests.engine.test_deterministic_build import snapshot


def rendered(output: str) -> int:
    match = re.search(r"rendered (\d+)", output)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 English and 100 Spanish pages: enough to take the parallel path."""
    source = tmp_path_factory.mktemp("corpus") / "project"
    write_corpus(100, source, seed=3, words_per_page=120)
    return source


def fresh(corpus: Path, tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(corpus, copy)
    return copy


def test_parallel_build_is_byte_identical_to_single_process_build(corpus: Path, tmp_path: Path) -> None:
    one = run_build(corpus, tmp_path / "one", "--jobs", "1", "--no-cache")
    two = run_build(corpus, tmp_path / "two", "--jobs", "2", "--no-cache")
    assert one.code == two.code == 0, one.stderr + two.stderr
    assert rendered(two.stdout) == 202  # 100 pairs and the nondiscrimination notice
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_unchanged_tree_rebuilds_without_rendering_anything(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    again = run_build(project, tmp_path / "site")
    assert again.code == 0 and "nothing changed" in again.stdout and rendered(again.stdout) == 0


def test_one_page_edit_renders_only_that_page_and_matches_a_clean_build(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    page = project / "content/es/pagina-00042.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nUna frase nueva.\n\n", 1))
    edit = run_build(project, tmp_path / "site")
    assert edit.code == 0 and rendered(edit.stdout) == 1
    assert "Una frase nueva." in (tmp_path / "site/es/pagina-00042/index.html").read_text()
    assert run_build(project, tmp_path / "clean", "--no-cache").code == 0
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "clean")


def test_config_value_edit_renders_exactly_the_pages_that_show_it(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    showing = {p for p in (project / "content").rglob("*.md") if "{{hours:um-team}}" in p.read_text()}
    assert 0 < len(showing) < 202
    config = project / "site.toml"
    text = config.read_text()
    um_team = text.index("[contacts.um-team]")
    config.write_text(text[:um_team] + text[um_team:].replace('close = "17:00"', 'close = "17:30"', 1))
    edit = run_build(project, tmp_path / "site")
    assert edit.code == 0 and rendered(edit.stdout) == len(showing)
    assert run_build(project, tmp_path / "clean", "--no-cache").code == 0
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "clean")


def test_footer_contact_edit_renders_every_page(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    config = project / "site.toml"
    config.write_text(
        config.read_text().replace(
            'open = "08:00", close = "20:00" }]\n\n[contacts.um-team]',
            'open = "07:00", close = "20:00" }]\n\n[contacts.um-team]',
        )
    )
    edit = run_build(project, tmp_path / "site")
    assert edit.code == 0 and rendered(edit.stdout) == 202  # every page's footer shows Member Services


def test_removed_page_pair_disappears_from_the_site(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    for path in (project / "content").rglob("*00099.md"):
        path.unlink()
    links = [p for p in (project / "content").rglob("*.md") if "-00099/" in p.read_text()]
    for path in links:  # pages that linked to it now link elsewhere
        path.write_text(path.read_text().replace("-00099/", "-00098/"))
    assert run_build(project, tmp_path / "site").code == 0
    assert not (tmp_path / "site/en/page-00099").exists()
    assert run_build(project, tmp_path / "clean", "--no-cache").code == 0
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "clean")


def test_corrupt_cache_is_ignored_with_a_warning(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    [cache] = (project / ".build-cache").glob("*.sqlite")
    cache.write_bytes(b"this is not a database" * 100)
    page = project / "content/en/page-00001.md"  # something to build (an unchanged site is up to date without it)
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    again = run_build(project, tmp_path / "site")
    assert again.code == 0 and "warning: ignoring the build cache" in again.stderr
    assert rendered(again.stdout) == 202


def test_foreign_cache_is_not_trusted(corpus: Path, tmp_path: Path) -> None:
    project = fresh(corpus, tmp_path)
    assert run_build(project, tmp_path / "site").code == 0
    [cache] = (project / ".build-cache").glob("*.sqlite")
    page = project / "content/en/page-00001.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nChanged while the cache was away.\n\n", 1))
    with sqlite3.connect(cache) as db:  # another project's cache claims every page is up to date
        db.execute("UPDATE meta SET value = 'someone else' WHERE key = 'identity'")
        db.execute("UPDATE sources SET mtime_ns = 0, size = 0")
    again = run_build(project, tmp_path / "site")
    assert again.code == 0 and "belongs to another project" in again.stderr
    assert rendered(again.stdout) == 202
    assert "Changed while the cache was away." in (tmp_path / "site/en/page-00001/index.html").read_text()


def test_serve_style_edits_match_a_clean_build(corpus: Path, tmp_path: Path) -> None:
    """A builder kept in memory and told which file changed (as `serve` does) ends where a clean build does."""
    from sitegen.config.project import Project
    from sitegen.engine.options import BuildOptions
    from sitegen.engine.pipeline import Builder

    project = fresh(corpus, tmp_path)
    builder = Builder(Project(project), tmp_path / "site", BuildOptions(keep_warm=True))
    builder.build()
    page = project / "content/en/page-00005.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nA new first sentence.\n\n", 1))
    assert builder.build({page}).rendered == 2  # the page, and its translation, which now says it is out of date
    page.write_text(page.read_text().replace('title = "', 'title = "Renamed ', 1))  # the home page lists titles
    assert builder.build({page}).rendered == 1  # the translation already says so
    assert "Renamed " in (tmp_path / "site/en/index.html").read_text()
    other = project / "content/es/pagina-00006.md"
    other.write_text(other.read_text().replace("## ", "## Nuevo ", 1))
    assert builder.build({other}).rendered == 1
    if builder.cache:
        builder.cache.close()
    assert run_build(project, tmp_path / "clean", "--no-cache").code == 0
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "clean")


def test_serve_style_edit_that_removes_a_linked_anchor_reports_the_linking_page(corpus: Path, tmp_path: Path) -> None:
    from sitegen.config.project import Project
    from sitegen.engine.options import BuildOptions
    from sitegen.engine.pipeline import Builder
    from sitegen.errors import SiteErrors

    project = fresh(corpus, tmp_path)
    builder = Builder(Project(project), tmp_path / "site", BuildOptions(keep_warm=True))
    builder.build()
    linking = next(p for p in sorted((project / "content/en").glob("*.md")) if "/#part-two)" in p.read_text())
    target_slug = linking.read_text().split("/#part-two)")[0].rsplit("/", 1)[1]
    target = project / "content/en" / f"{target_slug}.md"
    target.write_text(target.read_text().replace("{#part-two}", "{#second-part}"))
    with pytest.raises(SiteErrors) as problems:
        builder.build({target})
    assert any(
        e.path == f"content/en/{linking.name}" and "names a heading that does not exist" in e.problem
        for e in problems.value.errors
    )
    if builder.cache:
        builder.cache.close()


def test_a_warm_builders_pairs_are_indexed_by_the_build_not_by_the_first_edit(corpus: Path, tmp_path: Path) -> None:
    """Finding an edited page's pair needs an index of every pair: serve makes it while it builds (eight
    markets spent a third of their first save's time making theirs)."""
    from sitegen.config.project import Project
    from sitegen.engine.options import BuildOptions
    from sitegen.engine.pipeline import Builder

    builder = Builder(
        Project(fresh(corpus, tmp_path)), tmp_path / "site", BuildOptions(use_cache=False, keep_warm=True)
    )
    builder.build()
    assert builder.state is not None and builder.state.pairs is not None
    assert "positions" in vars(builder.state.pairs)


def test_a_warm_builders_first_edit_after_a_parallel_build_compiles_no_template(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build rendered in worker processes; serve's first edit renders here, with templates compiled ahead."""
    import jinja2

    from sitegen.config.project import Project
    from sitegen.engine.options import BuildOptions
    from sitegen.engine.pipeline import Builder

    project = fresh(corpus, tmp_path)
    builder = Builder(Project(project), tmp_path / "site", BuildOptions(use_cache=False, keep_warm=True))
    assert builder.build().rendered == 202  # in workers
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment,
        "compile",
        lambda env, source, name=None, *a, **k: compiled.append(name) or compile_(env, source, name, *a, **k),
    )
    page = project / "content/es/pagina-00007.md"
    page.write_text(page.read_text().replace("+++\n\n", "+++\n\nUna frase nueva.\n\n", 1))
    assert builder.build({page}).rendered == 1
    assert compiled == []
