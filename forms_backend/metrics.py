"""Prometheus metrics for the hosting team's alerting: what happened (counters, a latency histogram),
and how the work stands (gauges read from the database when scraped).

Counters and the histogram live in each worker's memory, or, when PROMETHEUS_MULTIPROC_DIR names an
empty folder (as it must with several workers), in files there that the scrape adds up. No name or
label carries member data: labels are fixed words (reasons, outcomes, route groups).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forms_backend.storage.database import Database, StorageUnavailable, Tx

STORED = Counter("tellus_submissions_stored_total", "Tell Us inquiries durably stored and acknowledged")
REFUSED = Counter(
    "tellus_submissions_refused_total",
    "Tell Us posts not stored, by reason (validation, token, rate_limit, storage, other)",
    ["reason"],
)
SIGN_INS = Counter("tellus_staff_sign_ins_total", "Staff sign-ins by outcome (ok, failed, locked)", ["outcome"])
STORAGE_ERRORS = Counter(
    "tellus_storage_errors_total",
    "Requests that met a storage failure, by reason (disk_full, read_only, unreachable, timeout, io_error)",
    ["reason"],
)
DURATION = Histogram(
    "tellus_request_duration_seconds",
    "Time to answer a request, by route group (form, staff, health, metrics, site) and status class (2xx … 5xx)",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def refusal_reason(code: str) -> str:
    """The metric's reason for a rejection code of the form (guards.Rejection, tokens.TokenRejected)."""
    if code == "rate_limited":
        return "rate_limit"
    if code.startswith("token_") or code == "too_fast":
        return "token"
    return "other"  # spam, too large, wrong origin or type, unreadable


class RequestTimer:
    """Pure ASGI middleware: every response's time, in DURATION under its route group."""

    def __init__(self, app: ASGIApp, form_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.form_paths = form_paths  # every language's and market's form path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "5xx"  # what the client gets if the app raises before it answers

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = f"{int(message['status']) // 100}xx"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            DURATION.labels(self.group(scope["path"]), status).observe(time.perf_counter() - started)

    def group(self, path: str) -> str:
        if path.startswith("/staff/"):
            return "staff"
        if path in ("/healthz", "/metrics"):
            return path[1:].replace("healthz", "health")
        return "form" if path.startswith(self.form_paths) else "site"


@dataclass(eq=False)  # a registry keeps its collectors in a dict
class WorkGauges(Collector):
    """Open and overdue cases, the outbox's depth, rows without search digests: read when scraped, at most
    once per `max_age` seconds per worker (the last two count a million rows in about a second)."""

    database: Database
    search_key_id: str | None
    max_age: float = 30.0
    _kept: tuple[float, dict[str, float]] | None = field(default=None, init=False)

    HELP = {
        "tellus_cases_open": "Cases with a deadline still to meet",
        "tellus_cases_overdue": "Cases past their next deadline",
        "tellus_outbox_depth": "Emails waiting to be sent",
        "tellus_submissions_unindexed": "Submissions without search digests under the current key",
    }

    def collect(self) -> Iterator[Metric]:
        values = self.values()
        for name, text in self.HELP.items():
            if name in values:
                yield GaugeMetricFamily(name, text, value=values[name])

    def values(self) -> dict[str, float]:
        now = time.monotonic()
        if self._kept is None or now - self._kept[0] > self.max_age:
            try:
                self._kept = (now, self.database.run_sync_read(self.read))
            except StorageUnavailable:
                return {}  # the storage error counters and /healthz tell this; a gauge would only lie
        return self._kept[1]

    def read(self, tx: Tx) -> dict[str, float]:
        from forms_backend.storage.records import utc_now

        def count(sql: str, params: tuple[object, ...] = ()) -> float:
            row = tx.fetchone(sql, params)
            return float(row[0]) if row else 0.0

        values = {
            "tellus_cases_open": count("SELECT COUNT(*) FROM submissions WHERE next_due_at IS NOT NULL"),
            "tellus_cases_overdue": count("SELECT COUNT(*) FROM submissions WHERE next_due_at < ?", (utc_now(),)),
            "tellus_outbox_depth": count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"),
        }
        if self.search_key_id is not None:
            values["tellus_submissions_unindexed"] = count(
                "SELECT COUNT(*) FROM submissions s WHERE NOT EXISTS"
                " (SELECT 1 FROM search_terms t WHERE t.submission_id = s.id AND t.key_id = ?)",
                (self.search_key_id,),
            )
        return values


class _ThisProcess(Collector):
    """This worker's own counters, when there is no multiprocess folder to add up."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


@dataclass
class MetricsEndpoint:
    """GET /metrics: Prometheus text, only with `Authorization: Bearer <METRICS_TOKEN>`; 404 otherwise."""

    token: str
    gauges: WorkGauges

    async def respond(self, request: Request) -> Response:
        given = request.headers.get("authorization", "")
        if not self.token or not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return PlainTextResponse("Not Found", status_code=404)
        from starlette.concurrency import run_in_threadpool

        body = await run_in_threadpool(self.render)
        return Response(
            body, media_type="text/plain; version=0.0.4; charset=utf-8", headers={"cache-control": "no-store"}
        )

    def render(self) -> bytes:
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry.register(_ThisProcess())
        registry.register(self.gauges)
        return generate_latest(registry)
