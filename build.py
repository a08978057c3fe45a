#!/usr/bin/env python3
"""Build the bilingual member site: `python build.py --help`."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"

try:
    from sitegen.cli import main
except ModuleNotFoundError as missing:
    # An editor typed `python build.py` outside the project's environment: use the project's own.
    python = VENV / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(
        f"build.py needs the project's packages ({missing.name} is not installed): run `make setup` once, then try again"
    )

if __name__ == "__main__":
    sys.exit(main())
