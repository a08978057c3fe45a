"""The staff pages under /staff/: login, inbox, one submission, export, audit log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from forms_backend.form.guards import (
    Rejection,
    check_origin,
    client_address,
    parse_urlencoded,
    parse_urlencoded_lists,
    read_capped_body,
    require_form_content_type,
)
from forms_backend.form.hidden_characters import reveal
from forms_backend.form.rate_limits import RateLimiter
from forms_backend.form.submissions import Submissions
from forms_backend.keys.crypto import FieldCipher
from forms_backend.keys.search_index import SearchIndex
from forms_backend.keys.signing import KeyedSigner
from forms_backend.settings import Settings
from forms_backend.staff import audit
from forms_backend.staff.accounts import active_users, authenticate
from forms_backend.staff.casework.attempts import attempts_for, attempts_in, case_page_context
from forms_backend.staff.casework.cases import Casework
from forms_backend.staff.casework.charts import bar_chart
from forms_backend.staff.export import to_csv
from forms_backend.staff.filters import QUEUES, STATUSES, Filters, Viewer, page_number
from forms_backend.staff.inbox import NEXT_STATUSES, export_rows, inbox_page, open_search, seal_search, search
from forms_backend.staff.presenting import STATUS_WORDS, Clock, birth_date_words, history_lines, phone_words, span
from forms_backend.staff.sessions import COOKIE, Session, StaffSessions
from forms_backend.storage.database import Database, Tx
from forms_backend.storage.records import stamp, stored_time, utc_now
from forms_backend.storage.references import normalise_reference
from sitegen.rendering.templates import Templates

PRIVATE = {"cache-control": "no-store, private"}
LOGIN_FIELDS = frozenset({"username", "password", "token", "next"})


@dataclass
class StaffSite:
    settings: Settings
    templates: Templates
    database: Database
    cipher: FieldCipher
    submissions: Submissions
    sessions: StaffSessions
    login_limiter: RateLimiter
    languages: tuple[str, ...]
    markets: dict[str, str] = field(default_factory=dict)  # market name -> what staff call it; empty for a single plan
    clock: Clock = field(default_factory=lambda: Clock("America/New_York", {}))  # the plan's time zone(s)
    index: SearchIndex | None = None  # the blind index search looks terms up in
    casework: Casework | None = None  # case types and deadlines (casework.toml); None: an inbox without clocks

    def __post_init__(self) -> None:
        self.login_tokens = KeyedSigner(self.settings.secret_keys, salt="memberpages.staff-login.v1")
        for environment in self.templates.environments.values():
            environment.filters.update(
                reveal=reveal,  # member text on staff pages: isolated, hidden characters shown
                local_time=self.clock.local,
                phone_words=phone_words,
                birth_date_words=birth_date_words,
                from_now=lambda stored: span(datetime.now(UTC), stored_time(stored)),
            )
            environment.globals["bar_chart"] = bar_chart
            environment.globals["status_words"] = STATUS_WORDS
            environment.globals["case_types"] = self.casework.rules.types if self.casework else {}

    def routes(self) -> list[Route]:
        return [
            Route("/staff/login", self.login_page, methods=["GET"]),
            Route("/staff/login", self.login, methods=["POST"]),
            Route("/staff/logout", self.logout, methods=["POST"]),
            Route("/staff/", self.inbox, methods=["GET"]),
            Route("/staff/search", self.search, methods=["POST"]),
            Route("/staff/inquiries/{reference}", self.view, methods=["GET"]),
            Route("/staff/inquiries/{reference}/status", self.change_status, methods=["POST"]),
            Route("/staff/inquiries/{reference}/assign", self.assign, methods=["POST"]),
            Route("/staff/inquiries/{reference}/notes", self.add_note, methods=["POST"]),
            Route("/staff/export.csv", self.export, methods=["GET"]),
            Route("/staff/audit", self.audit_log, methods=["GET"]),
        ]

    # -- plumbing ------------------------------------------------------------------------------

    def page(self, template: str, status: int = 200, session: Session | None = None, **context: Any) -> HTMLResponse:
        html = self.templates.render("en", f"staff/{template}", session=session, markets=self.markets, **context)
        return HTMLResponse(html, status_code=status, headers=PRIVATE)

    def secure_cookies(self, request: Request) -> bool:
        """Secure cookies over HTTPS: directly, or behind a trusted proxy that says so."""
        forwarded = (
            request.client is not None
            and request.client.host in self.settings.trusted_proxies
            and request.headers.get("x-forwarded-proto") == "https"
        )
        return self.settings.production or request.url.scheme == "https" or forwarded

    async def session_or_login(
        self, request: Request, admin: bool = False, reports: bool = False
    ) -> Session | Response:
        session = await self.sessions.current(request.cookies.get(COOKIE))
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(
                f"/staff/login?next={quote(target, safe='')}", status_code=303, headers=PRIVATE
            )
            response.delete_cookie(COOKIE, path="/staff/")
            return response
        if (admin and not session.user.is_admin) or (reports and not session.user.sees_reports):
            return self.page("denied.html", status=403, session=session)
        return session

    async def posted(self, request: Request, session: Session, allowed: set[str]) -> dict[str, str]:
        """A staff form post: same origin, urlencoded, capped, and carrying this session's CSRF token."""
        fields, _ = await self.posted_lists(request, session, allowed, frozenset())
        return fields

    async def posted_lists(
        self, request: Request, session: Session, allowed: set[str], repeated: frozenset[str]
    ) -> tuple[dict[str, str], dict[str, list[str]]]:
        """As `posted`, with fields that may repeat (checkboxes) as lists."""
        require_form_content_type(request)
        check_origin(request, self.settings.allowed_origins)
        fields, lists = parse_urlencoded_lists(
            await read_capped_body(request, self.settings.max_body_bytes), frozenset(allowed | {"csrf"}), repeated
        )
        if not self.sessions.csrf_ok(session, fields.get("csrf", "")):
            raise Rejection(403, "csrf")
        return fields, lists

    def viewer(self, session: Session) -> Viewer:
        now = datetime.now(UTC)
        soon = now + timedelta(days=self.casework.rules.due_soon_days if self.casework else 2)
        return Viewer(session.user.username, stamp(now), stamp(soon))

    def rejected(self, rejection: Rejection, session: Session | None = None) -> HTMLResponse:
        return self.page("rejected.html", status=rejection.status, session=session, reason=rejection.reason)

    # -- login and logout ----------------------------------------------------------------------

    async def login_page(self, request: Request, problem: str = "", status: int = 200) -> Response:
        next_path = request.query_params.get("next", "/staff/")
        return self.page(
            "login.html",
            status=status,
            token=self.login_tokens.sign("login").decode(),
            next=_safe_next(next_path),
            problem=problem,
        )

    async def login(self, request: Request) -> Response:
        try:
            if not await self.login_limiter.allow(client_address(request, self.settings.trusted_proxies)):
                raise Rejection(429, "rate_limited")
            require_form_content_type(request)
            check_origin(request, self.settings.allowed_origins)
            fields = parse_urlencoded(await read_capped_body(request, 4096), LOGIN_FIELDS)
            try:
                self.login_tokens.unsign(fields.get("token", ""), max_age=3600)
            except BadSignature:
                raise Rejection(400, "stale_form") from None
        except Rejection as rejection:
            return self.rejected(rejection)
        user = await authenticate(self.database, fields.get("username", "")[:100], fields.get("password", "")[:1000])
        if user is None:
            return await self.login_page(
                request, problem="The user name or password is wrong, or the account is locked or disabled.", status=401
            )
        cookie = await self.sessions.start(user)
        response = RedirectResponse(_safe_next(fields.get("next", "/staff/")), status_code=303, headers=PRIVATE)
        response.set_cookie(
            COOKIE, cookie, path="/staff/", httponly=True, samesite="strict", secure=self.secure_cookies(request)
        )
        return response

    async def logout(self, request: Request) -> Response:
        session = await self.session_or_login(request)
        if not isinstance(session, Session):
            return session
        try:
            await self.posted(request, session, set())
        except Rejection as rejection:
            return self.rejected(rejection, session)
        await self.sessions.end(request.cookies.get(COOKIE))
        await audit.append(self.database, session.user.username, "logout")
        response = RedirectResponse("/staff/login", status_code=303, headers=PRIVATE)
        response.delete_cookie(COOKIE, path="/staff/")
        return response

    # -- inbox, search, export -----------------------------------------------------------------

    async def inbox(self, request: Request) -> Response:
        session = await self.session_or_login(request)
        if not isinstance(session, Session):
            return session
        filters = Filters.from_query(dict(request.query_params), self.languages, tuple(self.markets))
        sealed = request.query_params.get("search", "")
        text = open_search(self.cipher, sealed) if sealed else None
        if text is None:
            if sealed:
                filters = replace(
                    filters, problems=(*filters.problems, "this search link no longer works; search again")
                )
            viewer = self.viewer(session)
            inbox = await inbox_page(self.database, self.cipher, filters, viewer)
            users = await active_users(self.database)
            return self.page(
                "inbox.html",
                session=session,
                inbox=inbox,
                filters=filters,
                statuses=STATUSES,
                results=None,
                searched="",
                queues=QUEUES,
                now=stored_time(viewer.now),
                users=users,
                next_statuses=NEXT_STATUSES,
            )
        results, capped = await search(self.database, self.cipher, self.index, filters, text)
        await audit.append(
            self.database, session.user.username, "search", detail=f"{len(results)} results"
        )  # never the searched text
        return self.page(
            "inbox.html",
            session=session,
            inbox=None,  # a search shows its results only: no listing, no counts
            filters=filters,
            statuses=STATUSES,
            results=results,
            capped=capped,
            searched=text,
            queues=QUEUES,
            now=datetime.now(UTC),
            users=[],
            next_statuses=NEXT_STATUSES,
        )

    async def search(self, request: Request) -> Response:
        """The search box posts here; the answer is a link that can be bookmarked and reloaded, and that
        carries the searched words sealed, so they never reach a URL, a log or the browser history as text."""
        session = await self.session_or_login(request)
        if not isinstance(session, Session):
            return session
        try:
            fields = await self.posted(request, session, {"q", "status", "topic", "lang", "market", "from", "to"})
        except Rejection as rejection:
            return self.rejected(rejection, session)
        filters = Filters.from_query(fields, self.languages, tuple(self.markets))
        query = filters.query_string(page=1)
        sealed = seal_search(self.cipher, fields.get("q", "")[:200])
        return RedirectResponse(
            f"/staff/?{query}{'&' if query else ''}search={sealed}", status_code=303, headers=PRIVATE
        )

    async def export(self, request: Request) -> Response:
        session = await self.session_or_login(request, admin=True)
        if not isinstance(session, Session):
            return session
        filters = Filters.from_query(dict(request.query_params), self.languages, tuple(self.markets))
        items = await export_rows(self.database, self.cipher, filters, self.viewer(session))
        attempts = await self.database.read(lambda tx: attempts_in(tx, self.cipher, [item.reference for item in items]))
        await audit.append(
            self.database,
            session.user.username,
            "export",
            detail=f"{len(items)} submissions; filters: {filters.query_string(page=1) or 'none'}",
        )
        headers = {**PRIVATE, "content-disposition": 'attachment; filename="tell-us-inquiries.csv"'}
        return Response(
            await asyncio.to_thread(to_csv, items, attempts), media_type="text/csv; charset=utf-8", headers=headers
        )

    async def audit_log(self, request: Request) -> Response:
        session = await self.session_or_login(request, admin=True)
        if not isinstance(session, Session):
            return session
        page = page_number(request.query_params.get("page"))
        entries, total = await audit.entries(self.database, page)
        return self.page("audit.html", session=session, entries=entries, page=page, pages=max(1, -(-total // 50)))

    # -- one submission ------------------------------------------------------------------------

    async def view(self, request: Request, status: int = 200, **extra: Any) -> Response:
        session = await self.session_or_login(request)
        if not isinstance(session, Session):
            return session
        reference = normalise_reference(request.path_params["reference"])
        item = await self.submissions.get(reference) if reference else None
        if item is None or reference is None:
            return self.page("not_found.html", status=404, session=session)
        await audit.append(self.database, session.user.username, "view", reference)
        notes = await self.notes(reference)
        users = await active_users(self.database)
        entries, _ = await audit.entries(self.database, 1, per_page=500, reference=reference)
        history = history_lines(entries, self.clock, item.market)[:30]
        attempts = await attempts_for(self.database, self.cipher, reference)
        return self.page(
            "inquiry.html",
            status=status,
            session=session,
            item=item,
            notes=notes,
            users=users,
            next_statuses=NEXT_STATUSES[item.status],
            history=history,
            attempts=attempts,
            now=datetime.now(UTC),
            **case_page_context(self.casework, self.clock, item, extra),
        )

    async def notes(self, reference: str) -> list[dict[str, str]]:
        rows = await self.database.read(
            lambda tx: tx.fetchall(
                "SELECT author, created_at, sealed FROM notes WHERE reference = ? ORDER BY created_at", (reference,)
            )
        )
        return [
            {
                "author": str(a),
                "at": str(at),
                "text": self.cipher.open(bytes(sealed), bound_to=f"{reference}:note")["text"],
            }
            for a, at, sealed in rows
        ]

    async def _change(self, request: Request, allowed: set[str], change: Any) -> Response:
        """Shared shape of the three submission changes: check, apply with an audit entry, go back."""
        session = await self.session_or_login(request)
        if not isinstance(session, Session):
            return session
        reference = normalise_reference(request.path_params["reference"]) or ""
        try:
            fields = await self.posted(request, session, allowed)
            item = await self.submissions.get(reference)
            if item is None:
                return self.page("not_found.html", status=404, session=session)
            await self.database.write(lambda tx: change(tx, session, item, fields))
        except Rejection as rejection:
            return self.rejected(rejection, session)
        return RedirectResponse(f"/staff/inquiries/{reference}", status_code=303, headers=PRIVATE)

    async def change_status(self, request: Request) -> Response:
        def apply(tx: Tx, session: Session, item: Any, fields: dict[str, str]) -> None:
            new = fields.get("status", "")
            self.set_status(tx, session.user.username, item.reference, item.status, new)

        return await self._change(request, {"status"}, apply)

    def set_status(self, tx: Tx, actor: str, reference: str, old: str, new: str, action: str = "status") -> None:
        """Move a case to `new` (one of NEXT_STATUSES[old]); its clock follows (answering resolves it)."""
        if new not in NEXT_STATUSES[old]:
            raise Rejection(409, "bad_status")
        if not tx.execute(
            "UPDATE submissions SET status = ? WHERE reference = ? AND status = ?", (new, reference, old)
        ):
            raise Rejection(409, "changed_meanwhile")
        if self.casework:
            self.casework.status_changed(tx, reference, new, datetime.now(UTC))
        audit.record(tx, actor, action, reference, f"{old} → {new}")

    def set_assignee(self, tx: Tx, actor: str, reference: str, username: str, action: str = "assign") -> None:
        if username and not tx.fetchone("SELECT 1 FROM staff_users WHERE username = ? AND disabled = 0", (username,)):
            raise Rejection(400, "bad_assignee")
        tx.execute("UPDATE submissions SET assigned_to = ? WHERE reference = ?", (username or None, reference))
        audit.record(tx, actor, action, reference, username or "(nobody)")

    async def assign(self, request: Request) -> Response:
        def apply(tx: Tx, session: Session, item: Any, fields: dict[str, str]) -> None:
            self.set_assignee(tx, session.user.username, item.reference, fields.get("assignee", ""))

        return await self._change(request, {"assignee"}, apply)

    async def add_note(self, request: Request) -> Response:
        def apply(tx: Tx, session: Session, item: Any, fields: dict[str, str]) -> None:
            text = fields.get("note", "").strip()
            if not text or len(text) > 4000:
                raise Rejection(400, "bad_note")
            sealed = self.cipher.seal({"text": text}, bound_to=f"{item.reference}:note")
            tx.execute(
                "INSERT INTO notes (reference, author, created_at, sealed) VALUES (?, ?, ?, ?)",
                (item.reference, session.user.username, utc_now(), sealed),
            )
            audit.record(tx, session.user.username, "note", item.reference)

        return await self._change(request, {"note"}, apply)


def _safe_next(path: str) -> str:
    """Only ever send a user back to a staff page on this site (no open redirect)."""
    return path if path.startswith("/staff/") and "//" not in path and "\\" not in path else "/staff/"
