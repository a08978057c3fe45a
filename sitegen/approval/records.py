"""The approval records: which text of each page its state approved, kept as TOML beside the content.

`content/approvals.toml` holds one `[[material]]` per page (per market, where a market's text differs):
the material ID, who approved it and when, and the SHA-256 of the text as published, which is all a
build compares. The approved text itself, with the text each placeholder had (so that a config change
can be traced to its line), is a file of its own under `content/approved/`, read only to explain a change
or draw a redline. Both are written by `build.py approvals --approve`, sorted, so that a new approval is
a small diff an editor can read.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from sitegen.atomic_files import write_atomically
from sitegen.config.toml_lines import TomlLines
from sitegen.errors import ConfigError, SourceError

HEADER = """\
# Approved member material: which text of each page its state approved (see docs/EDITING.md, "Approved text").
# Written by `python3 build.py approvals --approve`. `sha256` is the hash of the text members read, which
# the build compares; the text itself is in approved/, one file per page (and market).
"""
FIX = "record the approval again with `python3 build.py approvals --approve PATH --id ID --by NAME`"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Approval:
    page: str  # the content file, e.g. content/en/utilization-management.md
    market: str  # "" : every market (or a site without markets)
    material_id: str
    approved_by: str
    approved_on: date
    sha256: str  # of the text as published when it was approved
    line: int = field(default=0, compare=False)  # where its [[material]] stands in the records file

    def row(self) -> list[object]:
        """As the build cache keeps it (JSON)."""
        return [
            self.page,
            self.market,
            self.material_id,
            self.approved_by,
            self.approved_on.isoformat(),
            self.sha256,
            self.line,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> Approval:
        page, market, material_id, by, on, sha256, line = row
        return cls(str(page), str(market), str(material_id), str(by), date.fromisoformat(on), str(sha256), int(line))


@dataclass(frozen=True)
class ApprovedText:
    """What a page read when it was approved: its text, and each placeholder as written with its text then."""

    text: str
    values: dict[str, str]


def approval_key(approval: Approval | None) -> str:
    """What a page's output depends on from its approval: the ID its footer shows and the approved text's hash."""
    return f"{approval.material_id}\0{approval.sha256}" if approval else ""


@dataclass(frozen=True)
class Approvals:
    path: str  # the records file, relative to the project, as shown in messages
    records: tuple[Approval, ...] = ()

    def of(self, page: str, market: str | None) -> Approval | None:
        """The approval that applies to a page in a market: the market's own, or the one for every market."""
        return self.for_market(market).get(page)

    def for_market(self, market: str | None) -> dict[str, Approval]:
        """Every page's approval in one market (its own records over those for every market)."""
        chosen: dict[str, Approval] = {}
        for record in sorted(self.records, key=lambda r: bool(r.market)):
            if not record.market or record.market == (market or ""):
                chosen[record.page] = record
        return chosen

    def with_approval(self, approval: Approval) -> Approvals:
        """These records with `approval` in place of the page's record for the same market."""
        kept = [r for r in self.records if (r.page, r.market) != (approval.page, approval.market)]
        return Approvals(self.path, tuple(sorted([*kept, approval], key=lambda r: (r.page, r.market))))

    def text_path(self, approval: Approval) -> str:
        """Where an approval's text is kept: approved/[MARKET/]LANG/NAME.toml beside the records file."""
        page = PurePosixPath(approval.page)
        inside = page.relative_to("content") if page.parts[:1] == ("content",) else page
        folder = PurePosixPath(self.path).parent / "approved"
        return str(
            folder / approval.market / inside.with_suffix(".toml")
            if approval.market
            else folder / inside.with_suffix(".toml")
        )


