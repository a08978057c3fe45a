"""The Tell Us form: show it, take a submission through every guard, store it, confirm it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import get_date_format
from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from forms_backend import metrics
from forms_backend.form.fields import (
    CONTACT_METHODS,
    DATE_ERROR_PARTS,
    DATE_PARTS,
    FIELD_NAMES,
    PREFERRED_LANGUAGES,
    TOPICS,
    validate,
)
from forms_backend.form.guards import (
    Rejection,
    check_origin,
    client_address,
    parse_urlencoded,
    read_capped_body,
    require_form_content_type,
)
from forms_backend.form.rate_limits import RateLimiter
from forms_backend.form.submissions import Submissions
from forms_backend.form.tokens import FormTokens, TokenExpired, TokenRejected, TokenReplayed, TooFast
from forms_backend.keys.signing import KeyedSigner
from forms_backend.settings import Settings
from forms_backend.storage import StorageUnavailable
from forms_backend.storage.references import normalise_reference
from sitegen.config.schema import SiteConfig
from sitegen.rendering.templates import Templates

log = logging.getLogger("forms_backend.form.inquiry")

HONEYPOT = "website"
TOKEN = "token"
POSTED_FIELDS = frozenset({*FIELD_NAMES, HONEYPOT, TOKEN})
NO_STORE = {"cache-control": "no-store, private"}
RETRY_AFTER_SECONDS = 120  # what a 503 asks a client to wait; the page itself asks the member for "a few minutes"
# The error summary lists problems in form order; the three date boxes share one error.
ERROR_ORDER = tuple(dict.fromkeys("date_of_birth" if name in DATE_PARTS else name for name in FIELD_NAMES))


def date_part_order(lang: str) -> tuple[str, ...]:
    """The date boxes in the order the language writes dates (CLDR): month/day/year in US English, day/month/year in Spanish."""
    pattern = str(get_date_format("short", locale=lang).pattern)
    positions = {"dob_day": pattern.find("d"), "dob_month": pattern.find("M"), "dob_year": pattern.find("y")}
    return tuple(sorted(positions, key=lambda part: positions[part]))


def date_example(lang: str) -> str:
    """27 March 1980 in the order of the boxes, e.g. "3 27 1980" or "27 3 1980"."""
    example = {"dob_day": "27", "dob_month": "3", "dob_year": "1980"}
    return " ".join(example[part] for part in date_part_order(lang))


@dataclass
class InquiryForm:
    """Everything the form's pages need; one instance per app."""

    settings: Settings
    config: SiteConfig
    templates: Templates
    tokens: FormTokens
    submissions: Submissions
    limiter: RateLimiter
    confirmations: KeyedSigner
    on_stored: Callable[[], None] | None = None  # e.g. wake the staff notifier

    def paths(self) -> dict[str, str]:
        """Where this form is served, per language (under the market's path on a site with markets)."""
        return {
            lang: self.config.prefix + path
            for lang, path in self.config.forms["inquiry"].paths.items()
            if lang in self.config.languages
        }

    @property
    def market(self) -> str:
        return self.config.market.name if self.config.market else ""

    def lang_of(self, request: Request) -> str:
        path: str = request.scope["path"]
        for lang, form_path in self.paths().items():
            if path.startswith(form_path):
                return lang
        return self.config.default_language

    def render(
        self, lang: str, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: object
    ) -> HTMLResponse:
        alternates = (
            context.pop("alternates", None) or self.config.forms["inquiry"].paths
        )  # templates add the market's path
        html = self.templates.render(
            lang,
            template,
            alternates=alternates,
            canonical=None,
            title=context.pop("title", None),
            description=None,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers={**NO_STORE, **(headers or {})})

    def form_page(
        self,
        lang: str,
        values: dict[str, str],
        errors: dict[str, str],
        token: str,
        status: int = 200,
        notice: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        return self.render(
            lang,
            "inquiry_form.html",
            status=status,
            headers=headers,
            values=values,
            errors=errors,
            token=token,
            notice=notice,
            topics=TOPICS,
            contact_methods=CONTACT_METHODS,
            preferred_languages=PREFERRED_LANGUAGES,
            field_order=ERROR_ORDER,
            honeypot=HONEYPOT,
            max_message=2000,
            date_order=date_part_order(lang),
            date_example=date_example(lang),
            date_error_parts=DATE_ERROR_PARTS,
        )

    def rejection_page(self, lang: str, rejection: Rejection) -> HTMLResponse:
        log.info("form rejected: reason=%s status=%s", rejection.reason, rejection.status)
        metrics.REFUSED.labels(metrics.refusal_reason(rejection.reason)).inc()
        return self.render(lang, "rejected.html", status=rejection.status, reason=rejection.reason)

    # -- endpoints ---------------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        lang = self.lang_of(request)
        return self.form_page(lang, {}, {}, self.tokens.issue(lang))

    async def submit(self, request: Request) -> Response:
        lang = self.lang_of(request)
        try:
            return await self._accept(request, lang)
        except Rejection as rejection:
            return self.rejection_page(lang, rejection)

    def not_sent_page(self, lang: str, values: dict[str, str]) -> HTMLResponse:
        """The storage failed: nothing was stored, so the member gets the form back with what they typed,
        told that it was not sent and how to reach us by phone meanwhile."""
        log.info("form not stored: reason=storage status=503")
        metrics.REFUSED.labels("storage").inc()
        # A fresh token: if the failure came after a commit the server could not confirm, the first token
        # may be spent, and sending again must not be refused as a replay.
        token = self.tokens.issue(lang)
        headers = {"retry-after": str(RETRY_AFTER_SECONDS)}
        return self.form_page(lang, values, {}, token, status=503, notice="not_sent", headers=headers)

    async def _accept(self, request: Request, lang: str) -> Response:
        try:
            allowed = await self.limiter.allow(client_address(request, self.settings.trusted_proxies))
            storage_failed = False
        except StorageUnavailable:
            # The limits live in the database (PostgreSQL): it is down, so storing would wait out the same
            # timeout again. The form is still checked, so the member can fix any mistake meanwhile.
            allowed, storage_failed = True, True
        if not allowed:
            raise Rejection(429, "rate_limited")
        require_form_content_type(request)
        check_origin(request, self.settings.allowed_origins)
        body = await read_capped_body(request, self.settings.max_body_bytes)
        raw = parse_urlencoded(body, POSTED_FIELDS)
        if raw.get(HONEYPOT):
            raise Rejection(400, "spam")
        token_text = raw.get(TOKEN, "")
        values = {name: raw.get(name, "") for name in FIELD_NAMES}
        try:
            token = self.tokens.check(token_text, lang)
        except (TokenExpired, TooFast) as exc:
            # A real member who was slow (or quick) keeps what they typed and sends again.
            metrics.REFUSED.labels("token").inc()
            return self.form_page(lang, values, {}, self.tokens.issue(lang), status=400, notice=exc.reason)
        except TokenRejected as exc:
            raise Rejection(400, exc.reason) from None
        result = validate(raw, date.today())
        if not result.ok or result.inquiry is None:
            metrics.REFUSED.labels("validation").inc()
            return self.form_page(lang, result.values, result.errors, token_text, status=400)
        if storage_failed:
            return self.not_sent_page(lang, result.values)
        try:
            reference = await self.submissions.store(result.inquiry, lang, token.nonce, self.market)
        except TokenReplayed:
            raise Rejection(409, "token_used") from None
        except StorageUnavailable:
            return self.not_sent_page(lang, result.values)
        log.debug("inquiry stored: reference=%s lang=%s market=%s", reference, lang, self.market)
        metrics.STORED.inc()
        if self.on_stored:
            self.on_stored()
        confirmation = self.confirmations.sign(reference).decode()
        return RedirectResponse(f"{self.paths()[lang]}sent/?r={confirmation}", status_code=303, headers=NO_STORE)

    async def sent(self, request: Request) -> Response:
        lang = self.lang_of(request)
        try:
            reference = self.confirmations.unsign(request.query_params.get("r", ""), max_age=24 * 3600).decode()
        except BadSignature:
            return self.rejection_page(lang, Rejection(404, "no_confirmation"))
        if normalise_reference(reference) != reference:
            return self.rejection_page(lang, Rejection(404, "no_confirmation"))
        # The language switcher leads to this same confirmation in the other language, not to an empty form.
        here = request.query_params.get("r", "")
        alternates = {other: f"{path}sent/?r={here}" for other, path in self.config.forms["inquiry"].paths.items()}
        return self.render(lang, "inquiry_sent.html", reference=reference, title=None, alternates=alternates)
