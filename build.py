#!/usr/bin/env python3
"""Build the bilingual member site: `python build.py --help`."""

import os
import sys
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# The packages the build engine needs. It is imported only once there is something to build (an
# up-to-date site is answered without it), so they are looked for here rather than found missing later.
NEEDED = ("jinja2", "babel", "cmarkgfm", "pyphen", "watchfiles")

missing = next((name for name in NEEDED if find_spec(name) is None), None)
if missing:
    # An editor typed `python build.py` outside the project's environment: use the project's own.
    python = VENV / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(
        f"build.py needs the project's packages ({missing} is not installed): run `make setup` once, then try again"
    )

from sitegen.commands.cli import main  # noqa: E402  (after the environment check above)

if __name__ == "__main__":
    status = main()
    # The build is over and every file it wrote is closed. Tearing the interpreter down module by module
    # would add a twentieth of a second to a one-page edit; the operating system takes the process back at once.
    # (Unless a profiler or coverage tool is watching: it writes its report as the interpreter ends.)
    if sys.getprofile() is None and sys.gettrace() is None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
