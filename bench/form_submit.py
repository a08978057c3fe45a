"""Benchmark the Tell Us submit endpoint against a bare Starlette endpoint, on the same run.

    python -m bench.form_submit [--connections 64] [--requests 20000] [--seconds 20]

Starts each server with uvicorn (one worker) on a free loopback port, loads it with pre-signed
form tokens (each used once, as a real member would), and prints accepted submissions per second
and p50/p99 latency. Durable commits are on (SQLite WAL, synchronous=FULL, group commit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from forms_backend.form.tokens import FormTokens
from forms_backend.keys.crypto import new_key_spec

from .loadgen import LoadResult, run_load

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
FIELDS = {
    "first_name": "Ana",
    "last_name": "García",
    "member_id": "AB12345678",
    "dob_day": "27",
    "dob_month": "3",
    "dob_year": "1980",
    "phone": "513-555-0142",
    "email": "ana@example.org",
    "contact_method": "phone",
    "preferred_language": "es",
    "topic": "prior_authorization",
    "message": "My prior authorization was denied. " * 10,
    "website": "",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--http",
            "h11",
            "--loop",
            "asyncio",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError as exc:
            if getattr(exc, "code", None) == 404:
                return process  # the bare app has no health check; answering at all is enough
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def requests_for(port: int, count: int, lang: str = "en") -> Iterator[bytes]:
    tokens = FormTokens([SECRET], min_fill_seconds=0, max_age_seconds=3600)
    for _ in range(count):
        body = urlencode({**FIELDS, "token": tokens.issue(lang)}).encode()
        yield (
            f"POST /en/tell-us/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body


def measure(app: str, env: dict[str, str], args: argparse.Namespace) -> LoadResult:
    port = free_port()
    process = start(app, port, env)
    try:
        requests = list(requests_for(port, args.requests))  # signed before the clock starts
        return asyncio.run(run_load(port, iter(requests), args.connections, args.requests, args.seconds))
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median round is reported")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()
    bare_runs, our_runs = [], []
    with tempfile.TemporaryDirectory() as data:
        env = {
            "SECRET_KEYS": SECRET,
            "ENCRYPTION_KEYS": new_key_spec(),
            "DATA_DIR": data,
            "SERVE_SITE": "false",
            "DATABASE_URL": args.database_url or f"sqlite:///{data}/bench.db",
            "MIN_FILL_SECONDS": "0",
            "RATE_LIMIT": "1000000000/1",
        }
        for _ in range(args.rounds):
            bare_runs.append(measure("bench.bare_app:app", {}, args))
            our_runs.append(measure("forms_backend.app:app", env, args))
    bare, ours = median_run(bare_runs), median_run(our_runs)
    store = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite WAL, synchronous=FULL"
    print(
        f"{args.connections} connections, one uvicorn worker (h11), {os.cpu_count()} cores, loopback, {store}; median of {args.rounds} rounds"
    )
    print(f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for name, result in (("bare Starlette (stores nothing)", bare), ("Tell Us submit (durable commit)", ours)):
        print(
            f"{name:<34}{result.per_second:>9.0f}{result.percentile(50):>9.1f}{result.percentile(99):>9.1f}  {result.statuses}"
        )
    print(f"ratio: {ours.per_second / bare.per_second:.0%} of bare throughput")


def median_run(runs: list[LoadResult]) -> LoadResult:
    return sorted(runs, key=lambda run: run.per_second)[len(runs) // 2]


if __name__ == "__main__":
    main()
