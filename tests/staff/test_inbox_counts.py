"""The inbox's numbers come from counts the database keeps up to date (triggers), not from counting every
row: after inserts, assignments, status changes, new deadlines, reclassifying and deletions, every count
the inbox can show equals what counting the rows gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forms_backend.staff import counts
from forms_backend.staff.filters import QUEUES, STATUSES, Filters, Viewer
from forms_backend.storage import Database, Tx, open_database
from forms_backend.storage.records import stamp
from tests.backend import drop_counts_triggers

NOW = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
TOPICS = ("claims", "benefits", "prior_authorization")
PEOPLE = ("ana", "ben", None)


def scanned(tx: Tx, filters: Filters, viewer: Viewer) -> int:
    where, params = filters.where(viewer=viewer)
    row = tx.fetchone(f"SELECT COUNT(*) FROM submissions{where}", params)
    return int(row[0]) if row else 0


def populate(database: Database, rng: random.Random, count: int) -> None:
    """Submissions received over ten days around NOW, deadlines spread over the days around it (some within
    minutes of it), some resolved (no deadline)."""

    def write(tx: Tx) -> None:
        for i in range(count):
            created = NOW - timedelta(days=rng.uniform(0, 10))
            due = NOW + timedelta(hours=rng.choice([rng.uniform(-100, 100), rng.uniform(-2, 2)]))
            tx.execute(
                "INSERT INTO submissions (reference, created_at, lang, market, topic, contact_method,"
                " preferred_language, status, assigned_to, sealed, next_due_at) VALUES (?, ?, ?, ?, ?, 'phone', 'en', ?, ?, ?, ?)",
                (
                    f"REF-{i:05d}",
                    stamp(created),
                    rng.choice(["en", "es"]),
                    rng.choice(["", "ga"]),
                    rng.choice(TOPICS),
                    rng.choice(STATUSES),
                    rng.choice(PEOPLE),
                    b"sealed",
                    None if rng.random() < 0.2 else stamp(due),
                ),
            )

    database.run_sync_write(write)


def change_some(database: Database, rng: random.Random) -> None:
    """What staff, casework and retention do to rows, as the SQL they run."""

    def write(tx: Tx) -> None:
        ids = [int(row[0]) for row in tx.fetchall("SELECT id FROM submissions")]
        for submission_id in rng.sample(ids, len(ids) // 3):
            change = rng.choice(["assign", "unassign", "status", "resolve", "reopen", "topic", "delete", "same"])
            if change == "assign":
                tx.execute("UPDATE submissions SET assigned_to = ? WHERE id = ?", (rng.choice(PEOPLE), submission_id))
            elif change == "unassign":
                tx.execute("UPDATE submissions SET assigned_to = NULL WHERE id = ?", (submission_id,))
            elif change == "status":
                tx.execute("UPDATE submissions SET status = ? WHERE id = ?", (rng.choice(STATUSES), submission_id))
            elif change == "resolve":
                tx.execute(
                    "UPDATE submissions SET status = 'closed', next_due_at = NULL WHERE id = ?", (submission_id,)
                )
            elif change == "reopen":
                due = stamp(NOW + timedelta(hours=rng.uniform(-30, 30)))
                tx.execute(
                    "UPDATE submissions SET status = 'in_progress', next_due_at = ? WHERE id = ?", (due, submission_id)
                )
            elif change == "topic":
                tx.execute("UPDATE submissions SET topic = ? WHERE id = ?", (rng.choice(TOPICS), submission_id))
            elif change == "delete":
                tx.execute("DELETE FROM submissions WHERE id = ?", (submission_id,))
            else:  # a statement that names a counted column without changing it
                tx.execute(
                    "UPDATE submissions SET status = status, assigned_to = assigned_to WHERE id = ?", (submission_id,)
                )

    database.run_sync_write(write)


def filter_combinations() -> list[Filters]:
    day = (NOW - timedelta(days=3)).date().isoformat()
    return [
        Filters(),
        Filters(status="new"),
        Filters(topic="claims", lang="es"),
        Filters(status="in_progress", topic="benefits", lang="en", market="ga"),
        Filters(date_from=day),
        Filters(date_to=day),
        Filters(date_from=day, date_to=(NOW - timedelta(days=1)).date().isoformat(), lang="es"),
        Filters(market="ga", date_to=NOW.date().isoformat()),
        Filters(status="in_progress", lang="es"),
    ]


def viewers() -> list[Viewer]:
    """Moments at the start, middle and end of a day, and due-soon windows within a day and across days."""
    moments = [NOW, NOW.replace(hour=0, minute=0, second=1), NOW.replace(hour=23, minute=59), NOW + timedelta(days=1)]
    return [
        Viewer("ana", stamp(moment), stamp(moment + timedelta(hours=hours))) for moment in moments for hours in (3, 48)
    ]


@pytest.fixture
def database(database_url: str, tmp_path: Path) -> Database:
    opened = open_database(database_url)
    yield opened
    opened.close_sync()


def assert_counts_match_the_rows(database: Database) -> None:
    def compare(tx: Tx) -> None:
        for filters in filter_combinations():
            assert counts.matching(tx, filters) == scanned(tx, filters, viewers()[0]), filters
            expected = {s: scanned(tx, replace(filters, status=s), viewers()[0]) for s in STATUSES}
            assert counts.per_status(tx, filters) == {s: n for s, n in expected.items() if n}, filters
            for viewer in viewers():
                expected = {queue: scanned(tx, replace(filters, queue=queue), viewer) for queue in QUEUES}
                assert counts.per_queue(tx, filters, viewer) == expected, (filters, viewer)

    database.run_sync_read(compare)


def test_inbox_counts_equal_counting_the_rows_after_every_kind_of_change(database: Database) -> None:
    rng = random.Random(20261204)
    populate(database, rng, 400)
    assert_counts_match_the_rows(database)
    for _ in range(3):
        change_some(database, rng)
        assert_counts_match_the_rows(database)


def test_counts_of_rows_stored_before_the_counts_existed_are_taken_when_the_schema_is_migrated(tmp_path: Path) -> None:
    """A database from before the counts tables: the migration counts what it holds."""
    from forms_backend.storage import counted, migrations

    database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    populate(database, random.Random(5), 50)

    def forget_counts(tx: Tx) -> None:
        drop_counts_triggers(tx)
        for table in counted.TABLES:
            tx.execute(f"DROP TABLE {table.name}")
        for index in ("open_due", "open_assigned", "acknowledge_buckets", "resolve_buckets"):
            tx.execute(f"DROP INDEX submissions_{index}")
        tx.execute("DELETE FROM schema_version WHERE version >= ?", (len(migrations.STEPS) - 1,))

    database.run_sync_write(forget_counts)
    database.run_sync_write(migrations.migrate)
    assert_counts_match_the_rows(database)
    database.close_sync()
