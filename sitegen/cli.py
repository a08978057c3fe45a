"""`python build.py [build] [--source DIR] [--out DIR]`: run the build and report editor mistakes plainly."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import SiteError, SiteErrors
from .pipeline import Project, build

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build the bilingual member site.")
    parser.add_argument("command", nargs="?", default="build", choices=["build"], help="what to do (default: build)")
    parser.add_argument("--source", type=Path, default=PROJECT_ROOT, help="project folder with site.toml, content/, templates/ (default: this project)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the site (default: SOURCE/site)")
    args = parser.parse_args(argv)
    source = args.source.resolve()
    out = (args.out or source / "site").resolve()
    started = time.perf_counter()
    try:
        result = build(Project(source), out)
    except SiteError as exc:
        return report(exc)
    elapsed = time.perf_counter() - started
    print(f"built {result.pages} pages ({len(result.files)} files) into {out} in {elapsed:.2f} s")
    return 0


def report(exc: SiteError) -> int:
    problems = exc.errors if isinstance(exc, SiteErrors) else [exc]
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"build stopped: {count} problem{'s' if count != 1 else ''} to fix; site/ was left as it was", file=sys.stderr)
    return 1
