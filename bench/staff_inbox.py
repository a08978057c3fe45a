"""Benchmark the staff inbox and its search with many stored submissions, on SQLite and PostgreSQL.

    python -m bench.staff_inbox [--submissions 100000 1000000] [--database sqlite postgres] [--requests 20]

For each database and size: fills a fresh database (through the app's own cipher, blind index and
schema; PostgreSQL is a throw-away cluster, vacuumed and analysed after the load), starts the app
with uvicorn (one worker), signs in, and reports the median and worst response time of the first
inbox page, of each filter and combinations of them, of a deep page, of each casework queue (mine,
unassigned, due soon, overdue; alone and filtered), every page with its counts; of searches for what
a caller says (phone, member ID, reference read aloud, name, no match); and of the supervisors'
report for the last quarter and for a year of broken weeks; then how much a search running at the same time delays an inbox page.
Targets: every staff page under 100 ms median, searches under 50 ms, an inbox page delayed by under 10 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import psycopg

from forms_backend.form.fields import TOPICS
from forms_backend.form.submissions import insert_terms
from forms_backend.keys.crypto import FieldCipher, new_key_spec
from forms_backend.keys.search_index import SearchIndex, index_rows, new_search_key_spec
from forms_backend.staff.accounts import add_user
from forms_backend.staff.casework.rules import load_case_rules
from forms_backend.staff.filters import STATUSES
from forms_backend.storage import Dialect, open_database
from forms_backend.storage.records import stamp
from forms_backend.storage.references import new_reference
from tests.backend import staff_login
from tests.servers import PostgresCluster, UvicornServer

PASSWORD = "benchmark password 1"
RULES = load_case_rules(Path(__file__).resolve().parent.parent / "casework.toml")
ZONE = ZoneInfo("America/New_York")
MARKET = "ga-medicaid"  # the filler's rows all belong to the single plan (market ''): this filter matches none


SYLLABLES = ("ka", "ro", "mi", "le", "sa", "to", "na", "vi", "de", "lu")


def first_name(i: int) -> str:
    """One of 1,000 made-up first names (no digits, as names have none): Karomi, Rolesa, …"""
    return "".join(SYLLABLES[(i // 10**place) % 10] for place in range(3)).capitalize()


def member(i: int, rng: random.Random) -> dict[str, str]:
    """Member i: a unique phone, ID and email; first names repeat every 1,000 members, last names are common."""
    return {
        "first_name": first_name(i % 1000),
        "last_name": rng.choice(["García", "Smith", "Núñez", "Jones"]),
        "member_id": f"AB{i:08d}",
        "date_of_birth": "1980-03-27",
        "phone": f"513{i:07d}",
        "email": f"m{i}@example.org",
        "message": "Question about my prior authorization. " * 5,
    }


STAFF = ("bench", "ana", "ben", "cruz", "dee", None, None)  # who cases are assigned to (None: nobody)


def case_columns(created: datetime, topic: str, status: str, rng: random.Random) -> tuple[object, ...]:
    """A case as casework.toml makes it: type, local received day and week, deadlines, and (for handled
    cases) when it was acknowledged and resolved, with next_due_at as the app keeps it."""
    case_type = RULES.type_for_topic(topic)
    local_day = created.astimezone(ZONE).date()
    due = RULES.deadlines(created, case_type, False, ZONE)
    acknowledged = (
        created + timedelta(hours=rng.uniform(1, 24 * case_type.acknowledge_days * 1.3))
        if status != "new" or rng.random() < 0.3
        else None
    )
    resolved = (
        created + timedelta(hours=rng.uniform(24, 24 * case_type.resolve_days * 1.2))
        if status in ("answered", "closed")
        else None
    )
    next_due = None if resolved else (due.resolve_by if acknowledged else due.acknowledge_by)
    hours = [
        round((moment - created).total_seconds() / 3600, 4) if moment else None for moment in (acknowledged, resolved)
    ]
    return (
        case_type.name,
        local_day.isoformat(),
        (local_day - timedelta(days=local_day.weekday())).isoformat(),
        stamp(due.acknowledge_by),
        stamp(due.resolve_by),
        stamp(acknowledged) if acknowledged else None,
        stamp(resolved) if resolved else None,
        stamp(next_due) if next_due else None,
        *hours,
    )


def fill(url: str, keys: str, search_keys: str, count: int) -> str:
    """Store `count` submissions with their search terms and cases; return the oldest one's reference."""
    cipher, index = FieldCipher.from_spec(keys), SearchIndex.from_spec(search_keys)
    database = open_database(url)
    add_user(database, "bench", PASSWORD, "admin")
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=365)
    oldest = ""
    for first in range(0, count, 5000):
        batch = []
        for i in range(first, min(first + 5000, count)):
            reference = new_reference()
            oldest = oldest or reference
            moment = start + timedelta(seconds=i * 365 * 86400 / count)
            fields = member(i, rng)
            topic, status = rng.choice(TOPICS), rng.choice(STATUSES)
            batch.append(
                (
                    i + 1,
                    reference,
                    stamp(moment),
                    rng.choice(["en", "es"]),
                    topic,
                    status,
                    cipher.seal(fields, bound_to=reference),
                    fields,
                    rng.choice(STAFF),
                    case_columns(moment, topic, status, rng),
                )
            )

        def write(tx, batch=batch):  # type: ignore[no-untyped-def]
            tx.executemany(
                "INSERT INTO submissions (id, reference, created_at, lang, topic, contact_method, preferred_language, status, sealed,"
                " assigned_to, case_type, received_on, received_week, acknowledge_due_at, resolve_due_at, acknowledged_at, resolved_at,"
                " next_due_at, acknowledge_hours, resolve_hours)"
                " VALUES (?, ?, ?, ?, ?, 'phone', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (submission_id, reference, created, lang, topic, lang, status, sealed, assigned, *case)
                    for submission_id, reference, created, lang, topic, status, sealed, _, assigned, case in batch
                ],
            )
            insert_terms(tx, index_rows(index, [(row[0], row[1], row[7]) for row in batch]))  # type: ignore[misc]

        database.run_sync_write(write)
    if database.dialect is Dialect.POSTGRES:
        # The ids were given explicitly: move the sequence past them, and give the planner its statistics
        # (as autovacuum would, some minutes after a bulk load).
        database.run_sync_write(
            lambda tx: tx.execute("SELECT setval('submissions_id_seq', (SELECT MAX(id) FROM submissions))")
        )
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    database.close_sync()
    return oldest


