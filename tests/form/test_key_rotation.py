"""Secrets rotate without losing anything: old form tokens still verify, old rows still decrypt."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.keys.crypto import FieldCipher, new_key_spec
from tests.backend import FORM, make_settings, submit, token_from


def test_form_open_before_a_secret_rotation_can_still_be_sent(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "a", built_site, secret_keys=("old-secret",)))) as before:
        token = token_from(before.get(FORM["en"]).text)
    with TestClient(
        create_app(make_settings(tmp_path / "b", built_site, secret_keys=("old-secret", "new-secret")))
    ) as after:
        assert submit(after, token=token).status_code == 303
        assert "new-secret" not in token  # and new tokens are signed with the new key:
    with TestClient(create_app(make_settings(tmp_path / "c", built_site, secret_keys=("new-secret",)))) as only_new:
        fresh = token_from(only_new.get(FORM["en"]).text)
    with TestClient(
        create_app(make_settings(tmp_path / "d", built_site, secret_keys=("old-secret", "new-secret")))
    ) as rotated:
        assert submit(rotated, token=fresh).status_code == 303


def test_rows_sealed_with_an_old_key_decrypt_after_rotation(tmp_path: Path) -> None:
    old = new_key_spec("k1")
    new = new_key_spec("k2")
    sealed = FieldCipher.from_spec(old).seal({"message": "diagnosis"}, bound_to="REF1")
    rotated = FieldCipher.from_spec(f"{new},{old}")
    assert rotated.open(sealed, bound_to="REF1") == {"message": "diagnosis"}
    assert rotated.key_id_of(rotated.seal({"message": "x"}, bound_to="REF2")) == "k2"


def test_sealed_value_moved_to_another_row_does_not_decrypt(tmp_path: Path) -> None:
    import pytest

    from forms_backend.keys.crypto import DecryptionFailed

    cipher = FieldCipher.from_spec(new_key_spec())
    sealed = cipher.seal({"message": "private"}, bound_to="REF1")
    with pytest.raises(DecryptionFailed):
        cipher.open(sealed, bound_to="REF2")
