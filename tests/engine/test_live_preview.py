"""`build.py serve`: a save rebuilds just that page and the open browser page reloads; a broken save
shows the path:line problem in the terminal and the browser; the next good save recovers."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser

from tests.conftest import ROOT, copy_project
from tests.servers import free_port

pytestmark = pytest.mark.browser


class Preview:
    def __init__(self, project: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "build.py"),
                    "serve",
                    "--source",
                    str(project),
                    "--out",
                    str(project / "site"),
                    "--port",
                    str(self.port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/en/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(self.output())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Preview, Path]]:
    project = copy_project(tmp_path / "project")
    running = Preview(project, tmp_path / "serve.log")
    yield running, project
    running.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_saving_a_page_rebuilds_it_and_reloads_the_browser(browser: Browser, preview: tuple[Preview, Path]) -> None:
    server, project = preview
    page = browser.new_page()
    page.goto(server.url + "/en/utilization-management/")
    page.evaluate("() => { window.beforeReload = true; }")
    edit(
        project / "content/en/utilization-management.md",
        "We will review the request for:",
        "We will carefully review the request for:",
    )
    page.wait_for_function(
        "() => document.body.innerText.includes('We will carefully review the request for:')", timeout=15000
    )
    assert page.evaluate("() => window.beforeReload") is None  # the page really reloaded
    assert (
        "rebuilt: rendered 2 page(s)" in server.output()
    )  # that page, and its Spanish partner, which now says it is out of date

    edit(project / "content/en/utilization-management.md", "{{tty:language-help}}", "{{fax:language-help}}")
    page.wait_for_function("() => document.body.innerText.includes(\"unknown placeholder kind 'fax'\")", timeout=15000)
    assert "content/en/utilization-management.md:29: unknown placeholder kind 'fax'" in page.inner_text("main")
    assert "content/en/utilization-management.md:29: unknown placeholder kind 'fax'" in server.output()

    edit(project / "content/en/utilization-management.md", "{{fax:language-help}}", "{{tty:language-help}}")
    page.wait_for_function(
        "() => document.body.innerText.includes('We will carefully review the request for:')", timeout=15000
    )
    assert "1-800-743-3333" in page.inner_text("main")
    page.close()
