"""Signed, timestamped form tokens: a minimum fill time, a maximum age and single use.

The token carries a random nonce; storage records the nonce in the same transaction as the
submission, so a replayed token cannot store a second row.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired

from forms_backend.keys.signing import KeyedSigner

SALT = "memberpages.inquiry-form.v1"


class TokenRejected(Exception):
    """Base: the form token cannot be accepted. `reason` is a code the templates explain."""

    reason = "token_invalid"


class TokenMissing(TokenRejected):
    reason = "token_missing"


class TokenForged(TokenRejected):
    reason = "token_invalid"


class TokenExpired(TokenRejected):
    reason = "token_expired"


class TooFast(TokenRejected):
    reason = "too_fast"


class TokenReplayed(TokenRejected):
    reason = "token_used"


@dataclass(frozen=True)
class FormToken:
    nonce: str
    lang: str
    issued_at: float


class FormTokens:
    """Issue and check tokens. `secret_keys` is oldest first: the last signs, all verify (rotation)."""

    def __init__(self, secret_keys: Sequence[str | bytes], min_fill_seconds: float, max_age_seconds: int) -> None:
        self.signer = KeyedSigner(secret_keys, salt=SALT)
        self.min_fill_seconds = min_fill_seconds
        self.max_age_seconds = max_age_seconds

    def issue(self, lang: str) -> str:
        return self.signer.sign(f"{secrets.token_urlsafe(16)}:{lang}").decode()

    def check(self, token: str, lang: str, now: float | None = None) -> FormToken:
        """Verify signature, age, fill time and language; raise a `TokenRejected` subclass."""
        if not token:
            raise TokenMissing()
        if len(token) > 512:
            raise TokenForged()
        try:
            payload, signed_at = self.signer.unsign(token, max_age=self.max_age_seconds, return_timestamp=True)
        except SignatureExpired:
            raise TokenExpired() from None
        except BadSignature:
            raise TokenForged() from None
        nonce, _, token_lang = payload.decode().partition(":")
        if token_lang != lang or not nonce:
            raise TokenForged()
        issued = signed_at.timestamp()
        if (now if now is not None else time.time()) - issued < self.min_fill_seconds:
            raise TooFast()
        return FormToken(nonce, lang, issued)
