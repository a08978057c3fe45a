"""The checks every form POST passes before its fields are read, and the headers every response gets,
each on a real Starlette request built from raw bytes (as a client or an attacker would send them).
Coroutines run through `run_async`: the browser tests keep an event loop running in the main thread."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import Message, Receive, Scope, Send

from forms_backend.form.guards import (
    CSP,
    Rejection,
    SecurityHeaders,
    check_origin,
    client_address,
    parse_urlencoded,
    parse_urlencoded_lists,
    read_capped_body,
    require_form_content_type,
)
from tests.conftest import run_async

FIELDS = frozenset({"first_name", "last_name"})


def request(
    headers: Iterable[tuple[str, str]] = (),
    body_chunks: Iterable[bytes] = (b"",),
    client: tuple[str, int] | None = ("203.0.113.9", 50000),
    scheme: str | None = "http",
) -> Request:
    chunks = list(body_chunks)

    async def receive() -> Message:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/en/tell-us/",
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
        "client": client,
    }
    if scheme is not None:  # ASGI makes it optional: "http" when absent
        scope["scheme"] = scheme
    return Request(scope, receive)


def rejection(call: object) -> tuple[int, str]:
    with pytest.raises(Rejection) as caught:
        run_async(lambda: call) if asyncio.iscoroutine(call) else call()  # type: ignore[operator]
    return caught.value.status, caught.value.reason


# -- the body cap ---------------------------------------------------------------------------------


def test_a_body_of_exactly_the_limit_is_read_whole() -> None:
    body = run_async(lambda: read_capped_body(request([("content-length", "10")], [b"12345", b"67890"]), 10))
    assert body == b"1234567890"


def test_a_body_one_byte_over_the_limit_is_refused_as_it_streams() -> None:
    assert rejection(read_capped_body(request(body_chunks=[b"123456", b"78901"]), 10)) == (413, "too_large")


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    assert rejection(read_capped_body(request([("content-length", "11")], [b"1"]), 10)) == (413, "too_large")


@pytest.mark.parametrize("declared", ["ten", "-1", "1e3", " 5", "²"])
def test_a_content_length_that_is_not_plain_digits_is_refused(declared: str) -> None:
    headers = [("content-length", declared)]
    status_reason = rejection(read_capped_body(request(headers, [b"12345"]), 10))
    assert status_reason == (413, "too_large")


def test_a_body_with_no_declared_length_is_read_to_the_limit() -> None:
    assert run_async(lambda: read_capped_body(request(body_chunks=[b"abc"]), 3)) == b"abc"


# -- the content type ------------------------------------------------------------------------------


def test_the_form_encoding_is_accepted_with_parameters_and_any_case() -> None:
    headers = [("content-type", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")]
    assert require_form_content_type(request(headers)) == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded-evil",
        "text/application/x-www-form-urlencoded",
        "urlencoded",
        "",
    ],
)
def test_any_other_content_type_is_refused(content_type: str) -> None:
    assert rejection(lambda: require_form_content_type(request([("content-type", content_type)]))) == (
        415,
        "wrong_type",
    )


# -- strict parsing ---------------------------------------------------------------------------------


def test_a_body_is_decoded_as_utf8_with_plus_as_space() -> None:
    assert parse_urlencoded(b"first_name=Jos%C3%A9+Mar%C3%ADa&last_name=O%27Brien", FIELDS) == {
        "first_name": "José María",
        "last_name": "O'Brien",
    }


def test_an_empty_body_has_no_fields() -> None:
    assert parse_urlencoded(b"", FIELDS) == {}


@pytest.mark.parametrize(
    "body",
    [
        b"first_name=%FF%FE",  # invalid UTF-8, percent-encoded
        b"first_name=Ana%C3",  # a UTF-8 sequence cut short
        "first_name=Zoë".encode(),  # raw non-ASCII bytes in the body
        b"first_name=a%00b",  # a NUL
        b"first_name=Ana&first_name=Bea",  # a field twice
        b"first_name=Ana&admin=1",  # an unknown field
        b"first_name",  # no '='
        b"first_name=Ana&",  # an empty pair
    ],
)
def test_anything_but_known_fields_once_in_valid_utf8_is_unreadable(body: bytes) -> None:
    assert rejection(lambda: parse_urlencoded(body, FIELDS)) == (400, "unreadable")


def test_repeated_fields_are_collected_up_to_their_limit() -> None:
    fields, lists = parse_urlencoded_lists(b"first_name=a&ref=1&ref=2", FIELDS, frozenset({"ref"}), most=2)
    assert fields == {"first_name": "a"} and lists == {"ref": ["1", "2"]}
    assert rejection(lambda: parse_urlencoded_lists(b"ref=1&ref=2&ref=3", FIELDS, frozenset({"ref"}), most=2)) == (
        400,
        "unreadable",
    )


def test_a_repeated_field_comes_at_most_200_times_unless_told() -> None:
    fields, lists = parse_urlencoded_lists(b"&".join([b"ref=1"] * 200), FIELDS, frozenset({"ref"}))
    assert len(lists["ref"]) == 200
    too_many = b"&".join([b"ref=1"] * 201)
    assert rejection(lambda: parse_urlencoded_lists(too_many, FIELDS, frozenset({"ref"}))) == (400, "unreadable")


def test_an_equals_sign_in_a_value_belongs_to_the_value() -> None:
    assert parse_urlencoded(b"first_name=a=b", FIELDS) == {"first_name": "a=b"}


def test_a_rejection_reads_as_its_reason() -> None:
    assert str(Rejection(413, "too_large")) == "too_large"


def test_a_repeated_field_may_be_absent() -> None:
    assert parse_urlencoded_lists(b"first_name=a", FIELDS, frozenset({"ref"})) == ({"first_name": "a"}, {"ref": []})


# -- origin ------------------------------------------------------------------------------------------


def test_a_post_from_our_own_pages_is_accepted() -> None:
    check_origin(request([("host", "members.example.org"), ("origin", "http://members.example.org")]), frozenset())


def test_over_https_our_own_origin_is_https() -> None:
    headers = [("host", "members.example.org"), ("origin", "https://members.example.org")]
    check_origin(request(headers, scheme="https"), frozenset())
    plain = [("host", "members.example.org"), ("origin", "http://members.example.org")]
    assert rejection(lambda: check_origin(request(plain, scheme="https"), frozenset())) == (403, "wrong_origin")


def test_a_server_that_gives_no_scheme_is_taken_as_http() -> None:
    headers = [("host", "members.example.org"), ("origin", "http://members.example.org")]
    check_origin(request(headers, scheme=None), frozenset())


def test_our_own_origin_may_end_in_a_slash() -> None:
    check_origin(request([("host", "members.example.org"), ("origin", "http://members.example.org/")]), frozenset())


def test_without_a_host_header_only_an_allowed_origin_passes() -> None:
    for hostless in (request([("origin", "http://")]), request([("origin", "http://None")])):
        assert rejection(lambda: check_origin(hostless, frozenset())) == (403, "wrong_origin")  # noqa: B023
    check_origin(request([("origin", "https://www.example.org")]), frozenset({"https://www.example.org"}))


def test_an_origin_that_only_adds_letters_to_an_accepted_one_is_refused() -> None:
    ours = [("host", "members.example.org"), ("origin", "http://members.example.orgX")]
    assert rejection(lambda: check_origin(request(ours), frozenset())) == (403, "wrong_origin")
    allowed = [("host", "backend:8000"), ("origin", "https://www.example.orgX")]
    assert rejection(lambda: check_origin(request(allowed), frozenset({"https://www.example.org"}))) == (
        403,
        "wrong_origin",
    )


def test_a_post_from_an_allowed_origin_is_accepted() -> None:
    allowed = frozenset({"https://www.example.org"})
    check_origin(request([("host", "backend:8000"), ("origin", "https://www.example.org/")]), allowed)


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://members.example.org.evil.example", "http://members.example.org:8080", "null"],
)
def test_a_post_from_elsewhere_is_refused(origin: str) -> None:
    headers = [("host", "members.example.org"), ("origin", origin)]
    assert rejection(lambda: check_origin(request(headers), frozenset())) == (403, "wrong_origin")


def test_without_origin_the_referer_decides() -> None:
    own = [("host", "members.example.org"), ("referer", "http://members.example.org/en/tell-us/?x=1")]
    check_origin(request(own), frozenset())
    other = [("host", "members.example.org"), ("referer", "http://evil.example/members.example.org")]
    assert rejection(lambda: check_origin(request(other), frozenset())) == (403, "wrong_origin")


def test_a_null_origin_falls_back_to_the_referer() -> None:
    headers = [("host", "members.example.org"), ("origin", "null"), ("referer", "http://members.example.org/")]
    check_origin(request(headers), frozenset())


def test_no_origin_and_no_referer_is_refused() -> None:
    assert rejection(lambda: check_origin(request([("host", "members.example.org")]), frozenset())) == (
        403,
        "wrong_origin",
    )


# -- the client's address ---------------------------------------------------------------------------

PROXIES = frozenset({"127.0.0.1", "10.0.0.2"})


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    spoofed = request([("x-forwarded-for", "198.51.100.7")], client=("203.0.113.9", 1))
    assert client_address(spoofed, PROXIES) == "203.0.113.9"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    forwarded = request([("x-forwarded-for", "198.51.100.66, 198.51.100.7, 10.0.0.2")], client=("127.0.0.1", 1))
    assert client_address(forwarded, PROXIES) == "198.51.100.7"


def test_a_hop_that_is_not_an_address_makes_the_peer_the_client() -> None:
    forwarded = request([("x-forwarded-for", "not-an-ip, 10.0.0.2")], client=("127.0.0.1", 1))
    assert client_address(forwarded, PROXIES) == "127.0.0.1"


def test_a_request_with_no_client_address_is_from_unknown() -> None:
    assert client_address(request(client=None), PROXIES) == "unknown"


def test_a_trusted_proxy_that_forwards_no_address_is_the_client() -> None:
    assert client_address(request(client=("127.0.0.1", 1)), PROXIES) == "127.0.0.1"


def test_only_trusted_hops_make_the_peer_the_client() -> None:
    forwarded = request([("x-forwarded-for", "10.0.0.2")], client=("127.0.0.1", 1))
    assert client_address(forwarded, PROXIES) == "127.0.0.1"


# -- security headers --------------------------------------------------------------------------------


def response_headers(scope_changes: dict[str, object], app_headers: dict[str, str] | None = None) -> dict[str, str]:
    inner = PlainTextResponse("ok", headers=app_headers)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await inner(scope, receive, send)

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "scheme": "http"} | scope_changes
    scope = {name: value for name, value in scope.items() if value is not None}  # None: leave the key out
    run_async(lambda: SecurityHeaders(app, trusted_proxies=frozenset({"127.0.0.1"}))(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return {name.decode(): value.decode() for name, value in start["headers"]}


def test_every_response_gets_the_security_headers() -> None:
    headers = response_headers({})
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers


def test_a_header_the_app_set_is_not_overwritten() -> None:
    assert response_headers({}, {"x-frame-options": "SAMEORIGIN"})["x-frame-options"] == "SAMEORIGIN"


def test_a_response_started_without_headers_gets_them_all() -> None:
    sent: list[Message] = []

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    run_async(lambda: SecurityHeaders(bare)({"type": "http", "headers": [], "scheme": "http"}, receive, send))
    names = {name for name, _ in sent[0]["headers"]}
    assert {b"content-security-policy", b"x-frame-options", b"x-content-type-options"} <= names


def test_a_trusted_proxy_that_says_nothing_of_https_gets_no_hsts() -> None:
    assert "strict-transport-security" not in response_headers({"client": ("127.0.0.1", 1)})
    assert "strict-transport-security" not in response_headers({"client": ("127.0.0.1", 1), "headers": None})


def test_hsts_only_over_https_directly_or_from_a_trusted_proxy() -> None:
    assert "strict-transport-security" in response_headers({"scheme": "https"})
    via_proxy = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-proto", b"HTTPS")]}
    assert "strict-transport-security" in response_headers(via_proxy)
    untrusted = {"client": ("203.0.113.9", 1), "headers": [(b"x-forwarded-proto", b"https")]}
    assert "strict-transport-security" not in response_headers(untrusted)
    not_https = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-proto", b"https-please")]}
    assert "strict-transport-security" not in response_headers(not_https)
