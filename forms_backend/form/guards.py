"""Checks every form POST passes before its fields are looked at, and headers every response gets.

Each rejection carries an HTTP status and a reason code; the views render it as a page in
the member's language (never a 500).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The form has no file uploads, so multipart (and its parser's attack surface) is refused.
FORM_TYPES = ("application/x-www-form-urlencoded",)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class Rejection(Exception):
    """A request refused before it could do anything. `reason` is explained by templates."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_capped_body(request: Request, limit: int) -> bytes:
    """Read the body, stopping as soon as it passes `limit` bytes (Content-Length may lie or be absent)."""
    declared = request.headers.get("content-length")
    # ASCII digits only: "²" is a digit to str.isdigit() but not to int(), and would end in a 500.
    if declared is not None and (not (declared.isascii() and declared.isdigit()) or int(declared) > limit):
        raise Rejection(413, "too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejection(413, "too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def require_form_content_type(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in FORM_TYPES:
        raise Rejection(415, "wrong_type")
    return media_type


def parse_urlencoded(body: bytes, allowed: frozenset[str]) -> dict[str, str]:
    """Strictly decode a urlencoded body: valid UTF-8, no NULs, known fields once each."""
    fields, _ = parse_urlencoded_lists(body, allowed, frozenset())
    return fields


def parse_urlencoded_lists(
    body: bytes, allowed: frozenset[str], repeated: frozenset[str], most: int = 200
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """As parse_urlencoded, but the `repeated` fields (a list of checkboxes) may come up to `most` times each."""
    fields: dict[str, str] = {}
    lists: dict[str, list[str]] = {name: [] for name in repeated}
    if not body:
        return fields, lists
    try:
        for pair in body.decode("ascii").split("&"):
            name, sep, value = pair.partition("=")
            if not sep or name not in allowed | repeated or name in fields or len(lists.get(name, ())) >= most:
                raise Rejection(400, "unreadable")
            decoded = unquote_to_bytes(value.replace("+", " ")).decode("utf-8")
            if "\x00" in decoded:
                raise Rejection(400, "unreadable")
            if name in repeated:
                lists[name].append(decoded)
            else:
                fields[name] = decoded
    except UnicodeDecodeError:
        raise Rejection(400, "unreadable") from None
    return fields, lists


def check_origin(request: Request, allowed: frozenset[str]) -> None:
    """The form must be posted from our own pages: Origin (or Referer) names this site, or an allowed one.
    Without a Host header no origin is our own (HTTP/1.1 requires one; only an allowed origin passes)."""
    host = request.headers.get("host")
    own = f"{request.scope.get('scheme', 'http')}://{host}" if host else None
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            raise Rejection(403, "wrong_origin")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.rstrip("/") != own and origin.rstrip("/") not in allowed:
        raise Rejection(403, "wrong_origin")


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address; X-Forwarded-For is believed only when it comes from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    # Walk from the nearest hop outwards, skipping our own proxies.
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if hop not in trusted_proxies:
            return hop
    return peer


SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]


class SecurityHeaders:
    """Pure ASGI middleware: CSP, nosniff, referrer policy, framing; HSTS over HTTPS."""

    def __init__(self, app: ASGIApp, trusted_proxies: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https" or self._forwarded_https(scope)

        extra = SECURITY_HEADERS + (HSTS if https else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _forwarded_https(self, scope: Scope) -> bool:
        client = scope.get("client")
        if not client or client[0] not in self.trusted_proxies:
            return False
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-proto":
                return bool(value.decode("latin-1").strip().lower() == "https")
        return False
