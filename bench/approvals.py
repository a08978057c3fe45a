"""Benchmark the approval lock: the same real-shaped corpus built with every page approved, and without
approvals, in the same run.

    python -m bench.approvals [--pages 10000]

Two copies of the real corpus (see bench.corpus): one as it is, one with `[approvals]` in site.toml and
every page approved (records written as `build.py approvals --approve` writes them). For each: a cold
build, a no-op, one-page edits from the command line and while serving (the edited page then differs
from its approval, as when an editor works; `required = false`, so the build publishes it with a
warning, as the preview shows it with its banner). For the approved copy, also one new approval
followed by `build.py` (it re-renders that page alone).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from .build import Row, command_edits, in_process_edits, measured, rendered, some_page, timed
from .corpus import write_real_corpus

LOCK = "\n[approvals]\nrequired = false\n"


def approve_everything(source: Path) -> int:
    """Record every page as approved, as `build.py approvals --approve` would; the number of records."""
    from sitegen.approval.records import Approval, Approvals, ApprovedText, text_digest, write_approvals
    from sitegen.commands.approvals import current_material, records_path
    from sitegen.config.loader import load_config
    from sitegen.config.project import Project

    project = Project(source)
    config = load_config(project.config_path, "site.toml")
    material = current_material(project, config, Approvals(records_path(config)))
    records = tuple(
        Approval(m.page.path, m.market, f"OH-MED-M-{n:07d}", "Bench", date(2026, 12, 5), text_digest(m.text))
        for n, m in enumerate(material, 1)
    )
    texts = {(m.page.path, m.market): ApprovedText(m.text, m.values) for m in material}
    write_approvals(source, Approvals(records_path(config), records), texts)
    return len(records)


def run_corpus(source: Path, out: Path, approved: bool) -> list[Row]:
    build = [sys.executable, "build.py", "--source", str(source), "--out", str(out)]
    rows: list[Row] = []
    run = timed(build + ["--no-cache"])
    rows.append(("cold build (no cache)", run.seconds, run.memory, rendered(run.output), run.cpu))
    shutil.rmtree(out)
    timed(build)  # fills the cache
    run = timed(build)
    rows.append(("no-op rebuild", run.seconds, run.memory, rendered(run.output), run.cpu))
    rows.append(command_edits(build, some_page(source, "en")))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows += pool.submit(in_process_edits, source, out).result()
    if approved:
        page = some_page(source, "es")
        relative = page.relative_to(source).as_posix()
        time.sleep(1.1)
        timed(
            [sys.executable, "build.py", "approvals", "--source", str(source), "--approve", relative]
            + ["--id", "OH-MED-M-9999999", "--by", "Bench"]
        )
        run = timed(build)
        rows.append(("one new approval, then build.py", run.seconds, run.memory, rendered(run.output), run.cpu))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-approvals-") as scratch:
        work = Path(scratch)
        plain, locked = work / "plain", work / "approved"
        write_real_corpus(args.pages // 2, plain)
        shutil.copytree(plain, locked)
        (locked / "site.toml").write_text((locked / "site.toml").read_text() + LOCK)
        started = time.perf_counter()
        count = approve_everything(locked)
        print(f"approved {count} pages in {time.perf_counter() - started:.1f} s")
        results = {
            "without approvals": run_corpus(plain, work / "site-plain", False),
            "every page approved": run_corpus(locked, work / "site-approved", True),
        }
    print(f"\n| corpus ({args.pages:,} pages) | step | seconds | peak MB | rendered |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, rows in results.items():
        for step, seconds, memory, pages, _ in rows:
            shown = f"{seconds * 1000:.0f} ms" if "serving" in step else measured(seconds, ".2f")
            print(f"| {name} | {step} | {shown} | {measured(memory, '.0f')} | {pages} |")


if __name__ == "__main__":
    main()
