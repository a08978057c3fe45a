"""What a stored inquiry is once read back, and the one way moments are written in storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class StoredInquiry:
    reference: str
    created_at: str
    lang: str
    topic: str
    contact_method: str
    preferred_language: str
    status: str
    assigned_to: str | None
    fields: dict[str, str]
    market: str = ""  # the market whose form page it came from ('' for a single-plan site)
    case: CaseState | None = None  # its type and deadlines (None before casework.toml was applied to it)


@dataclass(frozen=True)
class CaseState:
    """A submission as a case (staff/casework/cases.py keeps these columns)."""

    case_type: str
    expedited: bool
    acknowledge_due_at: str | None
    resolve_due_at: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    next_due_at: str | None


def stamp(moment: datetime) -> str:
    """The one way times are stored: UTC text that sorts as time does."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stored_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_now() -> str:
    return stamp(datetime.now(UTC))
