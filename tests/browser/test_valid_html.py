"""Every page the build writes is valid HTML according to the Nu Html Checker."""

from __future__ import annotations

from pathlib import Path

from tests.vnu import VNU_JAR, html_errors


def test_vnu_jar_is_installed_by_the_test_setup() -> None:
    assert VNU_JAR.is_file(), "run `make test` (scripts/setup.sh --test installs it)"


def test_every_built_page_is_valid_html(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 7
    assert html_errors(pages) == []


def test_checker_reports_invalid_html(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html lang=en><head><title>x</title></head><body><p><div></p></body></html>")
    assert html_errors([broken]) != []
