"""Benchmark: do staff sign-ins slow everyone else down?

    python -m bench.staff_login [--sign-ins 8] [--samples 200]

Starts the backend with uvicorn (one worker, SQLite) on a free loopback port and times `/healthz`
and the Tell Us form page, first idle, then while `--sign-ins` clients send sign-in attempts
without pause (each one an argon2 check). Reports medians and the ratio to idle. Also times
sealing and opening one submission's fields, the other CPU work on the request path.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import tempfile
import threading
import time
from datetime import date
from urllib.parse import urlencode

from forms_backend.keys.crypto import FieldCipher, new_key_spec
from forms_backend.staff.accounts import add_user
from forms_backend.storage import open_database

from .form_submit import FIELDS, free_port, start

PASSWORD = "benchmark password 1"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def timed_gets(port: int, path: str, samples: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return times


def sign_in_forever(port: int, stop: threading.Event, attempts: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        connection.request("GET", "/staff/login")
        page = connection.getresponse().read().decode()
        token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
        body = urlencode({"username": "bench", "password": "not the password", "token": token, "next": "/staff/"})
        connection.request(
            "POST",
            "/staff/login",
            body,
            {"content-type": "application/x-www-form-urlencoded", "origin": f"http://127.0.0.1:{port}"},
        )
        connection.getresponse().read()
        attempts.append(1)
    connection.close()


def seal_and_open_microseconds(rounds: int = 2000) -> tuple[float, float]:
    cipher = FieldCipher.from_spec(new_key_spec("bench"))
    fields = {name: FIELDS[name] for name in ("first_name", "last_name", "member_id", "phone", "email", "message")}
    fields["date_of_birth"] = date(1980, 3, 27).isoformat()  # stored as one ISO date
    started = time.perf_counter()
    sealed = [cipher.seal(fields, bound_to=f"REF{i}") for i in range(rounds)]
    sealing = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for i, blob in enumerate(sealed):
        cipher.open(blob, bound_to=f"REF{i}")
    return sealing, (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sign-ins", type=int, default=8, help="clients sending sign-in attempts at once")
    parser.add_argument("--samples", type=int, default=200, help="timed requests per figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        url = f"sqlite:///{data}/bench.db"
        database = open_database(url)
        add_user(database, "bench", PASSWORD, "staff")
        database.close_sync()
        env = {
            "SECRET_KEYS": "bench",
            "ENCRYPTION_KEYS": new_key_spec(),
            "DATA_DIR": data,
            "SERVE_SITE": "false",
            "DATABASE_URL": url,
            "LOGIN_RATE_LIMIT": "1000000000/1",
            "RATE_LIMIT": "1000000000/1",
        }
        port = free_port()
        process = start("forms_backend.app:app", port, env)
        try:
            paths = {"/healthz": "health check", "/en/tell-us/": "form page"}
            idle = {path: statistics.median(timed_gets(port, path, args.samples)) for path in paths}
            stop, attempts = threading.Event(), []
            clients = [
                threading.Thread(target=sign_in_forever, args=(port, stop, attempts)) for _ in range(args.sign_ins)
            ]
            for client in clients:
                client.start()
            time.sleep(1)  # let the sign-ins fill the queue
            started, before = time.perf_counter(), len(attempts)
            loaded = {path: statistics.median(timed_gets(port, path, args.samples)) for path in paths}
            rate = (len(attempts) - before) / (time.perf_counter() - started)
            stop.set()
            for client in clients:
                client.join()
        finally:
            process.terminate()
            process.wait(10)
    print(
        f"one uvicorn worker (h11), SQLite, {args.sign_ins} clients signing in without pause ({rate:.1f} attempts/s); median of {args.samples} requests"
    )
    print(f"{'request':<16}{'idle ms':>9}{'under sign-ins ms':>19}{'ratio':>8}")
    for path, name in paths.items():
        print(f"{name:<16}{idle[path]:>9.1f}{loaded[path]:>19.1f}{loaded[path] / idle[path]:>7.1f}×")
    sealing, opening = seal_and_open_microseconds()
    print(
        f"sealing one submission's fields: {sealing:.0f} µs; opening them: {opening:.0f} µs (on the request path, not worth a thread)"
    )


if __name__ == "__main__":
    main()
