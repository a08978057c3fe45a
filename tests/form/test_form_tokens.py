"""Form tokens: signed, for one language, not before the minimum fill time, not after the maximum age,
and every way of failing has its own reason code."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from forms_backend.form.tokens import (
    SALT,
    FormTokens,
    TokenExpired,
    TokenForged,
    TokenMissing,
    TokenRejected,
    TokenReplayed,
    TooFast,
)

KEY = "form-token-test-key-0123456789abcdef"
TOKENS = FormTokens([KEY], min_fill_seconds=3, max_age_seconds=3600)


def test_a_token_checked_after_the_fill_time_gives_its_nonce_language_and_time() -> None:
    token = TOKENS.issue("es")
    checked = TOKENS.check(token, "es", now=time.time() + 5)
    assert checked.lang == "es" and len(checked.nonce) >= 16
    assert abs(checked.issued_at - time.time()) < 5


def test_two_tokens_have_different_nonces() -> None:
    first, second = (TOKENS.check(TOKENS.issue("en"), "en", now=time.time() + 5) for _ in range(2))
    assert first.nonce != second.nonce


def test_a_form_sent_faster_than_a_person_can_fill_it_is_too_fast() -> None:
    token = TOKENS.issue("en")
    with pytest.raises(TooFast):
        TOKENS.check(token, "en", now=time.time() + 1)


def test_the_fill_time_is_measured_from_the_moment_of_issue() -> None:
    token = TOKENS.issue("en")
    issued = TOKENS.check(token, "en", now=time.time() + 10).issued_at
    TOKENS.check(token, "en", now=issued + 3)  # exactly the minimum: accepted
    with pytest.raises(TooFast):
        TOKENS.check(token, "en", now=issued + 2.9)


def test_a_token_older_than_the_maximum_age_has_expired() -> None:
    old = FormTokens([KEY], 0, max_age_seconds=3600)
    signer = TimestampSigner(KEY, salt=SALT)
    stale = signer.sign("nonce1234567890abcdef:en").decode()
    assert old.check(stale, "en").lang == "en"
    expired = TimestampSigner(KEY, salt=SALT)
    expired.get_timestamp = lambda: int(time.time()) - 3601  # type: ignore[method-assign]
    with pytest.raises(TokenExpired) as caught:
        old.check(expired.sign("nonce1234567890abcdef:en").decode(), "en")
    assert caught.value.reason == "token_expired"


def test_a_missing_token_is_missing_not_forged() -> None:
    with pytest.raises(TokenMissing) as caught:
        TOKENS.check("", "en")
    assert caught.value.reason == "token_missing"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        TimestampSigner("another key", salt=SALT).sign("nonce:en").decode(),
        TimestampSigner(KEY, salt="another.salt").sign("nonce:en").decode(),
        TimestampSigner(KEY, salt=SALT).sign(":en").decode(),  # no nonce
    ],
)
def test_a_token_we_did_not_sign_is_forged(token: str) -> None:
    with pytest.raises(TokenForged) as caught:
        TOKENS.check(token, "en", now=time.time() + 5)
    assert caught.value.reason == "token_invalid"


def test_a_token_for_the_other_language_is_forged() -> None:
    with pytest.raises(TokenForged):
        TOKENS.check(TOKENS.issue("en"), "es", now=time.time() + 5)


def test_a_token_longer_than_512_characters_is_refused_unread() -> None:
    long_payload = TimestampSigner(KEY, salt=SALT).sign("n" * 600 + ":en").decode()
    with pytest.raises(TokenForged):
        TOKENS.check(long_payload, "en", now=time.time() + 5)


def test_a_token_of_exactly_512_characters_is_read_and_one_more_is_not() -> None:
    signer = TimestampSigner(KEY, salt=SALT)
    overhead = len(signer.sign("x:en").decode()) - 1
    token = signer.sign("n" * (512 - overhead) + ":en").decode()
    assert len(token) == 512
    assert TOKENS.check(token, "en", now=time.time() + 5).nonce == "n" * (512 - overhead)
    longer = signer.sign("n" * (513 - overhead) + ":en").decode()
    assert len(longer) == 513
    with pytest.raises(TokenForged):
        TOKENS.check(longer, "en", now=time.time() + 5)


def test_a_token_signed_with_an_older_key_still_verifies_after_rotation() -> None:
    before = FormTokens([KEY], 3, 3600).issue("en")
    rotated = FormTokens([KEY, "the new key 0123456789abcdef0123"], 3, 3600)
    assert rotated.check(before, "en", now=time.time() + 5).lang == "en"
    with pytest.raises(TokenForged):
        FormTokens(["the new key 0123456789abcdef0123"], 3, 3600).check(before, "en", now=time.time() + 5)


def test_every_rejection_is_a_token_rejected_with_its_own_reason() -> None:
    reasons = {cls.reason for cls in (TokenMissing, TokenForged, TokenExpired, TooFast, TokenReplayed)}
    assert reasons == {"token_missing", "token_invalid", "token_expired", "too_fast", "token_used"}
    assert all(issubclass(cls, TokenRejected) for cls in (TokenMissing, TokenForged, TokenExpired, TooFast))
