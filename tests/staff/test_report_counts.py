"""The supervisors' report reads counts the database keeps up to date (storage/counted.py), not every case:
after cases arrive, are acknowledged, resolved, reopened, reclassified, moved between plans and deleted,
every figure equals what counting the cases by hand gives, for periods of whole weeks, of broken weeks
and of single days, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from forms_backend.staff.casework.reports import PERCENTILES, Cover, Period, Report, Timing, report_in
from forms_backend.storage import Database, Dialect, Tx, open_database
from tests.backend import drop_counts_triggers

NOW = "2026-12-04T15:30:00.000000Z"
FIRST_MONDAY = date(2026, 9, 7)
TYPES = ("inquiry", "grievance", "appeal")
MARKETS = ("", "ga")
# Durations on and around the buckets' edges (two days, ten days), repeated so that ranks fall among ties.
EDGES = (0.0, 0.04, 0.05, 47.94, 47.95, 48.0, 48.04, 239.94, 239.95, 240.0, 240.05, 1000.0)

PERIODS = [
    Period(FIRST_MONDAY, FIRST_MONDAY + timedelta(weeks=10, days=-1)),  # every week, whole
    Period(FIRST_MONDAY + timedelta(weeks=1), FIRST_MONDAY + timedelta(weeks=4, days=-1), "ga"),  # whole, one plan
    Period(FIRST_MONDAY + timedelta(days=2), FIRST_MONDAY + timedelta(weeks=6, days=4)),  # broken at both ends
    Period(FIRST_MONDAY + timedelta(days=1), FIRST_MONDAY + timedelta(days=3), "ga"),  # inside one week
    Period(FIRST_MONDAY + timedelta(days=6), FIRST_MONDAY + timedelta(days=7)),  # a Sunday and a Monday
    Period(FIRST_MONDAY + timedelta(days=20), FIRST_MONDAY + timedelta(days=20)),  # one day
    Period(FIRST_MONDAY, FIRST_MONDAY + timedelta(weeks=10), "in"),  # a plan with no cases
]


def a_duration(rng: random.Random, longest: float) -> float | None:
    if rng.random() < 0.25:
        return None
    return rng.choice(EDGES) if rng.random() < 0.3 else round(rng.uniform(0, longest), 4)


def a_deadline(rng: random.Random) -> str | None:
    return rng.choice([None, "2026-11-01T00:00:00.000000Z", NOW, "2026-12-24T00:00:00.000000Z"])


def populate(database: Database, rng: random.Random, count: int) -> None:
    """Cases received over ten weeks, in two plans, three types and two languages, with durations
    spread from minutes to months."""

    def write(tx: Tx) -> None:
        for number in range(count):
            day = FIRST_MONDAY + timedelta(days=rng.randrange(70))
            tx.execute(
                "INSERT INTO submissions (reference, created_at, lang, market, topic, contact_method, preferred_language,"
                " sealed, case_type, received_on, received_week, acknowledge_hours, resolve_hours, next_due_at)"
                " VALUES (?, ?, 'en', ?, 'other', 'phone', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"REF-{number:05d}",
                    f"{day}T12:00:00.000000Z",
                    rng.choice(MARKETS),
                    rng.choice(["en", "es"]),
                    b"sealed",
                    rng.choice(TYPES),
                    day.isoformat(),
                    (day - timedelta(days=day.weekday())).isoformat(),
                    a_duration(rng, 200),
                    a_duration(rng, 2600),
                    a_deadline(rng),
                ),
            )

    database.run_sync_write(write)


def change_some(database: Database, rng: random.Random) -> None:
    """What casework, staff and retention do to cases, as the SQL they run."""

    def write(tx: Tx) -> None:
        ids = [int(row[0]) for row in tx.fetchall("SELECT id FROM submissions")]
        for submission_id in rng.sample(ids, len(ids) // 3):
            change = rng.choice(["acknowledge", "resolve", "reopen", "reclassify", "move", "delete", "same"])
            if change == "acknowledge":
                sql, params = "acknowledge_hours = ?, next_due_at = ?", [a_duration(rng, 200), a_deadline(rng)]
            elif change == "resolve":
                sql, params = "resolve_hours = ?, next_due_at = NULL", [round(rng.uniform(0, 2600), 4)]
            elif change == "reopen":
                sql, params = "resolve_hours = NULL, next_due_at = ?", [a_deadline(rng)]
            elif change == "reclassify":
                sql, params = "case_type = ?", [rng.choice(TYPES)]
            elif change == "move":
                sql, params = "market = ?", [rng.choice(MARKETS)]
            elif change == "same":  # a statement that names counted columns without changing them
                sql, params = "case_type = case_type, resolve_hours = resolve_hours", []
            else:
                tx.execute("DELETE FROM submissions WHERE id = ?", (submission_id,))
                continue
            tx.execute(f"UPDATE submissions SET {sql} WHERE id = ?", (*params, submission_id))

    database.run_sync_write(write)


def nearest_rank(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[-(-percent * len(ordered) // 100) - 1]


def to_the_tenth(hours: float) -> float:
    """To the nearest tenth of an hour, halves up, as the hours are written (47.95 is 48.0)."""
    return float(Decimal(repr(hours)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def counted_by_hand(tx: Tx, period: Period) -> Report:
    """The report as a reviewer would compute it from every case, in Python."""
    columns = "received_on, received_week, market, case_type, preferred_language, acknowledge_hours, resolve_hours, next_due_at"
    cases = [
        dict(zip(columns.split(", "), row, strict=True)) for row in tx.fetchall(f"SELECT {columns} FROM submissions")
    ]
    in_plan = [c for c in cases if not period.market or c["market"] == period.market]
    chosen = [c for c in in_plan if period.start.isoformat() <= c["received_on"] <= period.end.isoformat()]
    received = Counter((c["received_week"], c["case_type"], c["preferred_language"]) for c in chosen)
    overdue = Counter(c["case_type"] for c in in_plan if c["next_due_at"] is not None and c["next_due_at"] < NOW)

    def timings(column: str) -> list[Timing]:
        timed = [c for c in chosen if c[column] is not None]
        groups = sorted({c["case_type"] for c in timed} | ({""} if timed else set()))
        result = []
        for group in groups:
            tenths = [to_the_tenth(c[column]) for c in timed if group in ("", c["case_type"])]
            result.append(Timing(group, len(tenths), *(nearest_rank(tenths, percent) for percent in PERCENTILES)))
        return result

    return Report(
        period, period.weeks(), dict(received), timings("acknowledge_hours"), timings("resolve_hours"), dict(overdue)
    )


def assert_report_matches_the_cases(database: Database) -> None:
    def compare(tx: Tx) -> None:
        for period in PERIODS:
            assert report_in(tx, period, NOW) == counted_by_hand(tx, period), period

    database.run_sync_read(compare)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = open_database(database_url)
    yield opened
    opened.close_sync()


def test_the_report_equals_counting_every_case_after_every_kind_of_change(database: Database) -> None:
    rng = random.Random(20261205)
    populate(database, rng, 600)
    assert_report_matches_the_cases(database)
    for _ in range(3):
        change_some(database, rng)
        assert_report_matches_the_cases(database)


def test_cases_stored_before_the_report_counts_existed_are_counted_when_the_schema_is_migrated(tmp_path: Path) -> None:
    from forms_backend.storage import counted, migrations

    database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    populate(database, random.Random(6), 200)

    def forget_report_counts(tx: Tx) -> None:
        """Back to the inbox counts' step: its triggers, and no report tables."""
        drop_counts_triggers(tx)
        inbox_triggers = next(step for step in counted.INBOX_STATEMENTS if isinstance(step, dict))
        for statement in inbox_triggers[Dialect.SQLITE]:
            tx.execute(statement)
        for table in counted.REPORT_TABLES:
            tx.execute(f"DROP TABLE {table.name}")
        for index in ("acknowledge_buckets", "resolve_buckets"):
            tx.execute(f"DROP INDEX submissions_{index}")
        tx.execute("DELETE FROM schema_version WHERE version = ?", (len(migrations.STEPS),))

    database.run_sync_write(forget_report_counts)
    database.run_sync_write(migrations.migrate)
    assert_report_matches_the_cases(database)
    database.close_sync()


