"""Approved pages with their material IDs, the preview-only banner and the redline pass the same bar as
every page: valid HTML, and no axe-core violation in a real browser, at 320 px too."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.gate import axe_violations, reflow_problems
from tests.browser.scenarios import new_context
from tests.conftest import build_py, copy_project
from tests.engine.test_approved_text import SENTENCE, UM, approve_all, edit, with_lock
from tests.engine.test_live_preview import Preview
from tests.vnu import html_errors

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def approved_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every page approved, then one sentence of the English UM page changed (approvals not required)."""
    project = with_lock(copy_project(tmp_path_factory.mktemp("approved") / "project"), "\n[approvals]\n")
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    return project


def test_pages_with_material_ids_and_the_redline_are_valid_html(approved_project: Path, tmp_path: Path) -> None:
    assert build_py(approved_project, "build").returncode == 0
    assert build_py(approved_project, "approvals", "--redline", str(tmp_path)).returncode == 0
    pages = [approved_project / "site/es/gestion-de-uso/index.html", tmp_path / "en/utilization-management.html"]
    assert "Número de material:" in pages[0].read_text()
    assert html_errors(pages) == []


@pytest.mark.parametrize("path", ["/es/gestion-de-uso/", "/en/utilization-management/"])
def test_the_material_id_and_the_preview_banner_pass_axe_and_reflow(
    approved_project: Path, browser: Browser, tmp_path: Path, path: str
) -> None:
    server = Preview(approved_project, tmp_path / "serve.log")
    try:
        context = new_context(browser, bypass_csp=True)  # only so axe's script can be injected
        page = context.new_page()
        page.goto(server.url + path)
        shown = page.locator(".preview-banner, .material-id").first
        assert shown.is_visible()
        problems = axe_violations(page)
        page.set_viewport_size({"width": 320, "height": 640})
        problems += reflow_problems(page, path)
        context.close()
    finally:
        server.stop()
    assert problems == []
