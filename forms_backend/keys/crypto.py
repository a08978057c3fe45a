"""Field encryption at rest: AES-256-GCM with key ids, so keys can be rotated.

A sealed value is `key_id` + nonce + ciphertext; the row's reference is bound in as
associated data, so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DecryptionFailed(Exception):
    """A sealed value could not be opened: unknown key id, or tampered data."""


class FieldCipher:
    """`keys` maps key id -> 32-byte key; `current` is the id new values are sealed with."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("the current encryption key id is not among the keys")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"encryption key {key_id!r} must be 32 bytes")
        self.keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current

    @classmethod
    def from_spec(cls, spec: str) -> FieldCipher:
        """Parse 'id1:base64key,id2:base64key' — the first is current, the rest still decrypt."""
        keys: dict[str, bytes] = {}
        order = []
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, _, encoded = item.partition(":")
            keys[key_id] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            order.append(key_id)
        if not order:
            raise ValueError("no encryption keys given")
        return cls(keys, order[0])

    def seal(self, fields: Mapping[str, str], bound_to: str) -> bytes:
        nonce = os.urandom(12)
        plaintext = json.dumps(dict(fields), ensure_ascii=False, sort_keys=True).encode("utf-8")
        sealed = self.keys[self.current].encrypt(nonce, plaintext, bound_to.encode())
        return self.current.encode() + b":" + nonce + sealed

    def open(self, sealed: bytes, bound_to: str) -> dict[str, str]:
        key_id, sep, rest = bytes(sealed).partition(b":")
        aead = self.keys.get(key_id.decode(errors="replace"))
        if not sep or aead is None or len(rest) < 13:
            raise DecryptionFailed("unknown key id")
        try:
            plaintext = aead.decrypt(rest[:12], rest[12:], bound_to.encode())
        except InvalidTag:
            raise DecryptionFailed("data was altered or the key is wrong") from None
        value = json.loads(plaintext)
        return {str(k): str(v) for k, v in value.items()}

    def key_id_of(self, sealed: bytes) -> str:
        return bytes(sealed).partition(b":")[0].decode(errors="replace")


def new_key_spec(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"
