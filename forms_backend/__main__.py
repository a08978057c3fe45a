"""`python -m forms_backend [run]`: build the site and serve it with the Tell Us form at one URL.

Local defaults: 127.0.0.1:8000, SQLite under data/, generated secrets kept in data/.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from sitegen.cli import main as build_main

from .settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m forms_backend", description="Run the member site and its form backend.")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="build the site, then serve it and the form (default)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--no-build", action="store_true", help="serve site/ as it is")
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    if not args.no_build and build_main(["--source", str(settings.project_dir), "--out", str(settings.site_dir)]) != 0:
        return 1
    print(f"Member site and Tell Us form: http://{args.host}:{args.port}/", flush=True)
    uvicorn.run("forms_backend.app:app", host=args.host, port=args.port, proxy_headers=False, server_header=False, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
