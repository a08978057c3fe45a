"""The one error family for editor mistakes, and the one place that formats `path:line:`.

Modelled on itsdangerous' small hierarchy: callers catch `SiteError` and print it;
subclasses say which stage found the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

SHOWN_ONE_BY_ONE = 5  # of a kind of problem that can come by the thousand, how many are listed before a count


def shown_path(path: Path, root: Path) -> str:
    """A file as editors see it in messages: relative to the project, with forward slashes."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


class SiteError(Exception):
    """Base of every error the build reports to an editor instead of a traceback."""


class SourceError(SiteError):
    """A problem at a place in a source file, with a hint on how to fix it."""

    # A kind that can come by the thousand names itself for a summary, and the command that lists every one.
    many: ClassVar[str | None] = None
    listed_by: ClassVar[str] = ""

    def __init__(self, path: str, line: int, problem: str, hint: str = "") -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.hint = hint
        super().__init__(path, line, problem, hint)  # formatted by __str__ when shown: thousands are never shown

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its parts when it crosses from a build worker process to the parent.
        return (type(self), (self.path, self.line, self.problem, self.hint))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.problem}" + (f" — {self.hint}" if self.hint else "")


class ConfigError(SourceError):
    """The site config is missing a value or has one of the wrong shape."""


class ContentError(SourceError):
    """A Markdown page has bad front matter, a bad placeholder or a bad pairing."""


class StaleTranslation(ContentError):
    """A translation made from an older version of its source page: one per page, so thousands after a rewrite."""

    many = "translations are stale"
    listed_by = "python3 build.py translations"


class TemplateProblem(SourceError):
    """A Jinja template is missing or does not compile."""


class SiteErrors(SiteError):
    """Several problems found in one pass, reported together so editors fix them at once."""

    def __init__(self, errors: Iterable[SourceError]) -> None:
        self.errors = sorted(unique(errors), key=lambda e: (e.path, e.line, e.problem))
        super().__init__("\n".join(str(e) for e in self.errors))


def unique(problems: Iterable[SourceError]) -> list[SourceError]:
    """Each problem once: a mistake in shared content or config shows up in every market's build."""
    seen: dict[tuple[str, int, str, str], SourceError] = {}
    # The same object first (markets report the very same warnings: see `once_per_build`), then
    # by its parts, not its text: thousands of warnings need no formatting here.
    for problem in dict.fromkeys(problems):
        seen.setdefault((problem.path, problem.line, problem.problem, problem.hint), problem)
    return list(seen.values())


def summarized(problems: Sequence[SourceError]) -> tuple[list[SourceError], list[str]]:
    """The problems to show one by one, and a line for each repeated kind (`many`) there are too many of:
    the first few, then a count and the command that lists every one."""
    shown: list[SourceError] = []
    repeated: dict[type[SourceError], list[SourceError]] = {}
    for problem in problems:
        if problem.many:
            repeated.setdefault(type(problem), []).append(problem)
        else:
            shown.append(problem)
    summaries = []
    for kind, found in repeated.items():
        found.sort(key=lambda p: (p.path, p.line))
        if len(found) <= 2 * SHOWN_ONE_BY_ONE:
            shown += found
            continue
        shown += found[:SHOWN_ONE_BY_ONE]
        summaries.append(
            f"… and {len(found) - SHOWN_ONE_BY_ONE:,} more: {len(found):,} {kind.many} in all"
            f" — `{kind.listed_by}` lists every one"
        )
    return shown, summaries


def problems_of(exc: SiteError) -> list[SourceError]:
    """The problems an error stands for, each with a place (a bare SiteError gets none)."""
    if isinstance(exc, SiteErrors):
        return list(exc.errors)
    return [exc] if isinstance(exc, SourceError) else [SourceError("", 0, str(exc))]


def raise_all(errors: list[SourceError]) -> None:
    """Raise the collected errors, if any, as one `SiteErrors`."""
    if errors:
        raise SiteErrors(errors)


class UnapprovedText(SourceError):
    """A page whose text is not the one its state approved, or was never approved: one per page, so
    thousands when a site first turns approvals on."""

    many = "pages are not approved as they stand"
    listed_by = "python3 build.py approvals"
