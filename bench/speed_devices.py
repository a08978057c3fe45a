"""What each speed device in the build saves today: the build with it, and without it, in one run.

    python -m bench.speed_devices [--pages 10000] [--rounds 9] [--approved]

A speed device is code whose only purpose is speed (a cache, a shortcut). Each one is switched off here
from the outside, by patching it in the build process before the build starts, so the product has no
switches for it. Every build runs through the same small launcher (`LAUNCH`), with no patch for the
baseline. The corpus is the "real" one of `bench.build` (our own pages, placeholders, contact lines,
half the Spanish pages stale), committed to a git repository so that stale notices ask git for dates.
With `--approved`, every page of it is approved (`[approvals]` on, see bench.approvals) and the devices
of the approval lock are the ones timed.

For each device the benchmark times the path it serves, the baseline and the device switched off taking
turns, and prints the median of each and the share the device saves. Output is compared byte for byte:
a device that changed the site would be a bug.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from .approvals import LOCK, approve_everything
from .build import ROOT, some_page, timed
from .corpus import write_real_corpus


class Device(NamedTuple):
    name: str
    path: str  # the benchmark path it serves: "edit" (one-page edit from the command line), "noop", "cold"
    patch: str  # Python run in the build process before the build, switching the device off
    approved: bool = False  # a device of the approval lock: timed on the corpus with every page approved


DEVICES = (
    Device(
        "front-matter reader beside tomllib (content/page.py `simple_front_matter`)",
        "cold",
        "import sitegen.content.page as m; m.simple_front_matter = lambda lines: None",
    ),
    Device(
        "os._exit at the end of build.py (no interpreter teardown)",
        "edit",
        "EXIT = False",
    ),
    Device(
        "frozen garbage collector while the cached state loads (engine/pipeline.py)",
        "edit",
        "import gc; gc.disable = lambda: None; gc.freeze = lambda: None",
    ),
    Device(
        "Jinja bytecode cache (rendering/templates.py)",
        "edit",
        "import jinja2; jinja2.FileSystemBytecodeCache = lambda folder: None",
    ),
    Device(
        "commit-date cache (translation/commit_dates.py)",
        "edit",
        "import sitegen.translation.commit_dates as m; m._kept = lambda folder, head: {}; "
        "m._keep = lambda folder, head, dates: None",
    ),
    Device(
        "catalog-check cache (engine/inputs.py `CATALOG_CHECK`)",
        "edit",
        "import uuid, sitegen.engine.inputs as m; m.CATALOG_CHECK = 'off-' + uuid.uuid4().hex",
    ),
    Device(
        "CLDR facts cache for the taglines (engine/inputs.py `CLDR_FACTS`)",
        "edit",
        "import uuid, sitegen.engine.inputs as m; m.CLDR_FACTS = 'off-' + uuid.uuid4().hex",
    ),
    Device(
        "approval records kept in the build cache (engine/approvals.py `KEPT`)",
        "edit",
        "import uuid, sitegen.engine.approvals as m; m.KEPT = 'off-' + uuid.uuid4().hex",
        approved=True,
    ),
    Device(
        "line reader of the approval records beside tomllib (approval/records.py `simple_records`)",
        "cold",
        "import sitegen.approval.records as m; m.simple_records = lambda text: None",
        approved=True,
    ),
    Device(
        "approved texts not looked at by freshness (engine/freshness.py `NOT_READ`)",
        "noop",
        "import sitegen.engine.freshness as m; m.NOT_READ = set()",
        approved=True,
    ),
)

EXIT = DEVICES[1]  # serves every command: timed on the no-op path too

# Runs the build as build.py does (its last lines included), after the patch given as argv[1].
LAUNCH = """
import os, sys
EXIT = True
exec(sys.argv[1])
from sitegen.commands.cli import main
status = main(sys.argv[2:])
if EXIT:
    sys.stdout.flush(); sys.stderr.flush(); os._exit(status)
