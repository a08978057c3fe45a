"""Mutation scores per module, from `mutmut results --all true` on standard input.

    .venv/bin/mutmut results --all true | .venv/bin/python scripts/mutation_scores.py

A mutant that survives is either a test still to write or an equivalent mutant: a change that no
input can tell from the original. The equivalent ones are listed, each with the reason, in
tests/mutation_equivalents.toml; the score is killed / (all - equivalent). Exits 1 if a module scores
under 90 %, or a mutant listed as equivalent is no longer a survivor (the list must be kept true).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

EQUIVALENTS = Path(__file__).resolve().parents[1] / "tests" / "mutation_equivalents.toml"
TARGET = 0.90
LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>.+?)\s*$")
CAUGHT = {"killed", "timeout", "segfault", "suspicious"}


def module_of(mutant: str) -> str:
    """'forms_backend.form.fields.x_validate__mutmut_3' -> 'forms_backend.form.fields'."""
    return re.split(r"\.xǁ|\.x_", mutant, maxsplit=1)[0]


def main() -> int:
    statuses = {m["name"]: m["status"] for m in map(LINE.match, sys.stdin) if m}
    equivalent = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", {})
    stale = sorted(name for name in equivalent if statuses.get(name) != "survived")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in statuses.items():
        kind = "caught" if status in CAUGHT else "equivalent" if name in equivalent else status
        counts[module_of(name)][kind] += 1
    failing = False
    print("| module | mutants | killed | equivalent | not killed | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for module, tally in sorted(counts.items()):
        total, caught, same = sum(tally.values()), tally["caught"], tally["equivalent"]
        score = caught / (total - same) if total > same else 1.0
        failing |= score < TARGET
        print(f"| `{module}` | {total} | {caught} | {same} | {total - caught - same} | {score:.1%} |")
    for name, status in sorted(statuses.items()):
        if status not in CAUGHT and name not in equivalent:
            print(f"not killed: {name} ({status})")
    for name in stale:
        print(f"listed as equivalent but {statuses.get(name, 'not generated')}: {name}")
    return 1 if failing or stale else 0


if __name__ == "__main__":
    sys.exit(main())