def read_approvals(path: Path, shown: str) -> tuple[Approvals, list[SourceError]]:
    """The records in `path` (none if it does not exist yet), and the problems with them, each at its line."""
    if not path.is_file():
        return Approvals(shown), []
    text = path.read_text(encoding="utf-8")
    entries = simple_records(text)
    if entries is None:  # not as `write_approvals` writes it (a hand edit): tomllib reads and judges it
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return Approvals(shown), [
                ConfigError(shown, TomlLines.line_of_decode_error(exc), f"not valid TOML: {exc}", "undo the hand edit")
            ]
        starts = [n for n, line in enumerate(text.splitlines(), 1) if MATERIAL.match(line)]
        material = data.get("material", [])
        entries = [(starts[i] if i < len(starts) else 1, entry) for i, entry in enumerate(material)]
    records: list[Approval] = []
    errors: list[SourceError] = []
    for line, entry in entries:
        record, problem = _record(entry, line)
        if problem:
            errors.append(ConfigError(shown, line, problem, FIX))
        elif record:
            records.append(record)
    seen: set[tuple[str, str]] = set()
    for record in records:
        if (record.page, record.market) in seen:
            errors.append(ConfigError(shown, record.line, f"{record.page} is approved twice for the same market", FIX))
        seen.add((record.page, record.market))
    return Approvals(shown, tuple(records)), errors


MATERIAL = re.compile(r"\s*\[\[\s*material\s*\]\]")
KEY = re.compile(r"[a-z][a-z0-9_]*")
DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def simple_records(text: str) -> list[tuple[int, dict[str, Any]]] | None:
    """The records as `write_approvals` writes them (`[[material]]` tables of plain strings and a date),
    read line by line: tomllib takes a third of a second over 10,000 of them, and a cold build waits for it.
    None for anything else (escapes, other tables, a key twice), which tomllib then reads and judges; for
    the files it accepts, the result is exactly tomllib's."""
    entries: list[tuple[int, dict[str, Any]]] = []
    current: dict[str, Any] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line[0] == "#":
            continue
        if line == "[[material]]":
            current = {}
            entries.append((number, current))
            continue
        key, equals, value = line.partition(" = ")
        if not equals or not entries or key in current or not KEY.fullmatch(key):
            return None
        if len(value) >= 2 and value[0] == value[-1] == '"' and value.isprintable():
            inner = value[1:-1]
            if '"' in inner or "\\" in inner:
                return None
            current[key] = inner
        elif key == "approved_on" and DATE.fullmatch(value):
            try:
                current[key] = date.fromisoformat(value)
            except ValueError:  # e.g. February 30th: tomllib's message says so
                return None
        else:
            return None
    return entries


def _record(entry: Any, line: int) -> tuple[Approval | None, str]:
    if not isinstance(entry, dict):
        return None, "each [[material]] must be a table"
    strings = ("page", "id", "approved_by", "sha256")
    missing = [key for key in strings if not isinstance(entry.get(key), str) or not entry.get(key)]
    if missing:
        return None, f"this approval has no {', '.join(missing)}"
    if not isinstance(entry.get("approved_on"), date):
        return None, "approved_on must be a date, e.g. approved_on = 2026-12-05"
    if not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
        return None, "sha256 must be 64 hexadecimal digits"
    market = entry.get("market", "")
    return Approval(
        entry["page"], str(market), entry["id"], entry["approved_by"], entry["approved_on"], entry["sha256"], line
    ), ""


