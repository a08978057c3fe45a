"""`python build.py [build] [--source DIR] [--out DIR] [--jobs N] [--no-cache]`: build and report plainly."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import SiteError, SiteErrors
from .pipeline import build
from .project import Project

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build the bilingual member site.")
    parser.add_argument("command", nargs="?", default="build", choices=["build"], help="what to do (default: build)")
    parser.add_argument("--source", type=Path, default=PROJECT_ROOT, help="project folder with site.toml, content/, templates/ (default: this project)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the site (default: SOURCE/site)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not write the build cache")
    args = parser.parse_args(argv)
    source = args.source.resolve()
    out = (args.out or source / "site").resolve()
    try:
        report = build(Project(source), out, workers=args.jobs, use_cache=not args.no_cache)
    except SiteError as exc:
        return print_problems(exc)
    if report.rendered == 0 and report.files_written == 0:
        print(f"nothing changed: {report.pages} pages in {out} are up to date ({report.seconds:.2f} s)")
    else:
        print(f"built {report.pages} pages into {out}: rendered {report.rendered}, wrote {report.files_written} files in {report.seconds:.2f} s")
    return 0


def print_problems(exc: SiteError) -> int:
    problems = exc.errors if isinstance(exc, SiteErrors) else [exc]
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"build stopped: {count} problem{'s' if count != 1 else ''} to fix; site/ was left as it was", file=sys.stderr)
    return 1
