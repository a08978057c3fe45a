"""Every command docs/EDITING.md shows an editor works as printed, from a plain shell, in a copy of the
project; and the build's messages speak to editors, not to programmers."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, mark_taglines_reviewed, run_build
from tests.engine.test_approved_text import material_line

EDITING = ROOT / "docs" / "EDITING.md"
NOT_COPIED = {".venv", ".git", "site", "data", "node_modules", "test-artifacts", ".build-cache", ".pytest_cache"}
LONG_RUNNING = ("serve",)  # live preview: started, seen to answer, stopped


def documented_commands() -> list[str]:
    """Commands in code spans and shell blocks that start the way an editor types them."""
    text = EDITING.read_text()
    candidates = re.findall(r"`([^`\n]+)`", text) + [
        line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()
    ]
    commands = [c.strip() for c in candidates if re.match(r"(python3 build\.py|make \w)", c.strip())]
    return sorted(set(commands))


def plain_shell_env() -> dict[str, str]:
    """A shell as an editor has it: no virtual environment switched on, the system's python3 first."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    base = str(Path(sys.base_prefix) / "bin")
    env["PATH"] = os.pathsep.join([base, *(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)])
    return env


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project as a clone has it, with the environment `make setup` made."""
    target = tmp_path_factory.mktemp("checkout") / "main"
    shutil.copytree(
        ROOT, target, ignore=lambda folder, names: [n for n in names if n in NOT_COPIED and Path(folder) == ROOT]
    )
    (target / ".venv").symlink_to(ROOT / ".venv")
    mark_taglines_reviewed(target)  # as a plan's translators will have; `make check` is strict
    return target


def test_the_docs_show_commands_to_test() -> None:
    commands = documented_commands()
    assert "python3 build.py translations --mark content/es/gestion-de-uso.md" in commands and "make check" in commands
    assert len(commands) >= 6


@pytest.mark.parametrize("command", documented_commands())
def test_every_command_in_the_editing_guide_works_as_printed(checkout: Path, command: str) -> None:
    command = command.replace("--mark FILE", "--mark content/es/gestion-de-uso.md")
    if any(word in command.split() for word in LONG_RUNNING):
        process = subprocess.Popen(
            command,
            shell=True,
            cwd=checkout,
            env=plain_shell_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output = ""
            deadline = time.monotonic() + 90
            while "http://127.0.0.1:" not in output and time.monotonic() < deadline and process.poll() is None:
                output += process.stdout.readline()  # type: ignore[union-attr]
            assert "http://127.0.0.1:" in output, output
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.communicate(timeout=10)  # reads what is left and closes the pipe
        return
    done = subprocess.run(
        command, shell=True, cwd=checkout, env=plain_shell_env(), capture_output=True, text=True, timeout=300
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "No module named" not in output and "command not found" not in output, output
    assert done.returncode == 0, output


def test_build_py_finds_the_projects_environment_from_a_plain_python3(checkout: Path, tmp_path: Path) -> None:
    python3 = Path(sys.base_prefix) / "bin" / "python3"
    done = subprocess.run(
        [str(python3), "build.py", "--out", str(tmp_path / "site")],
        cwd=checkout,
        env=plain_shell_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "en" / "utilization-management" / "index.html").is_file()


def test_a_broken_english_front_matter_is_reported_once_in_editor_words(project: Path, tmp_path: Path) -> None:
    page = project / "content/en/utilization-management.md"
    page.write_text(page.read_text().replace('title = "Utilization Management"', 'title = "Utilization Management'))
    result = run_build(project, tmp_path / "site")
    problems = [line for line in result.stderr.splitlines() if line.startswith("content/")]
    assert problems == [
        "content/en/utilization-management.md:2: front matter cannot be read: a quoted value is not closed; "
        'end it with a double quote (") on the same line — write each field as name = "value", with the value in double quotes'
    ]
    assert "no English page has key" not in result.stderr and "Illegal character" not in result.stderr


def test_a_bad_hours_value_is_quoted_as_the_editor_wrote_it(project: Path, tmp_path: Path) -> None:
    config = project / "site.toml"
    config.write_text(
        config.read_text().replace(
            'hours = [{ days = "mon-fri", open = "08:00", close = "17:00" }]',
            'hours = [{ days = "mon-fri", open = "8am", close = "17:00" }]',
            1,
        )
    )
    result = run_build(project, tmp_path / "site")
    assert result.code == 1
    assert 'cannot read the opening times in { days = "mon-fri", open = "8am", close = "17:00" }' in result.stderr
    assert "{'days'" not in result.stderr


def approval_walkthrough() -> dict[str, tuple[list[str], list[str]]]:
    """The steps of the guide's "Approved text" section: each step's shell commands and TOML, in order."""
    text = EDITING.read_text()
    section = text[text.index("## Approved text") :]
    section = section[: section.index("\n## ", 1)]
    steps = {}
    for step in re.split(r"\n### ", section)[1:]:
        title = step.splitlines()[0]
        commands = [line.strip() for block in re.findall(r"```sh\n(.*?)```", step, re.S) for line in block.splitlines()]
        steps[title] = (commands, re.findall(r"```toml\n(.*?)```", step, re.S))
    return steps


def run_in(project: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, shell=True, cwd=project, env=plain_shell_env(), capture_output=True, text=True, timeout=300
    )


def test_the_approval_walkthrough_works_as_written(tmp_path: Path) -> None:
    project = tmp_path / "main"
    shutil.copytree(
        ROOT,
        project,
        ignore=lambda folder, names: [n for n in names if n in NOT_COPIED | {"mutants"} and Path(folder) == ROOT],
    )
    (project / ".venv").symlink_to(ROOT / ".venv")
    mark_taglines_reviewed(project)
    steps = approval_walkthrough()
    assert [title.split(".")[0] for title in steps] == ["1", "2", "3", "4"]
    (approve, lock), (change, _), (redline, _), (again, _) = steps.values()

    *recording, build = approve
    for command in recording:
        assert run_in(project, command).returncode == 0, command
    (project / "site.toml").write_text((project / "site.toml").read_text() + "\n" + "".join(lock))
    assert run_in(project, build).returncode == 0
    page = project / "site/en/utilization-management/index.html"
    assert material_line(page.read_text()) == "Material ID: OH-MED-M-1234567"

    assert change == []  # step 2 is an edit, then the build
    source = project / "content/en/utilization-management.md"
    source.write_text(source.read_text().replace("Staff are available to accept", "Staff can accept"))
    refused = run_in(project, build)
    assert refused.returncode == 1 and "OH-MED-M-1234567 changed since its approval" in refused.stderr
    assert "Staff are available to accept" in page.read_text()

    assert [run_in(project, command).returncode for command in redline] == [0]
    drawn = (project / "redlines/en/utilization-management.html").read_text()
    assert "Staff <del>are available to</del> <ins>can</ins> accept" in drawn

    assert [run_in(project, command).returncode for command in again] == [0, 0]
    assert "Staff can accept" in page.read_text() and material_line(page.read_text()) == "Material ID: OH-MED-M-1234571"