def test_a_week_partly_in_the_period_is_read_whole_less_its_days_outside_when_those_are_fewer() -> None:
    wednesday, tuesday = date(2026, 9, 9), date(2026, 9, 29)
    # the first week has two days outside (taken away), the last five (its two days inside are counted instead)
    assert Period(wednesday, tuesday).cover() == Cover(
        (date(2026, 9, 7), date(2026, 9, 21)),
        added=[(date(2026, 9, 28), tuesday)],
        removed=[(date(2026, 9, 7), date(2026, 9, 8))],
    )
    assert Period(date(2026, 9, 7), date(2026, 9, 13)).cover() == Cover((date(2026, 9, 7), date(2026, 9, 7)), [], [])
    sunday, monday = date(2026, 9, 13), date(2026, 9, 14)
    assert Period(sunday, monday).cover() == Cover(None, [(sunday, sunday), (monday, monday)], [])


class WriteBetweenQueries:
    """A transaction during which another connection's write lands, just after the first kept counts are read."""

    def __init__(self, tx: Tx, write: Callable[[], None]) -> None:
        self.tx, self.write, self.written, self.dialect = tx, write, False, tx.dialect

    def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return self.tx.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        self.tx.executemany(sql, rows)

    def fetchone(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        return self.tx.fetchone(sql, params)

    def fetchall(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        rows = self.tx.fetchall(sql, params)
        if "_buckets WHERE" in sql and not self.written:
            self.written = True
            self.write()
        return rows


def test_the_report_is_read_from_one_moment_while_staff_change_cases(database: Database) -> None:
    """A case resolved while the report is being read changes neither the kept counts it read nor the cases
    it then counts: the figures are those of the moment the report began, never a mix (or an error)."""
    populate(database, random.Random(8), 300)
    period = PERIODS[0]
    before = database.run_sync_read(lambda tx: counted_by_hand(tx, period))

    def resolve_everything_later() -> None:
        database.run_sync_write(
            lambda tx: tx.execute(
                "UPDATE submissions SET acknowledge_hours = acknowledge_hours + 500, resolve_hours = 3000.5"
            )
        )

    read = database.run_sync_read(lambda tx: report_in(WriteBetweenQueries(tx, resolve_everything_later), period, NOW))
    assert read == before
    assert database.run_sync_read(lambda tx: report_in(tx, period, NOW)) != before  # the change did land
