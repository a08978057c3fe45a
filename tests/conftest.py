"""Shared fixtures: the project's own sources, copies of them to break, and built sites."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
T = TypeVar("T")
SOURCE_PARTS = ("site.toml", "casework.toml", "content", "templates", "locales", "static", "translations")
pytest_plugins = ["tests.browser.fixtures"]


@dataclass
class BuildRun:
    code: int
    stdout: str
    stderr: str


def run_build(source: Path, out: Path, *options: str) -> BuildRun:
    """Run `python build.py` as an editor would, in a separate process."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--source", str(source), "--out", str(out), *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return BuildRun(done.returncode, done.stdout, done.stderr)


def build_py(project: Path, command: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python build.py COMMAND --source PROJECT ARGS…` as an editor would, in a separate process."""
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), command, "--source", str(project), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def copy_project(target: Path) -> Path:
    """A private copy of the real project's sources, safe to edit in a test."""
    target.mkdir(parents=True, exist_ok=True)
    for part in SOURCE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def config_file(folder: Path, text: str) -> Path:
    """A site.toml with this text, beside a copy of the project's taglines (the config names them)."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "content" / "taglines.toml", folder / "content" / "taglines.toml")
    (folder / "site.toml").write_text(text)
    return folder / "site.toml"


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on an event loop of its own, in its own thread: the browser tests'
    Playwright keeps an event loop running in the main thread, where asyncio.run() is refused."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def mark_taglines_reviewed(project: Path) -> None:
    """As the plan's translators would: every tagline checked (the shipped ones are not yet)."""
    taglines = project / "content" / "taglines.toml"
    taglines.write_text(taglines.read_text().replace("reviewed = false", "reviewed = true"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project's site, built once per test session."""
    out = tmp_path_factory.mktemp("built") / "site"
    result = run_build(ROOT, out)
    assert result.code == 0, result.stderr
    return out


@pytest.fixture
def signed_in_admin(tmp_path: Path, built_site: Path):  # type: ignore[no-untyped-def]
    """The app on SQLite with one admin, "ana", signed in."""
    from starlette.testclient import TestClient

    from forms_backend.app import create_app
    from forms_backend.staff.accounts import add_user
    from tests.backend import STAFF_PASSWORD, make_settings, staff_login

    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        add_user(client.app.state.database, "ana", STAFF_PASSWORD, "admin")
        assert staff_login(client, "ana").status_code == 303
        yield client


@pytest.fixture(scope="session")
def postgres_cluster():  # type: ignore[no-untyped-def]
    """One throw-away PostgreSQL server for the session; tests reset it with `postgres_url`."""
    from tests.servers import PostgresCluster

    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:  # type: ignore[no-untyped-def]
    postgres_cluster.reset()
    return str(postgres_cluster.url)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test once on an SQLite file and once on the throw-away PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))
