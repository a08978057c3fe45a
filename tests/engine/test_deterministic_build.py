"""The same content and config build byte-identical output."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, run_build


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_produce_identical_bytes(tmp_path: Path) -> None:
    assert run_build(ROOT, tmp_path / "one").code == 0
    assert run_build(ROOT, tmp_path / "two").code == 0
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert one.keys() == two.keys() and len(one) >= 10
    assert [name for name in one if one[name] != two[name]] == []


def test_build_creates_missing_parent_folders_of_the_output(tmp_path: Path) -> None:
    result = run_build(ROOT, tmp_path / "not" / "yet" / "there" / "site")
    assert result.code == 0, result.stderr
    assert (tmp_path / "not/yet/there/site/index.html").is_file()
