"""The counts the staff inbox shows, kept by the database itself: one table per way of counting, each row
a combination of values and how many submissions have it, changed by triggers in the same transaction
as every insert, update and delete of a submission, whoever makes it (the form, staff, retention, a
restore). staff/counts.py reads them. Both dialects get the same statements, written once here.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_backend.storage.database import Dialect

OPEN = "{row}.next_due_at IS NOT NULL"  # an open case: a deadline still to meet


@dataclass(frozen=True)
class CountsTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, its value for a submission `{row}`)
    only: str = ""  # the submissions it counts (all when empty)

    def key(self) -> str:
        return ", ".join(column for column, _ in self.columns)

    def values(self, row: str) -> str:
        return ", ".join(expression.format(row=row) for _, expression in self.columns)

    def create(self) -> str:
        columns = ", ".join(f"{column} TEXT NOT NULL" for column, _ in self.columns)
        return f"CREATE TABLE {self.name} ({columns}, n BIGINT NOT NULL, PRIMARY KEY ({self.key()}))"

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

    def count_out(self, row: str) -> str:
        matches = " AND ".join(f"{column} = {expression.format(row=row)}" for column, expression in self.columns)
        only = f" AND {self.only.format(row=row)}" if self.only else ""
        return f"UPDATE {self.name} SET n = n - 1 WHERE {matches}{only};"


_DAY = ("day", "substr({row}.created_at, 1, 10)")  # received, in UTC: what the inbox's date filter compares
_ASSIGNEE = ("assignee", "COALESCE({row}.assigned_to, '')")
_FILTERED = (("status", "{row}.status"), ("topic", "{row}.topic"), ("lang", "{row}.lang"), ("market", "{row}.market"))

TABLES = (
    CountsTable("submission_counts", (_DAY, *_FILTERED)),  # how many match a filter, per status
    CountsTable("open_case_totals", (_ASSIGNEE, *_FILTERED), OPEN),  # the queues, without a date filter
    CountsTable("open_case_counts", (_DAY, _ASSIGNEE, *_FILTERED), OPEN),  # the queues, within dates
)
# A change to any of these columns moves a submission from one count to another.
COUNTED_COLUMNS = "created_at, status, topic, lang, market, assigned_to, next_due_at"


def _changes(row: str, sign: str) -> str:
    return " ".join(table.count_in(row) if sign == "+" else table.count_out(row) for table in TABLES)


TRIGGERS: dict[Dialect, list[str]] = {
    Dialect.SQLITE: [
        f"CREATE TRIGGER submissions_counted_insert AFTER INSERT ON submissions BEGIN {_changes('NEW', '+')} END",
        f"CREATE TRIGGER submissions_counted_delete AFTER DELETE ON submissions BEGIN {_changes('OLD', '-')} END",
        f"CREATE TRIGGER submissions_counted_update AFTER UPDATE OF {COUNTED_COLUMNS} ON submissions"
        f" BEGIN {_changes('OLD', '-')} {_changes('NEW', '+')} END",
    ],
    Dialect.POSTGRES: [
        f"""CREATE FUNCTION submissions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN {_changes("OLD", "-")} END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_changes("NEW", "+")} END IF;
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

STATEMENTS: list[str | dict[Dialect, list[str]]] = [
    *(table.create() for table in TABLES),
    *(table.fill() for table in TABLES),
    TRIGGERS,
    *QUEUE_INDEXES,
]
