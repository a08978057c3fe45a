"""Casework pages under /staff/: bulk changes from a queue, call-back attempts, case type and
acknowledgement on a case, and the supervisors' report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from forms_backend.form.guards import Rejection
from forms_backend.staff import audit
from forms_backend.staff.casework.attempts import CLOCK_TIME, choice_problems, record_attempt
from forms_backend.staff.casework.reports import Period, Report, build_report, report_csv
from forms_backend.staff.filters import ISO_DAY
from forms_backend.staff.sessions import Session
from forms_backend.staff.views import StaffSite
from forms_backend.storage.database import Tx
from forms_backend.storage.records import StoredInquiry, stamp
from forms_backend.storage.references import normalise_reference

PRIVATE = {"cache-control": "no-store, private"}
ATTEMPT_FIELDS = {"day", "time", "outcome", "language", "interpreter", "note"}


class CasePages:
    def __init__(self, site: StaffSite) -> None:
        self.site = site

    def routes(self) -> list[Route]:
        return [
            Route("/staff/bulk", self.bulk, methods=["POST"]),
            Route("/staff/inquiries/{reference}/attempts", self.add_attempt, methods=["POST"]),
            Route("/staff/inquiries/{reference}/case", self.reclassify, methods=["POST"]),
            Route("/staff/inquiries/{reference}/acknowledge", self.acknowledge, methods=["POST"]),
            Route("/staff/reports/", self.report, methods=["GET"]),
            Route("/staff/reports/report.csv", self.report_download, methods=["GET"]),
        ]

    # -- bulk changes ----------------------------------------------------------------------------

    async def bulk(self, request: Request) -> Response:
        """Assign and/or change the status of the checked cases, in one transaction, one audit entry per case."""
        site = self.site
        session = await site.session_or_login(request)
        if not isinstance(session, Session):
            return session
        try:
            fields, lists = await site.posted_lists(
                request, session, {"assignee", "status", "back"}, frozenset({"ref"})
            )
            references = [r for r in (normalise_reference(text) for text in lists["ref"]) if r]
            if not references or len(references) != len(lists["ref"]):
                raise Rejection(400, "nothing_chosen")
            assignee, status = fields.get("assignee", "-"), fields.get("status", "")
            report = await site.database.write(lambda tx: self._apply_bulk(tx, session, references, assignee, status))
        except Rejection as rejection:
            return site.rejected(rejection, session)
        back = _staff_query(fields.get("back", ""))
        return site.page("bulk_done.html", session=session, changed=report[0], skipped=report[1], back=back)

    def _apply_bulk(
        self, tx: Tx, session: Session, references: list[str], assignee: str, status: str
    ) -> tuple[list[str], list[str]]:
        changed, skipped = [], []
        actor = session.user.username
        for reference in references:
            row = tx.fetchone("SELECT status FROM submissions WHERE reference = ?", (reference,))
            if row is None:
                raise Rejection(400, "nothing_chosen")
            current = str(row[0])
            if (not status or status == current) and assignee == "-":
                skipped.append(reference)  # nothing to change
                continue
            if status and status != current:
                try:
                    self.site.set_status(tx, actor, reference, current, status, action="status")
                except Rejection:
                    skipped.append(reference)  # that status cannot follow this one (e.g. closed → answered)
                    continue
            if assignee != "-":
                self.site.set_assignee(tx, actor, reference, assignee)
            changed.append(reference)
        return changed, skipped

    # -- one case ----------------------------------------------------------------------------------

    async def add_attempt(self, request: Request) -> Response:
        site = self.site
        session = await site.session_or_login(request)
        if not isinstance(session, Session):
            return session
        reference = normalise_reference(request.path_params["reference"]) or ""
        try:
            fields = await site.posted(request, session, ATTEMPT_FIELDS)
            item = await site.submissions.get(reference)
            casework = site.casework
            if item is None or casework is None:
                return site.page("not_found.html", status=404, session=session)
            errors, at = self._attempt_problems(fields, item)
            if not errors:
                await site.database.write(
                    lambda tx: record_attempt(
                        tx,
                        site.cipher,
                        casework,
                        session.user.username,
                        item,
                        at,
                        fields["outcome"],
                        fields["language"],
                        fields["interpreter"] == "yes",
                        fields.get("note", "").strip(),
                    )
                )
        except Rejection as rejection:
            return site.rejected(rejection, session)
        if errors:
            kept = {name: fields.get(name, "") for name in ATTEMPT_FIELDS}
            return await site.view(request, status=400, attempt_values=kept, attempt_errors=errors)
        return RedirectResponse(f"/staff/inquiries/{reference}#calls", status_code=303, headers=PRIVATE)

    def _attempt_problems(self, fields: dict[str, str], item: StoredInquiry) -> tuple[dict[str, str], datetime]:
        """Field name -> problem code, and the call's time in UTC (a call cannot be in the future or before the inquiry)."""
        errors = choice_problems(fields)
        at = datetime.now(UTC)
        day, time = fields.get("day", ""), fields.get("time", "")
        try:
            if not ISO_DAY.fullmatch(day) or len(time) != 5:
                raise ValueError(day)
            local = datetime.combine(
                date.fromisoformat(day),
                datetime.strptime(time, CLOCK_TIME).time(),
                tzinfo=self.site.clock.zone(item.market),
            )
            at = local.astimezone(UTC)
            if at > datetime.now(UTC) + timedelta(minutes=5) or stamp(at) < item.created_at[:16]:
                errors["day"] = "not_in_range"
        except ValueError:
            errors["day"] = "bad_time"
        return errors, at

    async def reclassify(self, request: Request) -> Response:
        site = self.site

        def apply(tx: Tx, session: Session, item: StoredInquiry, fields: dict[str, str]) -> None:
            if site.casework is None:
                raise Rejection(400, "bad_case_type")
            try:
                site.casework.reclassify(
                    tx, session.user.username, item, fields.get("case_type", ""), fields.get("expedited") == "yes"
                )
            except ValueError:
                raise Rejection(400, "bad_case_type") from None

        return await site._change(request, {"case_type", "expedited"}, apply)

    async def acknowledge(self, request: Request) -> Response:
        site = self.site

        def apply(tx: Tx, session: Session, item: StoredInquiry, fields: dict[str, str]) -> None:
            if site.casework is None or not site.casework.acknowledge(
                tx,
                session.user.username,
                item.reference,
                datetime.now(UTC),
                "marked acknowledged (letter or message sent)",
            ):
                raise Rejection(409, "changed_meanwhile")

        return await site._change(request, set(), apply)

    # -- report --------------------------------------------------------------------------------------

    async def report(self, request: Request) -> Response:
        found = await self._report(request, "report")
        if isinstance(found, Response):
            return found
        session, report, problems = found
        return self.site.page("report.html", session=session, report=report, period=report.period, problems=problems)

    async def report_download(self, request: Request) -> Response:
        found = await self._report(request, "report.csv")
        if isinstance(found, Response):
            return found
        _, report, _ = found
        casework = self.site.casework
        labels = {name: t.label for name, t in (casework.rules.types.items() if casework else ())}
        name = f"inquiries-report-{report.period.start}-{report.period.end}.csv"
        headers = {**PRIVATE, "content-disposition": f'attachment; filename="{name}"'}
        return Response(
            report_csv(report, labels).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers
        )

    async def _report(self, request: Request, action: str) -> tuple[Session, Report, list[str]] | Response:
        """The report the query asks for, for a supervisor or admin (audited: who looked at which figures)."""
        site = self.site
        session = await site.session_or_login(request, reports=True)
        if not isinstance(session, Session):
            return session
        period, problems = self._period(dict(request.query_params))
        report = await build_report(site.database, period, stamp(datetime.now(UTC)))
        detail = f"{period.start} to {period.end} {period.market or 'all plans'}"
        await audit.append(site.database, session.user.username, action, detail=detail)
        return session, report, problems

    def _period(self, query: dict[str, str]) -> tuple[Period, list[str]]:
        """The report's dates and plan from the query: last quarter unless both dates are given and sensible."""
        problems = []
        market = query.get("market", "")
        if market and market not in self.site.markets:
            problems.append("unknown plan ignored")
            market = ""
        today = datetime.now(UTC).astimezone(self.site.clock.zone(market)).date()
        period = Period.last_quarter(today, market)
        start, end = query.get("from", ""), query.get("to", "")
        if start or end:
            try:
                if not (ISO_DAY.fullmatch(start) and ISO_DAY.fullmatch(end)):
                    raise ValueError(start)
                chosen = Period(date.fromisoformat(start), date.fromisoformat(end), market)
                if chosen.end < chosen.start or (chosen.end - chosen.start).days > 366:
                    raise ValueError(start)
                period = chosen
            except ValueError:
                problems.append(
                    "dates must be like 2026-11-02, the first not after the last, at most a year apart; showing the last 13 weeks"
                )
        return period, problems


def _staff_query(text: str) -> str:
    """The inbox view a bulk change came from, as a safe query string (only our own filter names survive)."""
    known = {"queue", "status", "topic", "lang", "market", "from", "to", "page"}
    return urlencode([(k, v) for k, v in parse_qsl(text)[:10] if k in known and len(v) <= 40])
