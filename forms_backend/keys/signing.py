"""itsdangerous' TimestampSigner with its derived keys computed once, not on every call.

Used for form tokens and confirmation links; `secret_keys` is oldest first: the last signs,
every key verifies, so a key can be rotated without breaking forms already on members' screens.
"""

from __future__ import annotations

from collections.abc import Sequence

from itsdangerous import TimestampSigner


class KeyedSigner(TimestampSigner):
    def __init__(self, secret_keys: Sequence[str | bytes], salt: str) -> None:
        super().__init__(list(secret_keys), salt=salt)  # type: ignore[arg-type]  # itsdangerous takes str and bytes keys alike
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        cache_key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived
