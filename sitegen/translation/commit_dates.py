"""When each source page was last committed, as git tells it: the date a stale translation's notice gives.

`git log` over thousands of paths takes a fifth of a second, and a new process (`build.py` after a
one-page edit) asks it again for every stale page. The date a file was last committed *as of a given
commit* never changes, so the answers are kept in the build cache's folder under the commit (HEAD) they
were asked at; a new commit starts them afresh. Whether a file has changed since is asked each time (one
`git status`), since that changes without a commit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sitegen import once_per_build
from sitegen.atomic_files import write_atomically

KEPT_AS = "commit-dates.json"


def last_commit_dates(root: Path, paths: set[str], kept_in: Path | None = None) -> dict[str, str]:
    """The date (YYYY-MM-DD) each file was last committed, if it has no uncommitted change. Deterministic:
    the same repository state gives the same dates; outside git, no dates. `kept_in`: the folder that
    keeps the answers between processes (None: ask git for all of them)."""
    # Every market's build asks the same: git is asked once per run.
    return once_per_build.remembered(
        lambda work: work.commit_dates, (root, frozenset(paths)), lambda: _ask_git(root, paths, kept_in)
    )


def _ask_git(root: Path, paths: set[str], kept_in: Path | None) -> dict[str, str]:
    try:
        head, prefix = (_git(root, "rev-parse", "HEAD", "--show-prefix") + "\n").split("\n")[:2]
        # The whole project, not the paths: git matches each file against every path given.
        changed = _git(root, "status", "--porcelain", "--", ".")
        known = _kept(kept_in, head)
        asked = paths - known.keys()
        if asked:
            known.update(_logged(root, asked, prefix))
            _keep(kept_in, head, known)
    except (OSError, subprocess.SubprocessError):  # not a repository, no commit yet, or no git
        return {}
    dirty = {line[3:].strip() for line in changed.splitlines()}
    return {path: known[path] for path in paths if known[path] and path not in dirty and prefix + path not in dirty}


def _logged(root: Path, paths: set[str], prefix: str) -> dict[str, str]:
    """Each path's last commit date ("" if it was never committed), from one `git log`."""
    log = _git(root, "log", "--format=%x00%cs", "--name-only", "--", *sorted(paths))
    dates = dict.fromkeys(paths, "")
    for entry in log.split("\0")[1:]:
        day, _, names = entry.partition("\n")
        for name in names.split():
            shown = name.removeprefix(prefix)
            if shown in paths and not dates[shown]:
                dates[shown] = day.strip()
    return dates


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def _kept(folder: Path | None, head: str) -> dict[str, str]:
    """The dates asked at `head` by an earlier build (none if it asked at another commit)."""
    try:
        kept = json.loads((folder / KEPT_AS).read_text(encoding="utf-8")) if folder else {}
        dates = kept["dates"] if kept.get("head") == head else {}
        return {str(path): str(day) for path, day in dates.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none yet, or damaged: ask again
        return {}


def _keep(folder: Path | None, head: str, dates: dict[str, str]) -> None:
    if folder is not None:  # whole or not at all: another build may be reading it
        write_atomically(folder / KEPT_AS, json.dumps({"head": head, "dates": dates}, sort_keys=True).encode())
