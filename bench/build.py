"""Benchmark the site build at scale, side by side with the naive baseline.

    python -m bench.build [--pages 1000 10000] [--corpus real synthetic]

For each corpus and size it writes a project (half English, half Spanish pages): "real" copies this
project's own pages, with their placeholders, contact lines, lists and links, half of the Spanish
ones stale; "synthetic" is generated prose, kept to compare with earlier figures (see bench.corpus).
Then it times, each in a fresh process:
the naive baseline, a cold build (no cache, empty output), a warm-cache build (cache kept, output
deleted), a no-op rebuild, one-page edits (the median of five), and a config-value edit (the UM team's hours, which
only some pages show). It prints a table in the form docs/PERFORMANCE.md keeps its current figures in.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import NamedTuple

from .corpus import write_corpus, write_real_corpus

CORPORA = {"real": write_real_corpus, "synthetic": write_corpus}

ROOT = Path(__file__).resolve().parent.parent


class Run(NamedTuple):
    seconds: float
    memory: float  # peak MB of the main process
    output: str
    cpu: float  # user + system seconds of the process and the workers it waited for


def timed(command: list[str]) -> Run:
    """Seconds, peak memory (MB) of the process, its output, and the CPU time it and its workers used
    (the file system's share shows in it: on a machine whose disk is slow this run, wall time alone misleads)."""
    # What the steps before wrote or deleted is on disk before the clock starts: otherwise the kernel's
    # writing it back (a corpus, a deleted site of 30,000 files) is charged to whichever build comes next.
    os.sync()
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe: a chatty build cannot block on it
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed:\n{output}")
    return Run(seconds, usage.ru_maxrss / 1024, output.strip(), usage.ru_utime + usage.ru_stime)


def rendered(output: str) -> str:
    match = re.search(r"rendered (\d+)", output)
    return match.group(1) if match else "0"


Row = tuple[str, float, float, str, float]  # step, seconds, peak MB, pages rendered, CPU seconds (NaN: not measured)


def run_size(pages: int, work: Path, corpus: str = "synthetic") -> list[Row]:
    source, out = work / f"corpus-{corpus}-{pages}", work / f"site-{corpus}-{pages}"
    CORPORA[corpus](pages // 2, source)
    build = [sys.executable, "build.py", "--source", str(source), "--out", str(out)]
    rows = []
    run = timed([sys.executable, "-m", "bench.naive_build", str(source), str(work / f"naive-{pages}")])
    rows.append(("naive baseline (sequential, no cache)", run.seconds, run.memory, str(pages), run.cpu))
    run = timed(build + ["--no-cache"])
    rows.append(("cold build (parallel, no cache)", run.seconds, run.memory, rendered(run.output), run.cpu))
    shutil.rmtree(out)
    timed(build)  # fills the cache
    shutil.rmtree(out)
    run = timed(build)
    rows.append(("warm-cache build (output deleted)", run.seconds, run.memory, rendered(run.output), run.cpu))
    run = timed(build)
    rows.append(("no-op rebuild", run.seconds, run.memory, rendered(run.output), run.cpu))
    rows.append(command_edits(build, some_page(source, "en")))
    rows += serve_edits(source, out)
    config = source / "site.toml"
    text = config.read_text()
    um_team = text.index("[contacts.um-team]")  # only its hours: other lines close at 17:00 too
    config.write_text(text[:um_team] + text[um_team:].replace('close = "17:00"', 'close = "17:30"', 1))
    run = timed(build)
    using = sum("{{hours:um-team}}" in p.read_text() for p in (source / "content").rglob("*.md"))
    rows.append(
        (f"config edit: UM hours (shown on {using} pages)", run.seconds, run.memory, rendered(run.output), run.cpu)
    )
    return rows


def command_edits(build: list[str], page: Path, edits: int = 5) -> Row:
    """One-page edits, each followed by `build.py` as an editor runs it: the median of `edits` (one alone
    says little on a noisy machine), with the largest peak memory."""
    runs = []
    for edit in range(edits):
        page.write_text(page.read_text().replace("\n\n", f"\n\nAn edited sentence {edit}.\n\n", 1))
        time.sleep(
            1.1
        )  # an editor's save is not in the clock tick of the build that follows (see sitegen.engine.freshness)
        runs.append(timed(build))
    middle = sorted(runs)[edits // 2]
    peak = max(run.memory for run in runs)
    return (f"one-page edit (command): median of {edits}", middle.seconds, peak, rendered(middle.output), middle.cpu)


def some_page(source: Path, lang: str) -> Path:
    """A page in the middle of the corpus (not the notice every site has)."""
    pages = sorted((source / "content" / lang).glob("*-0*.md"))
    return pages[len(pages) // 2 + (7 if lang == "en" else 11) % len(pages)]


def serve_edits(source: Path, out: Path) -> list[Row]:
    """`in_process_edits` in a process of its own: a benchmark process that grew by a build's worth of
    memory would pass that size on to every build it starts after (Linux keeps a process's peak memory
    across the fork and exec that start a command), and their peak figures would be its own."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(in_process_edits, source, out).result()


def in_process_edits(source: Path, out: Path, edits: int = 9) -> list[Row]:
    """One-page edits as `build.py serve` sees them: the builder stays in memory between saves. The first
    edit after the build, and the median of `edits` more (one edit alone says little on a noisy machine)."""
    from sitegen.config.project import Project
    from sitegen.engine.markets import SiteBuilder
    from sitegen.engine.options import BuildOptions

    builder = SiteBuilder(Project(source), out, BuildOptions(keep_warm=True))  # as `build.py serve` makes it
    builder.build()
    page = some_page(source, "es")
    seconds, rendered_pages = [], "0"
    for edit in range(edits + 1):
        page.write_text(page.read_text().replace("\n\n", f"\n\nUna frase editada {edit}.\n\n", 1))
        started = time.perf_counter()
        report = builder.build({page})  # as the file watcher reports it
        seconds.append(time.perf_counter() - started)
        rendered_pages = str(report.rendered)
    builder.close()
    nan = float("nan")
    return [
        ("one-page edit while serving: the first after the build", seconds[0], nan, rendered_pages, nan),
        (
            f"one-page edit while serving: median of {edits} more",
            statistics.median(seconds[1:]),
            nan,
            rendered_pages,
            nan,
        ),
    ]


def measured(value: float, spec: str) -> str:
    """A figure for a table; NaN (measured inside this process, so not separately) shows as blank."""
    return "" if value != value else format(value, spec)


def report(lines: list[str]) -> None:
    """Print a benchmark's table (Markdown, as docs/PERFORMANCE.md shows the current figures)."""
    print("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--corpus", nargs="+", choices=sorted(CORPORA), default=["real", "synthetic"])
    args = parser.parse_args()
    lines = [
        f"### Build benchmark, {date.today().isoformat()} ({os.cpu_count()} cores)",
        "",
        "| corpus | pages | step | seconds | CPU seconds | peak MB (main process) | pages rendered |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as work:
        for pages in args.pages:
            for corpus in args.corpus:
                rows = run_size(pages, Path(work), corpus)
                naive = rows[0][1]
                for name, seconds, memory, count, cpu in rows:
                    lines.append(
                        f"| {corpus} | {pages:,} | {name} | {seconds:.3f} | {measured(cpu, '.2f')} | {measured(memory, '.0f')}"
                        f" | {count} |"
                    )
                lines.append(
                    f"| {corpus} | {pages:,} | **cold build vs naive** | **{naive / rows[1][1]:.1f}× faster** | | | |"
                )
    report(lines)


if __name__ == "__main__":
    main()
