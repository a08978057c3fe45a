"""The supervisors' weekly report: inquiries received per week by case type and language, how fast
they were acknowledged and resolved (median and 90th percentile), and how many are overdue now.

Every figure comes from the counts the database keeps up to date (storage/counted.py), so a quarter of a
million cases is read as a few thousand counts. Percentiles are nearest-rank (the value at rank
ceil(p × n) of the sorted durations, to the nearest tenth of an hour, halves up): the rank's duration bucket is
found in the kept counts, and its exact tenth by counting that bucket's cases in the period alone.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from forms_backend.storage.counted import MEASURES, bucket_table, duration_bucket, duration_tenths
from forms_backend.storage.database import Database, Dialect, Tx

PERCENTILES = (50, 90)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    market: str = ""  # "" for every market

    def market_clause(self) -> tuple[str, list[object]]:
        return (" AND market = ?", [self.market]) if self.market else ("", [])

    def cover(self) -> Cover:
        """How to count the period's cases from the kept weekly counts. A week partly in the period is read
        whole with its days outside it taken away when those are the fewer, else its days inside are
        counted one by one."""
        first = self.start - timedelta(days=self.start.weekday())
        last = self.end - timedelta(days=self.end.weekday())
        read_from, read_to = first, last
        added: list[tuple[date, date]] = []
        removed: list[tuple[date, date]] = []
        for monday in sorted({first, last}):
            sunday = monday + timedelta(days=6)
            outside = [(monday, self.start - timedelta(days=1))] if self.start > monday else []
            outside += [(self.end + timedelta(days=1), sunday)] if self.end < sunday else []
            if sum((to - since).days + 1 for since, to in outside) <= 3:
                removed += outside
            else:
                added.append((max(self.start, monday), min(self.end, sunday)))
                if monday == first:
                    read_from += timedelta(weeks=1)
                if monday == last:
                    read_to -= timedelta(weeks=1)
        return Cover((read_from, read_to) if read_from <= read_to else None, added, removed)

    def weeks(self) -> list[str]:
        """The Monday of each week the period touches, oldest first."""
        first = self.start - timedelta(days=self.start.weekday())
        return [(first + timedelta(weeks=n)).isoformat() for n in range((self.end - first).days // 7 + 1)]

    @classmethod
    def last_quarter(cls, today: date, market: str = "") -> Period:
        """The 13 whole weeks up to and including this one."""
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=12), monday + timedelta(days=6), market)


@dataclass(frozen=True)
class Cover:
    """A period as the kept weekly counts see it: the weeks read whole (first and last Monday), and the days
    counted one by one, added (in the period, outside those weeks) or taken away (the other way round)."""

    weeks: tuple[date, date] | None
    added: list[tuple[date, date]]
    removed: list[tuple[date, date]]


@dataclass(frozen=True)
class Timing:
    case_type: str  # "" for all types together
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class Report:
    period: Period
    weeks: list[str]  # each week's Monday, oldest first
    received: dict[tuple[str, str, str], int]  # (week, case type, language) -> count
    acknowledge: list[Timing]
    resolve: list[Timing]
    overdue: dict[str, int]  # case type -> open cases past their next deadline now

    def received_in(self, week: str = "", case_type: str = "", language: str = "") -> int:
        return sum(
            n
            for (w, t, lang), n in self.received.items()
            if (not week or w == week) and (not case_type or t == case_type) and (not language or lang == language)
        )

    @property
    def languages(self) -> list[str]:
        return sorted({lang for _, _, lang in self.received})


async def build_report(database: Database, period: Period, now: str) -> Report:
    return await database.read(lambda tx: report_in(tx, period, now))


def report_in(tx: Tx, period: Period, now: str) -> Report:
    """The report, read as the first thing in its transaction (on PostgreSQL it asks for one snapshot)."""
    if tx.dialect is Dialect.POSTGRES:  # one snapshot for every query, so the kept counts and the cases agree
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    acknowledge, resolve = (_timings(tx, column, period) for column in MEASURES)
    return Report(period, period.weeks(), _received(tx, period), acknowledge, resolve, _overdue(tx, period, now))


def _received(tx: Tx, period: Period) -> dict[tuple[str, str, str], int]:
    market, params = period.market_clause()
    rows = tx.fetchall(
        f"SELECT week, case_type, language, SUM(n) FROM received_counts WHERE day >= ? AND day <= ?{market}"
        " GROUP BY week, case_type, language HAVING SUM(n) > 0",
        [period.start.isoformat(), period.end.isoformat(), *params],
    )
    return {(str(week), str(case_type), str(language)): int(count) for week, case_type, language, count in rows}


def _overdue(tx: Tx, period: Period, now: str) -> dict[str, int]:
    """Open cases past their next deadline, per type: the open cases less those due from now on (read
    along the open cases' deadline index)."""
    market, params = period.market_clause()
    overdue: Counter[str] = Counter()
    for case_type, count in tx.fetchall(
        f"SELECT case_type, SUM(n) FROM open_case_types WHERE TRUE{market} GROUP BY case_type", params
    ):
        overdue[str(case_type)] += int(count)
    for case_type, count in tx.fetchall(
        f"SELECT case_type, COUNT(*) FROM submissions WHERE next_due_at >= ?{market} GROUP BY case_type", [now, *params]
    ):
        overdue[str(case_type)] -= int(count)
    return {case_type: count for case_type, count in sorted(overdue.items()) if count > 0}


def _timings(tx: Tx, column: str, period: Period) -> list[Timing]:
    """Count, median and 90th percentile of `column` per case type, and for all types ("")."""
    buckets = _bucket_counts(tx, column, period)
    groups = sorted({case_type for case_type, _ in buckets} | ({""} if buckets else set()))
    ranks = {(group, percent): _bucket_of_rank(buckets, group, percent) for group in groups for percent in PERCENTILES}
    tenths = _tenths_in(tx, column, period, {bucket for bucket, _ in ranks.values()})
    timings = []
    for group in groups:
        picks = [_tenth_at(tenths, group, *ranks[group, percent]) / 10 for percent in PERCENTILES]
        count = sum(n for (case_type, _), n in buckets.items() if group in ("", case_type))
        timings.append(Timing(group, count, *picks))
    return timings


def _bucket_counts(tx: Tx, column: str, period: Period) -> Counter[tuple[str, int]]:
    """How many cases of the period took a duration in each bucket, per case type: the kept counts of the
    weeks it covers, give or take the cases of a few days counted one by one."""
    market, params = period.market_clause()
    cover = period.cover()
    counts: Counter[tuple[str, int]] = Counter()
    if cover.weeks:
        rows = tx.fetchall(
            f"SELECT case_type, bucket, SUM(n) FROM {bucket_table(column)} WHERE week >= ? AND week <= ?{market}"
            " GROUP BY case_type, bucket",
            [cover.weeks[0].isoformat(), cover.weeks[1].isoformat(), *params],
        )
        counts.update({(str(case_type), int(bucket)): int(n) for case_type, bucket, n in rows})
    bucket = duration_bucket(column)
    for days, sign in ((cover.added, 1), (cover.removed, -1)):
        for first, last in days:
            rows = tx.fetchall(
                f"SELECT case_type, {bucket}, COUNT(*) FROM submissions WHERE received_on >= ? AND received_on <= ?"
                f" AND {column} IS NOT NULL{market} GROUP BY case_type, {bucket}",
                [first.isoformat(), last.isoformat(), *params],
            )
            for case_type, in_bucket, n in rows:
                counts[str(case_type), int(in_bucket)] += sign * int(n)
    return +counts  # without the buckets whose cases have all moved on


def _bucket_of_rank(buckets: Counter[tuple[str, int]], group: str, percent: int) -> tuple[int, int]:
    """The bucket holding the nearest-rank percentile of `group`, and the percentile's rank within it."""
    in_group = Counter[int]()
    for (case_type, bucket), n in buckets.items():
        if group in ("", case_type):
            in_group[bucket] += n
    return _at_rank(in_group, -(-percent * sum(in_group.values()) // 100))


def _tenths_in(tx: Tx, column: str, period: Period, buckets: set[int]) -> Counter[tuple[int, str, int]]:
    """How many cases of the period took each tenth of an hour, per bucket and case type, in `buckets` alone."""
    if not buckets:
        return Counter()
    market, params = period.market_clause()
    bucket, tenth = duration_bucket(column), duration_tenths(column)
    listed = ", ".join(str(b) for b in sorted(buckets))  # our own integers
    rows = tx.fetchall(
        f"SELECT {bucket}, case_type, {tenth}, COUNT(*) FROM submissions"
        f" WHERE {bucket} IN ({listed}) AND received_on >= ? AND received_on <= ? AND {column} IS NOT NULL{market}"
        f" GROUP BY {bucket}, case_type, {tenth}",
        [period.start.isoformat(), period.end.isoformat(), *params],
    )
    return Counter({(int(b), str(case_type), int(tenth)): int(n) for b, case_type, tenth, n in rows})


def _tenth_at(tenths: Counter[tuple[int, str, int]], group: str, bucket: int, rank: int) -> int:
    """The duration, in tenths of an hour, at `rank` among `group`'s cases in `bucket`."""
    in_bucket = Counter[int]()
    for (b, case_type, tenth), n in tenths.items():
        if b == bucket and group in ("", case_type):
            in_bucket[tenth] += n
    return _at_rank(in_bucket, rank)[0]


def _at_rank(counts: Counter[int], rank: int) -> tuple[int, int]:
    """The value at `rank` (from 1) in the sorted values `counts` counts, and its rank among its equals."""
    for value in sorted(counts):
        if rank <= counts[value]:
            return value, rank
        rank -= counts[value]
    raise AssertionError("a rank beyond the count")  # the counts come from one snapshot: they add up


def report_csv(report: Report, labels: dict[str, str]) -> str:
    """The report's numbers, one table: what, week, case type, language, value."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["measure", "week", "case type", "language", "value"])
    for (week, case_type, language), count in sorted(report.received.items()):
        writer.writerow(["received", week, labels.get(case_type, case_type), language, count])
    for measure, timings in (("acknowledge", report.acknowledge), ("resolve", report.resolve)):
        for timing in timings:
            name = labels.get(timing.case_type, timing.case_type) or "all types"
            writer.writerow([f"{measure}: cases", "", name, "", timing.count])
            writer.writerow([f"{measure}: median hours", "", name, "", _hours(timing.median_hours)])
            writer.writerow([f"{measure}: 90th percentile hours", "", name, "", _hours(timing.p90_hours)])
    for case_type, count in sorted(report.overdue.items()):
        writer.writerow(["overdue now", "", labels.get(case_type, case_type), "", count])
    return out.getvalue()


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
