"""Benchmark the approval lock: the same real-shaped corpus built with every page approved, and without
approvals, in the same run.

    python -m bench.approvals [--pages 10000]

Two copies of the real corpus (see bench.corpus): one as it is, one with `[approvals]` in site.toml and
every page approved (records written as `build.py approvals --approve` writes them). The two take
turns at each step: a cold build, a no-op, one-page edits from the command line and while serving (the
edited page then differs from its approval, as when an editor works; `required = false`, so the build
publishes it with a warning, as the preview shows it with its banner). Then one new approval, followed
by `build.py`, which re-renders that page alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

from .build import in_process_edits, rendered, some_page, timed
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


def serving(source: Path, out: Path) -> tuple[float, float]:
    """`bench.build.in_process_edits` in a fresh process: (the first edit, the median of 9 more) in seconds."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows = pool.submit(in_process_edits, source, out).result()
    return rows[0][1], rows[1][1]


def in_turns(corpora: dict[str, Path], work: Path, rounds: int, cold_rounds: int) -> dict[str, dict[str, list[float]]]:
    """Each step on each corpus, the corpora taking turns so that the machine's drift hits them alike."""
    seconds: dict[str, dict[str, list[float]]] = {name: {} for name in corpora}

    def note(name: str, step: str, value: float) -> None:
        seconds[name].setdefault(step, []).append(value)

    def build(name: str, *extra: str) -> list[str]:
        return [sys.executable, "build.py", "--source", str(corpora[name]), "--out", str(work / f"site-{name}"), *extra]

    for _ in range(cold_rounds):
        for name in corpora:
            shutil.rmtree(work / f"site-{name}", ignore_errors=True)
            note(name, "cold build (no cache)", timed(build(name, "--no-cache")).seconds)
    for name in corpora:
        timed(build(name))  # fills the cache
    for _ in range(rounds):
        for name in corpora:
            note(name, "no-op rebuild", timed(build(name)).seconds)
    for number in range(rounds):
        for name, source in corpora.items():
            page = some_page(source, "en")
            page.write_text(page.read_text().replace("\n\n", f"\n\nAn edited sentence {number}.\n\n", 1))
            time.sleep(1.1)  # an editor's save is not in the clock tick of the build that follows
            note(name, "one-page edit (command)", timed(build(name)).seconds)
    for _ in range(3):
        for name, source in corpora.items():
            first, median = serving(source, work / f"site-{name}")
            note(name, "one-page edit while serving: the first", first)
            note(name, "one-page edit while serving: median of 9 more", median)
    return seconds


def one_approval(source: Path, work: Path) -> float:
    """`build.py approvals --approve` of one page, then `build.py`: the seconds of the build."""
    page = some_page(source, "es").relative_to(source).as_posix()
    time.sleep(1.1)
    timed(
        [
            sys.executable,
            "build.py",
            "approvals",
            "--source",
            str(source),
            "--approve",
            page,
            "--id",
            "OH-MED-M-9999999",
            "--by",
            "Bench",
        ]
    )
    run = timed([sys.executable, "build.py", "--source", str(source), "--out", str(work / "site-every page approved")])
    assert rendered(run.output) == "1", run.output
    return run.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=7, help="no-op and one-page edit runs of each corpus")
    parser.add_argument("--cold-rounds", type=int, default=3)
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
        corpora = {"without approvals": plain, "every page approved": locked}
        results = in_turns(corpora, work, args.rounds, args.cold_rounds)
        approval = one_approval(locked, work)
    print(f"\n| step ({args.pages:,} pages, medians; corpora in turns) | without approvals | every page approved |")
    print("| --- | ---: | ---: |")
    for step in results["without approvals"]:
        plain_s, locked_s = (statistics.median(results[name][step]) for name in corpora)
        shown = (f"{s * 1000:.0f} ms" if "serving" in step else f"{s:.2f} s" for s in (plain_s, locked_s))
        print(f"| {step} | " + " | ".join(shown) + " |")
    print(f"| one new approval, then build.py (renders 1 page) | | {approval:.2f} s |")


if __name__ == "__main__":
    main()