sys.exit(status)
"""


def build_command(patch: str, source: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", LAUNCH, patch, "--source", str(source), "--out", str(out), *extra]


def site_digest(out: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(path.relative_to(out).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def committed_corpus(pages: int, work: Path, approved: bool = False) -> Path:
    source = work / "corpus"
    write_real_corpus(pages // 2, source)
    if approved:
        (source / "site.toml").write_text((source / "site.toml").read_text() + LOCK)
        approve_everything(source)
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=b@example.org", "commit", "-q", "-m", "corpus"],
    ):
        subprocess.run(["git", "-C", str(source), *args], check=True)
    return source


def edit_rounds(source: Path, work: Path, patches: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """One-page edits from the command line, the variants taking turns so that drift hits them alike."""
    out = work / "site"
    page = some_page(source, "en")
    seconds: dict[str, list[float]] = {name: [] for name in patches}
    for number in range(rounds):
        for name, patch in patches.items():
            page.write_text(page.read_text().replace("\n\n", f"\n\nA sentence edited in round {number}.\n\n", 1))
            time.sleep(1.1)  # an editor's save is not in the clock tick of the build that follows
            run = timed(build_command(patch, source, out))
            seconds[name].append(run.seconds)
    return seconds


def noop_rounds(source: Path, work: Path, patches: dict[str, str], rounds: int) -> dict[str, list[float]]:
    out = work / "site"
    seconds: dict[str, list[float]] = {name: [] for name in patches}
    for _ in range(rounds):
        for name, patch in patches.items():
            seconds[name].append(timed(build_command(patch, source, out)).seconds)
    return seconds


def cold_rounds(source: Path, work: Path, patches: dict[str, str], rounds: int) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = {name: [] for name in patches}
    digests: dict[str, str] = {}
    for _ in range(rounds):
        for name, patch in patches.items():
            out = work / f"cold-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
            shutil.rmtree(out, ignore_errors=True)
            seconds[name].append(timed(build_command(patch, source, out, "--no-cache")).seconds)
            digests[name] = site_digest(out)
    if len(set(digests.values())) != 1:
        sys.exit(f"a device changed the output: {digests}")
    return seconds


ROUNDS = {"edit": edit_rounds, "noop": noop_rounds, "cold": cold_rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=9, help="runs of each variant on the edit and no-op paths")
    parser.add_argument("--cold-rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="only the devices whose name holds this text")
    parser.add_argument("--approved", action="store_true", help="every page approved: the approval lock's devices")
    args = parser.parse_args()
    devices = [d for d in DEVICES if args.only.lower() in d.name.lower() and d.approved == args.approved]
    with tempfile.TemporaryDirectory(prefix="speed-devices-") as folder:
        work = Path(folder)
        source = committed_corpus(args.pages, work, args.approved)
        subprocess.run(
            build_command("", source, work / "site"), cwd=ROOT, check=True, capture_output=True
        )  # fills the cache
        baseline = {"all devices on": ""}
        serving = {
            "edit": {d.name: d.patch for d in devices if d.path == "edit"},
            "noop": {d.name: d.patch for d in devices if d is EXIT or d.path == "noop"},
            "cold": {d.name: d.patch for d in devices if d.path == "cold"},
        }
        by_path = {
            path: ROUNDS[path](source, work, baseline | patches, args.cold_rounds if path == "cold" else args.rounds)
            for path, patches in serving.items()
            if patches
        }
    names = {"edit": "one-page edit (command)", "noop": "no-op rebuild", "cold": "cold build (no cache)"}
    print(
        f"Speed devices, {args.pages:,} pages (real corpus, in git); medians of {args.rounds} runs ({args.cold_rounds} cold)\n"
    )
    print("| device | path | with it (s) | without it (s) | saves |")
    print("| --- | --- | ---: | ---: | ---: |")
    for device in devices:
        paths = ["edit", "noop"] if device is EXIT else [device.path]  # os._exit serves both
        for path in paths:
            on = statistics.median(by_path[path]["all devices on"])
            off = statistics.median(by_path[path][device.name])
            print(f"| {device.name} | {names[path]} | {on:.3f} | {off:.3f} | {(off - on) / off:+.1%} |")


if __name__ == "__main__":
    main()
