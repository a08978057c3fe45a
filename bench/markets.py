"""Benchmark building many markets from one content source: time should grow with markets × pages.

    python -m bench.markets [--pages 1000 4000] [--markets 1 2 4 8] [--corpus real synthetic]

For each corpus ("real": this project's pages copied; "synthetic": generated prose; see bench.corpus)
and size (half English, half Spanish pages) and each number of
markets, it writes a site.toml with that many markets (each with its own three contact lines,
alternating Eastern and Central Time) and times, each in a fresh process, a cold build (no cache,
empty output) and a no-op rebuild, then a one-page edit as `build.py serve` sees it. It prints a table, with the time per rendered page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from .build import CORPORA, ROOT, Row, measured, rendered, report, serve_edits, timed

ZONES = ("America/New_York", "America/Chicago")


def markets_config(count: int) -> str:
    """This project's site.toml with its member-facing contact lines replaced by `count` markets of their
    own (each with this site's language-help tagline list); the shared lines and notices stay as they are."""
    text = (ROOT / "site.toml").read_text(encoding="utf-8")
    head, rest = text[: text.index("# ---- Contact lines")], text[text.index("[contacts.civil-rights]") :]
    taglines = next(line for line in text.splitlines() if line.startswith("taglines = "))
    tables = []
    for i in range(count):
        name = f"m{i:02d}-medicaid"
        tables.append(
            f'[markets.{name}]\nlabel = {{ en = "Market {i} Medicaid", es = "Medicaid del mercado {i}" }}\n'
            f'state = "{chr(65 + i // 26)}{chr(65 + i % 26)}"\nproduct = "Medicaid"\npath = "/m{i:02d}/plans/medicaid"\n'
            f'time_zone = "{ZONES[i % 2]}"\n{taglines}\n'
        )
        for line, number, label in (
            ("member-services", 1, "Member Services"),
            ("um-team", 2, "UM team"),
            ("language-help", 3, "Language help"),
        ):
            tables.append(
                f'[markets.{name}.contacts.{line}]\nlabel = {{ en = "{label}", es = "{label}" }}\n'
                f'phone = "1-844-5{i:02d}-{number:04d}"\ntty = ["711"]\n'
                f'hours = [{{ days = "mon-fri", open = "08:00", close = "{17 + i % 3}:00" }}]\n'
            )
    return head + "\n".join(tables) + "\n" + rest


def run(pages: int, market_counts: list[int], work: Path, corpus: str) -> list[tuple[int, Row]]:
    source = work / f"corpus-{corpus}-{pages}"
    CORPORA[corpus](pages // 2, source)
    rows = []
    for count in market_counts:
        (source / "site.toml").write_text(markets_config(count), encoding="utf-8")
        time.sleep(1.1)  # as an editor's save and build are apart: a file changed within a clock tick is read again
        out = work / f"site-{corpus}-{pages}-{count}"
        shutil.rmtree(source / ".build-cache", ignore_errors=True)
        build = [sys.executable, "build.py", "--source", str(source), "--out", str(out)]
        cold = timed(build)
        rows.append((count, ("cold build", cold.seconds, cold.memory, rendered(cold.output), cold.cpu)))
        noop = timed(build)
        rows.append((count, ("no-op rebuild", noop.seconds, noop.memory, rendered(noop.output), noop.cpu)))
        rows += [(count, row) for row in serve_edits(source, out)]
        shutil.rmtree(out)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--markets", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--corpus", nargs="+", choices=sorted(CORPORA), default=["real", "synthetic"])
    args = parser.parse_args()
    lines = [
        f"### Markets benchmark, {date.today().isoformat()} ({os.cpu_count()} cores)",
        "",
        "| corpus | source pages | markets | step | seconds | × one market | CPU seconds | CPU × one market"
        " | pages rendered | ms per rendered page | peak MB |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as work:
        for pages in args.pages:
            for corpus in args.corpus:
                rows = run(pages, args.markets, Path(work), corpus)
                one = next(row for _, row in rows if row[0] == "cold build")
                for count, (step, seconds, memory, done, cpu) in rows:
                    cold = step == "cold build"
                    lines.append(
                        f"| {corpus} | {pages:,} | {count} | {step} | {seconds:.3f}"
                        f" | {f'{seconds / one[1]:.2f}' if cold else ''} | {measured(cpu, '.2f')}"
                        f" | {f'{cpu / one[4]:.2f}' if cold else ''} | {done}"
                        f" | {f'{seconds * 1000 / int(done):.2f}' if cold else ''} | {measured(memory, '.0f')} |"
                    )
    report(lines)


if __name__ == "__main__":
    main()
