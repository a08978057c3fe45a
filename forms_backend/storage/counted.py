"""The counts the staff inbox and the supervisors' report show, kept by the database itself: one table per
way of counting, each row a combination of values and how many submissions have it, changed by triggers
in the same transaction as every insert, update and delete of a submission, whoever makes it (the form,
staff, retention, a restore). staff/counts.py and staff/casework/reports.py read them. Both dialects get
the same statements, written once here.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_backend.storage.database import Dialect

OPEN = "{row}.next_due_at IS NOT NULL"  # an open case: a deadline still to meet


@dataclass(frozen=True)
class Counted:
    """A column of a counts table and its value for a submission `{row}`."""

    name: str
    value: str
    sql_type: str = "TEXT"


@dataclass(frozen=True)
class CountsTable:
    name: str
    columns: tuple[Counted, ...]
    only: str = ""  # the submissions it counts (all when empty)
    clustered: bool = False  # on SQLite, rows stored in key order: a range of the key is read without lookups

    def key(self) -> str:
        return ", ".join(column.name for column in self.columns)

    def values(self, row: str) -> str:
        return ", ".join(column.value.format(row=row) for column in self.columns)

    def create(self) -> str | dict[Dialect, list[str]]:
        columns = ", ".join(f"{column.name} {column.sql_type} NOT NULL" for column in self.columns)
        create = f"CREATE TABLE {self.name} ({columns}, n BIGINT NOT NULL, PRIMARY KEY ({self.key()}))"
        return {Dialect.SQLITE: [f"{create} WITHOUT ROWID"], Dialect.POSTGRES: [create]} if self.clustered else create

    def fill(self) -> str:
        """Count what the submissions table holds already (when the table is made)."""
        where = f" WHERE {self.only.format(row='submissions')}" if self.only else ""
        values = self.values("submissions")
        return f"INSERT INTO {self.name} ({self.key()}, n) SELECT {values}, COUNT(*) FROM submissions{where} GROUP BY {values}"

    def count_in(self, row: str) -> str:
        where = (
            f" WHERE {self.only.format(row=row)}" if self.only else " WHERE TRUE"
        )  # WHERE: SQLite's upsert after SELECT
        return (
            f"INSERT INTO {self.name} ({self.key()}, n) SELECT {self.values(row)}, 1{where}"
            f" ON CONFLICT ({self.key()}) DO UPDATE SET n = {self.name}.n + 1;"
        )

    def changed(self, differs: str) -> str:
        """Whether an update moves a row `OLD` → `NEW` from one count of this table to another (`differs`:
        the dialect's null-safe inequality)."""
        values = [column.value for column in self.columns] + ([self.only] if self.only else [])
        # in parentheses: PL/pgSQL ends an IF's condition at the first THEN outside them, a CASE's included
        return " OR ".join(f"(({value.format(row='OLD')}) {differs} ({value.format(row='NEW')}))" for value in values)

    def count_out(self, row: str) -> str:
        matches = " AND ".join(f"{column.name} = {column.value.format(row=row)}" for column in self.columns)
        only = f" AND {self.only.format(row=row)}" if self.only else ""
        return f"UPDATE {self.name} SET n = n - 1 WHERE {matches}{only};"


def duration_tenths(hours: str) -> str:
    """A duration in hours, to the nearest tenth (halves up), as an integer count of tenths. As NUMERIC, so
    that PostgreSQL rounds 47.95 as SQLite does (its floating-point round() takes halves to even)."""
    return f"CAST(ROUND(CAST({hours} AS NUMERIC) * 10) AS INTEGER)"


def duration_bucket(hours: str) -> str:
    """The bucket a duration in hours falls in: twelve minutes wide up to two days, an hour wide up to ten
    days, twelve hours wide beyond. Buckets never fall as durations rise, and neither do tenths of an hour,
    so the case at a percentile's rank is in the bucket the kept counts point to, and its tenth is found
    among that bucket's cases alone (about a two-hundredth of the period's). The same text is used in
    triggers, indexes and queries, so that both databases find the index by it. (A whole-number cast
    truncates on SQLite and rounds on PostgreSQL: either way buckets keep their order.)"""
    return (
        f"CASE WHEN {hours} < 48 THEN CAST({hours} * 5 AS INTEGER)"
        f" WHEN {hours} < 240 THEN 240 + CAST({hours} - 48 AS INTEGER)"
        f" ELSE 432 + CAST(({hours} - 240) / 12 AS INTEGER) END"
    )


MEASURES = ("acknowledge_hours", "resolve_hours")  # how long cases took, as the report reads them


def bucket_table(measure: str) -> str:
    """The counts table of a measure's durations per week, plan, case type and bucket."""
    return measure.removesuffix("_hours") + "_buckets"


_DAY = Counted("day", "substr({row}.created_at, 1, 10)")  # received, in UTC: what the inbox's date filter compares
_ASSIGNEE = Counted("assignee", "COALESCE({row}.assigned_to, '')")
_MARKET = Counted("market", "{row}.market")
_FILTERED = (Counted("status", "{row}.status"), Counted("topic", "{row}.topic"), Counted("lang", "{row}.lang"), _MARKET)
_CASE_TYPE = Counted("case_type", "{row}.case_type")
_WEEK = Counted("week", "{row}.received_week")  # the plan's local week, as the report groups by


INBOX_TABLES = (
    CountsTable("submission_counts", (_DAY, *_FILTERED)),  # how many match a filter, per status
    CountsTable("open_case_totals", (_ASSIGNEE, *_FILTERED), OPEN),  # the queues, without a date filter
    CountsTable("open_case_counts", (_DAY, _ASSIGNEE, *_FILTERED), OPEN),  # the queues, within dates
)
REPORT_TABLES = (
    # received per local day (the report's dates), with its week, case type and preferred language
    CountsTable(
        "received_counts",
        (
            Counted("day", "{row}.received_on"),
            _WEEK,
            _MARKET,
            _CASE_TYPE,
            Counted("language", "{row}.preferred_language"),
        ),
        clustered=True,
    ),
    # open cases per type: the overdue are these less those not yet due
    CountsTable("open_case_types", (_MARKET, _CASE_TYPE), OPEN, clustered=True),
    *(
        CountsTable(
            bucket_table(measure),
            (_WEEK, _MARKET, _CASE_TYPE, Counted("bucket", duration_bucket(f"{{row}}.{measure}"), "INTEGER")),
            f"{{row}}.{measure} IS NOT NULL",
            clustered=True,
        )
        for measure in MEASURES
    ),
)
TABLES = INBOX_TABLES + REPORT_TABLES

# A change to any of these columns moves a submission from one count to another.
INBOX_COLUMNS = "created_at, status, topic, lang, market, assigned_to, next_due_at"
COUNTED_COLUMNS = f"{INBOX_COLUMNS}, case_type, received_on, received_week, preferred_language, {', '.join(MEASURES)}"


def _changes(tables: tuple[CountsTable, ...], row: str, sign: str) -> str:
    return " ".join(table.count_in(row) if sign == "+" else table.count_out(row) for table in tables)


def _inbox_triggers() -> dict[Dialect, list[str]]:
    """The triggers as the inbox counts' step made them (a released step never changes): every update of a
    counted column moves the row out of and back into every table."""
    tables = INBOX_TABLES
    return {
        Dialect.SQLITE: [
            f"CREATE TRIGGER submissions_counted_insert AFTER INSERT ON submissions BEGIN {_changes(tables, 'NEW', '+')} END",
            f"CREATE TRIGGER submissions_counted_delete AFTER DELETE ON submissions BEGIN {_changes(tables, 'OLD', '-')} END",
            f"CREATE TRIGGER submissions_counted_update AFTER UPDATE OF {INBOX_COLUMNS} ON submissions"
            f" BEGIN {_changes(tables, 'OLD', '-')} {_changes(tables, 'NEW', '+')} END",
        ],
        Dialect.POSTGRES: [
            f"""CREATE FUNCTION submissions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN {_changes(tables, "OLD", "-")} END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_changes(tables, "NEW", "+")} END IF;
            RETURN NULL;
        END $$""",
            f"CREATE TRIGGER submissions_counted AFTER INSERT OR DELETE OR UPDATE OF {INBOX_COLUMNS} ON submissions"
            " FOR EACH ROW EXECUTE FUNCTION submissions_counted()",
        ],
    }


def _triggers() -> dict[Dialect, list[str]]:
    """The triggers that keep every counts table, replacing the inbox's: an update moves a row between the
    counts of only those tables where it changes (a status change touches the inbox's tables, an
    acknowledgement the report's, and neither all seven)."""
    sqlite_updates = [
        f"CREATE TRIGGER {table.name}_moved AFTER UPDATE OF {COUNTED_COLUMNS} ON submissions"
        f" WHEN {table.changed('IS NOT')} BEGIN {table.count_out('OLD')} {table.count_in('NEW')} END"
        for table in TABLES
    ]
    postgres_updates = " ".join(
        f"IF {table.changed('IS DISTINCT FROM')} THEN {table.count_out('OLD')} {table.count_in('NEW')} END IF;"
        for table in TABLES
    )
    return {
        Dialect.SQLITE: [
            *(f"DROP TRIGGER submissions_counted_{change}" for change in ("insert", "delete", "update")),
            f"CREATE TRIGGER submissions_counted_insert AFTER INSERT ON submissions BEGIN {_changes(TABLES, 'NEW', '+')} END",
            f"CREATE TRIGGER submissions_counted_delete AFTER DELETE ON submissions BEGIN {_changes(TABLES, 'OLD', '-')} END",
            *sqlite_updates,
        ],
        Dialect.POSTGRES: [
            "DROP TRIGGER submissions_counted ON submissions",
            f"""CREATE OR REPLACE FUNCTION submissions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN {_changes(TABLES, "OLD", "-")} RETURN NULL; END IF;
            IF TG_OP = 'INSERT' THEN {_changes(TABLES, "NEW", "+")} RETURN NULL; END IF;
            {postgres_updates}
            RETURN NULL;
        END $$""",
            f"CREATE TRIGGER submissions_counted AFTER INSERT OR DELETE OR UPDATE OF {COUNTED_COLUMNS} ON submissions"
            " FOR EACH ROW EXECUTE FUNCTION submissions_counted()",
        ],
    }


# The queues' rows are read, and the deadline queues counted, along these indexes of open cases only; they
# hold every column the inbox filters on (and the case type, for the report's overdue count), so a filter
# is checked in the index without reading the row. They replace the two deadline indexes of step 6, which
# also held every resolved case and none of the filtered columns.
QUEUE_INDEXES = [
    "DROP INDEX IF EXISTS submissions_next_due",
    "DROP INDEX IF EXISTS submissions_assigned_due",
    "CREATE INDEX submissions_open_due ON submissions"
    " (next_due_at, status, topic, lang, market, assigned_to, created_at, case_type) WHERE next_due_at IS NOT NULL",
    "CREATE INDEX submissions_open_assigned ON submissions"
    " (assigned_to, next_due_at, status, topic, lang, market, created_at) WHERE next_due_at IS NOT NULL",
]

# A percentile's exact tenth is counted among the cases of its bucket in the period, read along these.
BUCKET_INDEXES = [
    f"CREATE INDEX submissions_{bucket_table(measure)} ON submissions"
    f" (({duration_bucket(measure)}), received_on, market, case_type, {measure}) WHERE {measure} IS NOT NULL"
    for measure in MEASURES
]

INBOX_STATEMENTS: list[str | dict[Dialect, list[str]]] = [
    *(table.create() for table in INBOX_TABLES),
    *(table.fill() for table in INBOX_TABLES),
    _inbox_triggers(),
    *QUEUE_INDEXES,
]
REPORT_STATEMENTS: list[str | dict[Dialect, list[str]]] = [
    *(table.create() for table in REPORT_TABLES),
    *(table.fill() for table in REPORT_TABLES),
    _triggers(),
    *BUCKET_INDEXES,
]
