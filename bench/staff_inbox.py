"""Benchmark the staff inbox with many stored submissions.

    python -m bench.staff_inbox [--submissions 100000] [--requests 20]

Fills a fresh SQLite database (through the app's own cipher and schema), starts the app with
uvicorn, signs in, and reports the median and worst response time of the first inbox page and
of filtered pages. Target: under 100 ms each.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx2 as httpx

from forms_backend.crypto import FieldCipher, new_key_spec
from forms_backend.fields import TOPICS
from forms_backend.references import new_reference
from forms_backend.staff.accounts import add_user
from forms_backend.staff.inbox import STATUSES
from forms_backend.storage import open_database
from tests.backend import staff_login
from tests.servers import UvicornServer

PASSWORD = "benchmark password 1"


def fill(url: str, keys: str, count: int) -> None:
    cipher = FieldCipher.from_spec(keys)
    database = open_database(url)
    add_user(database, "bench", PASSWORD, "admin")
    rng = random.Random(7)
    start = datetime.now(timezone.utc) - timedelta(days=365)
    batch = []
    for i in range(count):
        reference = new_reference()
        created = (start + timedelta(seconds=i * 365 * 86400 / count)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        fields = {"first_name": f"Member{i}", "last_name": rng.choice(["García", "Smith", "Núñez", "Jones"]), "member_id": f"AB{i:08d}",
                  "date_of_birth": "1980-03-27", "phone": "5135550142", "email": f"m{i}@example.org", "message": "Question about my prior authorization. " * 5}
        batch.append((reference, created, rng.choice(["en", "es"]), rng.choice(TOPICS), "phone", "en", rng.choice(STATUSES), cipher.seal(fields, bound_to=reference)))
        if len(batch) == 5000 or i == count - 1:
            rows = batch
            database.run_sync_write(lambda tx, rows=rows: [tx.execute(
                "INSERT INTO submissions (reference, created_at, lang, topic, contact_method, preferred_language, status, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row) for row in rows])
            batch = []
    database.close_sync()


def timed(client: httpx.Client, path: str, requests: int) -> tuple[float, float, int]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    rows = len(re.findall(r'href="/staff/inquiries/', response.text))
    return statistics.median(times), max(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        url, keys = f"sqlite:///{data}/inbox.db", new_key_spec()
        started = time.perf_counter()
        fill(url, keys, args.submissions)
        print(f"stored {args.submissions:,} submissions in {time.perf_counter() - started:.1f} s")
        env = {"DATA_DIR": data, "DATABASE_URL": url, "ENCRYPTION_KEYS": keys, "SECRET_KEYS": "bench-secret", "SERVE_SITE": "false", "LOGIN_RATE_LIMIT": "1000/1"}
        with UvicornServer(env, Path(data) / "server.log") as server, httpx.Client(base_url=server.url, timeout=30) as client:
            staff_login(client, "bench", PASSWORD)
            print(f"{'page':<44}{'median ms':>10}{'max ms':>9}{'rows':>6}")
            for label, path in [
                ("first page (all, newest first)", "/staff/"),
                ("filtered: status=new", "/staff/?status=new"),
                ("filtered: topic=claims, lang=es", "/staff/?topic=claims&lang=es"),
                ("filtered: date range (one month)", "/staff/?from=2026-06-01&to=2026-06-30"),
                ("deep page (page 1000)", "/staff/?page=1000"),
            ]:
                median, worst, rows = timed(client, path, args.requests)
                print(f"{label:<44}{median:>10.1f}{worst:>9.1f}{rows:>6}")


if __name__ == "__main__":
    main()