def read_approved_text(
    root: Path, approvals: Approvals, approval: Approval
) -> tuple[ApprovedText | None, SourceError | None]:
    """The text an approval was given for, checked against its hash (a hand edit would misstate it)."""
    shown = approvals.text_path(approval)
    try:
        data = tomllib.loads((root / shown).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, ConfigError(shown, 0, f"the approved text of {approval.material_id} cannot be read ({exc})", FIX)
    text, values = data.get("text"), data.get("values", {})
    if (
        not isinstance(text, str)
        or not isinstance(values, dict)
        or any(not isinstance(v, str) for v in values.values())
    ):
        return None, ConfigError(shown, 1, f"the approved text of {approval.material_id} is not in its form", FIX)
    if text_digest(text) != approval.sha256:
        return None, ConfigError(
            shown,
            1,
            f"the approved text of {approval.material_id} does not match its sha256 (was it edited by hand?)",
            FIX,
        )
    return ApprovedText(text, dict(values)), None


def write_approvals(root: Path, approvals: Approvals, texts: dict[tuple[str, str], ApprovedText]) -> None:
    """Write the records, sorted by page and market, and the approved text of each one in `texts`, each file
    replaced in one step (the texts first: a records file never names a text not yet written)."""
    for record in approvals.records:
        approved = texts.get((record.page, record.market))
        if approved is not None:
            write_atomically(root / approvals.text_path(record), _text_file(record, approved).encode())
    parts = [HEADER]
    for record in sorted(approvals.records, key=lambda r: (r.page, r.market)):
        parts.append("\n[[material]]\n")
        parts.append(f"page = {_string(record.page)}\n")
        if record.market:
            parts.append(f"market = {_string(record.market)}\n")
        parts.append(f"id = {_string(record.material_id)}\n")
        parts.append(f"approved_by = {_string(record.approved_by)}\n")
        parts.append(f"approved_on = {record.approved_on.isoformat()}\n")
        parts.append(f"sha256 = {_string(record.sha256)}\n")
    write_atomically(root / approvals.path, "".join(parts).encode())


def _text_file(record: Approval, approved: ApprovedText) -> str:
    where = f" in market {record.market}" if record.market else ""
    parts = [
        f"# {record.material_id}{where}: {record.page} as approved on {record.approved_on.isoformat()}"
        f" by {record.approved_by}, one block (heading, paragraph, list item) per line.\n",
        "# Written by `python3 build.py approvals --approve`; its hash is the sha256 in approvals.toml.\n",
        f'text = """\n{_multiline(approved.text)}"""\n',
    ]
    if approved.values:  # what each placeholder read then: a config change is traced to its line by them
        parts.append("\n[values]\n")
        parts += [f"{_string(k)} = {_string(v)}\n" for k, v in sorted(approved.values.items())]
    return "".join(parts)


def _escaped(text: str) -> str:
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


def _string(text: str) -> str:
    return f'"{_escaped(text)}"'


def _multiline(text: str) -> str:
    """A multi-line basic string's body, one line of text per line. TOML drops the newline after the opening
    quotes, and a backslash at the end of the last line drops the newline before the closing ones."""
    return "\n".join(_escaped(line) for line in text.split("\n")) + "\\\n"


class ApprovalsFile:
    """The records file of a build, read again only when its time or size changed (serve asks at every save)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.read: tuple[tuple[str, int, int], tuple[Approvals, list[SourceError]]] | None = None

    def signature(self, records: str) -> tuple[str, int, int]:
        """The file's name, time and size now: a build whose records had the same is up to date with them."""
        try:
            stat = (self.root / records).stat()
            return (records, stat.st_mtime_ns, stat.st_size)
        except OSError:
            return (records, 0, -1)

    @property
    def last_read(self) -> list[object] | None:
        """The signature of the records as last read (as JSON keeps it), None if none were."""
        return list(self.read[0]) if self.read else None

    def approvals(self, records: str, kept: Any = None) -> tuple[Approvals, list[SourceError]]:
        """The records; `kept`: what the build cache holds of them (see `kept_records`), used if still current."""
        signature = self.signature(records)
        if self.read is None or self.read[0] != signature:
            self.read = (
                signature,
                self.from_kept(records, signature, kept) or read_approvals(self.root / records, records),
            )
        return self.read[1]

    def kept_records(self) -> dict[str, Any] | None:
        """The records as last read, for the build cache: a new process need not parse the file again."""
        if self.read is None or self.read[1][1]:
            return None
        return {"signature": list(self.read[0]), "records": [r.row() for r in self.read[1][0].records]}

    @staticmethod
    def from_kept(
        records: str, signature: tuple[str, int, int], kept: Any
    ) -> tuple[Approvals, list[SourceError]] | None:
        if not isinstance(kept, dict) or kept.get("signature") != list(signature):
            return None
        try:
            return Approvals(records, tuple(Approval.from_row(row) for row in kept["records"])), []
        except (KeyError, TypeError, ValueError):
            return None  # a damaged entry: read the file
