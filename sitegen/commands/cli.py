"""`python build.py [build|serve|check|translations] [--source DIR] [--out DIR] …`

build          build the site into --out (default: SOURCE/site)
serve          build, serve on loopback, rebuild and reload the browser on every save
check          run every check without publishing; exit 1 if anything is fatal
translations   show each page's translation status; --mark FILE records a finished translation;
               --export DIR writes XLIFF files for a translation vendor, --import FILE… takes them back
approvals      each page's approved text per market; --approve PATH… --id ID --by NAME records an
               approval, --redline DIR writes the changes for the state (see docs/EDITING.md)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.config.project import Project
from sitegen.engine.freshness import Snapshot, fresh_pages
from sitegen.engine.options import BuildOptions
from sitegen.errors import SiteError, SiteErrors, SourceError, problems_of, summarized

if TYPE_CHECKING:
    from sitegen.translation.files import Content as TranslatableContent

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command", nargs="?", default="build", choices=["build", "serve", "check", "translations", "approvals"]
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=PROJECT_ROOT,
        help="project folder with site.toml, content/, templates/ (default: this project)",
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the site (default: SOURCE/site)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not write the build cache")
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings (stale translations, readability) as errors, e.g. in CI"
    )
    parser.add_argument("--port", type=int, default=8001, help="serve: port on 127.0.0.1 (default 8001)")
    parser.add_argument(
        "--mark",
        type=Path,
        action="append",
        default=[],
        help="translations: mark FILE as translated from its source's current version",
    )
    parser.add_argument(
        "--export",
        type=Path,
        metavar="DIR",
        help="translations: write an XLIFF 1.2 file per stale or missing translation into DIR/<lang>/",
    )
    parser.add_argument(
        "--lang",
        action="append",
        default=[],
        help="translations --export: only this language (repeatable; default: every translation language)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="translations --export: every translated page, not only stale and missing ones",
    )
    parser.add_argument(
        "--import",
        dest="import_files",
        type=Path,
        nargs="+",
        default=[],
        metavar="FILE",
        help="translations: put the translated texts of these XLIFF files into content/ and mark them (nothing is written if any file is wrong)",
    )
    approval_options(parser)
    args = parser.parse_args(argv)
    project = Project(args.source.resolve())
    out = (args.out or project.root / "site").resolve()
    if args.command == "serve":
        from sitegen.commands.serve import serve

        return serve(project, out, args.port)
    if args.command == "translations":
        if args.export or args.import_files:
            return translation_files(project, args.export, tuple(args.lang), args.all, args.import_files)
        return translations(project, args.mark)
    if args.command == "approvals":
        return approvals(project, args)
    if args.command == "check":  # every check, readability too, into a folder thrown away
        import tempfile  # here: an up-to-date build answers before this import would be worth its time

        with tempfile.TemporaryDirectory() as scratch:
            options = BuildOptions(workers=args.jobs, use_cache=False, strict=args.strict, readability=True)
            return run_build(project, Path(scratch) / "site", options, checking=True)
    options = BuildOptions(workers=args.jobs, use_cache=not args.no_cache, strict=args.strict)
    sources = None
    if options.use_cache and not options.strict:  # strict reports the warnings again, so it always builds
        started = time.perf_counter()
        pages, sources = fresh_pages(project.root, out)
        if pages is not None:
            return up_to_date(pages, out, time.perf_counter() - started)
    return run_build(project, out, options, sources=sources)


def approval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="approvals: list as JSON, for tools")
    parser.add_argument(
        "--approve",
        type=Path,
        nargs="+",
        default=[],
        metavar="PATH",
        help="approvals: record these pages' text as approved",
    )
    parser.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="ID",
        help="approvals --approve: the material ID (one, or one per page)",
    )
    parser.add_argument("--by", metavar="NAME", help="approvals --approve: who approved it")
    parser.add_argument("--market", metavar="KEY", help="approvals --approve: only this market's text")
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="approvals --approve: the approval date (default: today)")
    parser.add_argument(
        "--redline", type=Path, metavar="DIR", help="approvals: write a redline per changed page into DIR"
    )


def approvals(project: Project, args: argparse.Namespace) -> int:
    from sitegen.commands.approvals import approvals_command

    try:
        return approvals_command(
            project, args.json, args.approve, args.ids, args.by, args.market, args.on, args.redline
        )
    except SiteError as exc:
        return print_problems(problems_of(exc), [], "approvals", "nothing was written")


def run_build(
    project: Project, out: Path, options: BuildOptions, checking: bool = False, sources: Snapshot | None = None
) -> int:
    from sitegen.engine.markets import (
        build,  # the engine, imported only once there is something to build (see freshness)
    )

    try:
        report = build(project, out, options, sources)
    except SiteError as exc:
        return print_problems(problems_of(exc), [], "build stopped" if not checking else "check failed")
    print_problems([], report.warnings, "")
    if checking:
        print(f"check passed: {report.pages} pages, {len(report.warnings)} warning(s)")
    elif report.rendered == 0 and report.files_written == 0:
        up_to_date(report.pages, out, report.seconds)
    else:
        print(
            f"built {report.pages} pages into {out}: rendered {report.rendered}, wrote {report.files_written} files in {report.seconds:.2f} s"
        )
    return 0


def up_to_date(pages: int, out: Path, seconds: float) -> int:
    print(f"nothing changed: {pages} pages in {out} are up to date ({seconds:.2f} s)")
    return 0


def print_problems(
    errors: Sequence[SourceError],
    warnings: Sequence[SourceError],
    verdict: str,
    untouched: str = "site/ was left as it was",
) -> int:
    """Problems grouped by file, each as `path:line: problem — fix`, then a count."""
    listed_errors, errors_summary = summarized(errors)
    listed_warnings, warnings_summary = summarized(warnings)
    tagged = sorted(
        [(e, "error") for e in listed_errors] + [(w, "warning") for w in listed_warnings],
        key=lambda t: (t[0].path, t[0].line, t[0].problem),
    )
    current = None
    for problem, kind in tagged:
        if problem.path != current:
            if current is not None:
                print(file=sys.stderr)
            current = problem.path
        print(f"{problem}" if kind == "error" else f"{problem} (warning)", file=sys.stderr)
    for summary in errors_summary + [f"{line} (warnings)" for line in warnings_summary]:
        print(f"\n{summary}", file=sys.stderr)
    if errors:
        files = len({e.path for e in errors})
        print(
            f"{verdict}: {len(errors)} problem{'s' if len(errors) != 1 else ''} to fix in {files} file{'s' if files != 1 else ''}"
            f"{f', {len(warnings)} warning(s)' if warnings else ''}; {untouched}",
            file=sys.stderr,
        )
        return 1
    return 0


def translation_files(
    project: Project, export_dir: Path | None, langs: tuple[str, ...], everything: bool, imports: list[Path]
) -> int:
    from sitegen.translation.files import export, import_files

    try:
        content = read_content(project)
        if imports:
            for line in import_files(content, imports, Path.cwd()):
                print(line)
            content = read_content(project)
        if export_dir:
            unknown = [lang for lang in langs if lang not in content.languages[1:]]
            if unknown:
                print(
                    f"--lang {unknown[0]}: not a translation language of this site (it has {', '.join(content.languages[1:])})",
                    file=sys.stderr,
                )
                return 2
            written = export(content, export_dir, langs or content.languages[1:], everything)
            for path in written:
                print(f"wrote {path}")
            print(
                f"{len(written)} file(s) to translate in {export_dir}"
                if written
                else "nothing to translate: every translation is up to date (use --all to export them anyway)"
            )
    except SiteError as exc:
        return print_problems(problems_of(exc), [], "translations", "nothing was written")
    return 0


def read_content(project: Project) -> TranslatableContent:
    """The pages and pairs the translation commands work on; SiteErrors if a page cannot be read."""
    from sitegen.config.loader import load_config
    from sitegen.content.pairing import pair_pages, reserved_slugs
    from sitegen.engine.sources import scan
    from sitegen.translation.files import Content

    config = load_config(project.config_path, "site.toml")
    found = scan(project.content_dir, config.languages, {}, None)  # the build's own reader of content/
    if found.errors:
        raise SiteErrors(found.errors)
    pages = [state.page for state in found.sources.values()]
    pairs, _ = pair_pages(pages, config.languages, reserved_slugs(config))
    return Content(project.root, config.languages, pages, pairs, config.served_pages)


def translations(project: Project, marks: list[Path]) -> int:
    from sitegen.translation.staleness import format_table, mark_translated

    try:
        content = read_content(project)
    except SiteError as exc:
        return print_problems(problems_of(exc), [], "translations")
    pages, source_lang = content.pages, content.source_lang
    for mark in marks:
        target = mark.resolve()
        page = next((p for p in pages if (project.root / p.path).resolve() == target), None)
        source = next((p for p in pages if page and p.key == page.key and p.lang == source_lang), None)
        if page is None or source is None or page.lang == source_lang:
            print(
                f"{mark}: not a translation with a {source_lang} source page — give a content/<lang>/ file whose key has a source",
                file=sys.stderr,
            )
            return 1
        mark_translated(target, source, project.root, page.lang)
        print(f"marked {page.path} as translating {source.path} (version {source.version})")
    if marks:
        content = read_content(project)
    print(format_table(content.statuses()))
    return 0