def timed(client: httpx.Client, path: str, requests: int) -> tuple[float, float, int]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    rows = len(re.findall(r'href="/staff/inquiries/', response.text))
    return statistics.median(times), max(times), rows


def search_link(client: httpx.Client, text: str) -> str:
    """The link a search lands on (the form posts once; the link is what staff reload)."""
    page = client.get("/staff/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    sent = client.post(
        "/staff/search", data={"q": text, "csrf": csrf}, headers={"origin": str(client.base_url).rstrip("/")}
    )
    assert sent.status_code == 303, sent.status_code
    return sent.headers["location"]


def delayed_inbox(client: httpx.Client, server_url: str, search: str, requests: int) -> tuple[float, float]:
    """Median inbox page alone, and with another staff member's search sent at the same moment."""
    alone, _, _ = timed(client, "/staff/", requests)
    times = []
    with httpx.Client(base_url=server_url, cookies=client.cookies, timeout=30) as other:
        for _ in range(requests):
            searcher = threading.Thread(target=other.get, args=(search,))
            searcher.start()
            started = time.perf_counter()
            assert client.get("/staff/").status_code == 200
            times.append((time.perf_counter() - started) * 1000)
            searcher.join()
    return alone, statistics.median(times)


def run(size: int, requests: int, database: str) -> None:
    with tempfile.TemporaryDirectory() as data, ExitStack() as stack:
        if database == "postgres":
            cluster = PostgresCluster().start()
            stack.callback(cluster.stop)
            url = cluster.url
        else:
            url = f"sqlite:///{data}/inbox.db"
        keys, search_keys = new_key_spec(), new_search_key_spec()
        started = time.perf_counter()
        oldest = fill(url, keys, search_keys, size)
        print(
            f"\n{size:,} submissions on {database}, stored with their search terms in {time.perf_counter() - started:.1f} s"
        )
        env = {
            "DATA_DIR": data,
            "DATABASE_URL": url,
            "ENCRYPTION_KEYS": keys,
            "SEARCH_KEYS": search_keys,
            "SECRET_KEYS": "bench-secret",
            "SERVE_SITE": "false",
            "LOGIN_RATE_LIMIT": "1000/1",
        }
        with (
            UvicornServer(env, Path(data) / "server.log") as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            staff_login(client, "bench", PASSWORD)
            print(f"{'request':<48}{'median ms':>10}{'max ms':>9}{'rows':>6}")
            searches = [
                ("search: phone of the oldest, typed (513) …", "(513) 000-0000"),
                ("search: member ID of the oldest", "ab 00000000"),
                ("search: reference of the oldest, read aloud", oldest.lower().replace("-", " ").replace("0", "o")),
                (f"search: first name (shared by {size // 1000:,})", first_name(7).lower()),
                ("search: full name, without accents", f"{first_name(7)} Nunez"),
                ("search: a phone nobody has", "(614) 555-0100"),
            ]
            month = (datetime.now(UTC) - timedelta(days=180)).strftime("%Y-%m")
            year_to = datetime.now(UTC).date() - timedelta(days=(datetime.now(UTC).weekday() - 5) % 7)  # a Saturday
            year_from = year_to - timedelta(days=359)  # a Thursday: the year's first and last weeks are broken
            pages = [
                ("first page (all, newest first)", "/staff/"),
                ("filtered: status=new", "/staff/?status=new"),
                ("filtered: topic=claims", "/staff/?topic=claims"),
                ("filtered: lang=es", "/staff/?lang=es"),
                ("filtered: market=none (no rows)", "/staff/?market=" + MARKET),
                ("filtered: topic=claims, lang=es", "/staff/?topic=claims&lang=es"),
                ("filtered: status, topic, lang", "/staff/?status=in_progress&topic=claims&lang=es"),
                ("filtered: date range (one month)", f"/staff/?from={month}-01&to={month}-28"),
                ("filtered: month, status=new, lang=es", f"/staff/?from={month}-01&to={month}-28&status=new&lang=es"),
                (
                    "filtered: every filter",
                    f"/staff/?from={month}-01&to={month}-28&status=new&topic=claims&lang=es&market={MARKET}",
                ),
                ("deep page (page 1000)", "/staff/?page=1000"),
                ("queue: mine (most urgent first)", "/staff/?queue=mine"),
                ("queue: unassigned", "/staff/?queue=unassigned"),
                ("queue: due soon", "/staff/?queue=due_soon"),
                ("queue: overdue", "/staff/?queue=overdue"),
                ("queue: overdue, topic=claims, lang=es", "/staff/?queue=overdue&topic=claims&lang=es"),
                (
                    "queue: mine, status=in_progress, month",
                    f"/staff/?queue=mine&status=in_progress&from={month}-01&to={month}-28",
                ),
                ("report: the last quarter, every plan", "/staff/reports/"),
                ("report: a year from a Thursday to a Saturday", f"/staff/reports/?from={year_from}&to={year_to}"),
            ] + [(label, search_link(client, text)) for label, text in searches]
            for label, path in pages:
                median, worst, rows = timed(client, path, requests)
                print(f"{label:<48}{median:>10.1f}{worst:>9.1f}{rows:>6}")
            alone, busy = delayed_inbox(client, server.url, search_link(client, "ab 00000000"), requests)
            print(
                f"first inbox page: {alone:.1f} ms alone, {busy:.1f} ms with a member-ID search sent at the same moment (+{busy - alone:.1f} ms)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    args = parser.parse_args()
    for database in args.database:
        for size in args.submissions:
            run(size, args.requests, database)


if __name__ == "__main__":
    main()
