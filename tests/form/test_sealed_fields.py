"""Sealed fields (AES-256-GCM with key ids) and the blind index staff search by: what opens, what does
not, and which terms a submission and a typed search become."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from forms_backend.keys.crypto import DecryptionFailed, FieldCipher, new_key_spec
from forms_backend.keys.search_index import (
    DIGEST_BYTES,
    IndexKey,
    SearchIndex,
    fold_name,
    index_rows,
    new_search_key_spec,
    phone_term,
    query_terms,
    submission_terms,
)

KEY_A, KEY_B = b"a" * 32, b"b" * 32
FIELDS = {"first_name": "Ana", "message": "Mi reclamo fue negado — ¿por qué?"}


def b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


# -- sealing ------------------------------------------------------------------------------------------


def test_a_sealed_value_opens_to_the_same_fields_for_its_row() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    sealed = cipher.seal(FIELDS, "AB12-CD34-EF56")
    assert sealed.startswith(b"k1:") and b"Ana" not in sealed
    assert cipher.open(sealed, "AB12-CD34-EF56") == FIELDS
    assert cipher.key_id_of(sealed) == "k1"


def test_the_same_fields_seal_differently_each_time() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    assert cipher.seal(FIELDS, "r") != cipher.seal(FIELDS, "r")


def test_a_sealed_value_copied_onto_another_row_does_not_open() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    with pytest.raises(DecryptionFailed, match="altered"):
        cipher.open(cipher.seal(FIELDS, "AB12-CD34-EF56"), "AB12-CD34-EF57")


def test_a_changed_byte_does_not_open() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    sealed = bytearray(cipher.seal(FIELDS, "r"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        cipher.open(bytes(sealed), "r")


@pytest.mark.parametrize("sealed", [b"k9:" + b"\0" * 40, b"no separator", b"k1:" + b"\0" * 12, b""])
def test_an_unknown_key_id_or_a_truncated_value_does_not_open(sealed: bytes) -> None:
    with pytest.raises(DecryptionFailed, match="unknown key id"):
        FieldCipher({"k1": KEY_A}, "k1").open(sealed, "r")


def test_a_key_id_that_is_not_text_does_not_open() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    with pytest.raises(DecryptionFailed):
        cipher.open(b"\xff\xfe:" + b"\0" * 40, "r")
    assert cipher.key_id_of(b"\xff:" + b"\0" * 40) == "\ufffd"


def test_the_key_id_is_what_comes_before_the_first_colon() -> None:
    assert FieldCipher({"k1": KEY_A}, "k1").key_id_of(b"k1:nonce:with:colons") == "k1"


def test_what_a_failure_says_names_its_cause_and_nothing_of_the_data() -> None:
    cipher = FieldCipher({"k1": KEY_A}, "k1")
    with pytest.raises(DecryptionFailed) as unknown:
        cipher.open(b"k9:" + b"\0" * 40, "r")
    assert str(unknown.value) == "unknown key id"
    with pytest.raises(DecryptionFailed) as altered:
        cipher.open(cipher.seal(FIELDS, "r"), "other row")
    assert str(altered.value) == "data was altered or the key is wrong"


def test_the_shortest_sealed_value_still_reaches_the_cipher() -> None:
    with pytest.raises(DecryptionFailed, match="altered"):
        FieldCipher({"k1": KEY_A}, "k1").open(b"k1:" + b"\0" * 13, "r")


def test_after_rotation_new_values_use_the_new_key_and_old_ones_still_open() -> None:
    old = FieldCipher({"k1": KEY_A}, "k1").seal(FIELDS, "r")
    rotated = FieldCipher.from_spec(f"k2:{b64(KEY_B)}, k1:{b64(KEY_A)}")
    assert rotated.current == "k2"
    assert rotated.open(old, "r") == FIELDS
    assert rotated.key_id_of(rotated.seal(FIELDS, "r")) == "k2"


def test_a_key_spec_must_name_a_32_byte_key() -> None:
    with pytest.raises(ValueError, match="^no encryption keys given$"):
        FieldCipher.from_spec(" , ")
    for wrong in (b"short", b"k" * 37):
        with pytest.raises(ValueError, match="^encryption key 'k1' must be 32 bytes$"):
            FieldCipher.from_spec(f"k1:{b64(wrong)}")
    with pytest.raises(ValueError, match="^the current encryption key id is not among the keys$"):
        FieldCipher({"k1": KEY_A}, "k2")


def test_a_new_key_spec_is_a_fresh_32_byte_key_in_unpadded_base64() -> None:
    spec = new_key_spec("k7")
    assert re.fullmatch(r"k7:[A-Za-z0-9_-]{43}", spec) and spec != new_key_spec("k7")
    assert FieldCipher.from_spec(spec).current == "k7"
    assert FieldCipher.from_spec(new_key_spec()).current == "k1"


# -- the terms of the blind index -------------------------------------------------------------------------


def test_names_fold_case_accents_and_spaces() -> None:
    assert fold_name("  Núñez   DE la  Peña ") == "nunez de la pena"


@pytest.mark.parametrize(
    ("typed", "term"),
    [
        ("(513) 555-0142", "+15135550142"),
        ("1 513 555 0142", "+15135550142"),
        ("5135550142", "+15135550142"),
        ("25135550142", None),
        ("555-0142", None),
    ],
)
def test_a_phone_number_however_typed_is_one_term(typed: str, term: str | None) -> None:
    assert phone_term(typed) == term


def test_a_submission_is_found_by_its_reference_contacts_and_names() -> None:
    fields = {
        "phone": "5135550142",
        "member_id": "ab 123 4567",
        "email": " Ana@Example.org ",
        "first_name": "Ána",
        "last_name": "García López",
    }
    assert submission_terms("AB12-CD34-EF56", fields) == [
        ("reference", "AB12CD34EF56"),
        ("phone", "+15135550142"),
        ("member_id", "AB1234567"),
        ("email", "ana@example.org"),
        ("first_name", "ana"),
        ("last_name", "garcia lopez"),
        ("full_name", "ana garcia lopez"),
    ]


def test_empty_fields_give_no_terms() -> None:
    assert submission_terms("AB12-CD34-EF56", {"phone": "12", "first_name": ""}) == [("reference", "AB12CD34EF56")]


def test_a_typed_search_is_read_every_way_it_could_mean() -> None:
    assert query_terms("ab12 cd34 ef56") == [("reference", "AB12CD34EF56"), ("member_id", "AB12CD34EF56")]
    assert query_terms("Ana@Example.org") == [("email", "ana@example.org")]
    assert query_terms("(513) 555-0142") == [("phone", "+15135550142")]
    assert query_terms("Núñez") == [("first_name", "nunez"), ("last_name", "nunez"), ("full_name", "nunez")]
    assert query_terms("   ") == []


def test_a_reference_spelled_with_letters_for_digits_is_also_searched_as_a_name() -> None:
    assert query_terms("oooo iiii llll") == [
        ("reference", "000011111111"),
        ("first_name", "oooo iiii llll"),
        ("last_name", "oooo iiii llll"),
        ("full_name", "oooo iiii llll"),
    ]


def test_a_word_with_a_digit_is_not_searched_as_a_name() -> None:
    assert query_terms("abc1234") == [("member_id", "ABC1234")]


# -- digests -----------------------------------------------------------------------------------------------


def test_the_digest_and_key_derivation_are_fixed_so_stored_indexes_stay_valid() -> None:
    """Changing either would leave every stored digest unfindable: HMAC-SHA256(key, field 0x00 term)[:16],
    under a key derived from the secret with HKDF-SHA256 and this info string."""
    secret = b"s" * 32
    index = SearchIndex.from_spec(f"s1:{b64(secret)}")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"memberpages.search-index.v1").derive(secret)
    assert index.current.key == key
    expected = hmac.new(key, b"last_name\0garc\xc3\xada", hashlib.sha256).digest()[:16]
    assert index.current.digest("last_name", "garcía") == expected


def test_a_digest_is_16_bytes_and_depends_on_key_field_and_term() -> None:
    key = IndexKey("s1", b"k" * 32)
    digest = key.digest("last_name", "garcia")
    assert len(digest) == DIGEST_BYTES
    assert digest == IndexKey("s1", b"k" * 32).digest("last_name", "garcia")
    assert digest != key.digest("first_name", "garcia")
    assert digest != key.digest("last_name", "garcia ")
    assert digest != IndexKey("s1", b"j" * 32).digest("last_name", "garcia")


def test_a_search_finds_the_rows_a_submission_was_indexed_with() -> None:
    index = SearchIndex.from_spec(new_search_key_spec("s1"))
    rows = index.rows_for(7, "AB12-CD34-EF56", {"last_name": "García", "phone": "513-555-0142"})
    stored = {digest for _, _, digest in rows}
    assert {submission for submission, _, _ in rows} == {7} and {key for _, key, _ in rows} == {"s1"}
    assert set(index.lookups("garcia")) & stored
    assert set(index.lookups("(513) 555 0142")) & stored
    assert not set(index.lookups("Gomez")) & stored


def test_after_rotation_new_rows_use_the_new_key_and_searches_try_both() -> None:
    old_spec, new_spec = new_search_key_spec("s1"), new_search_key_spec("s2")
    old_rows = SearchIndex.from_spec(old_spec).rows_for(1, "AB12-CD34-EF56", {"last_name": "García"})
    rotated = SearchIndex.from_spec(f"{new_spec},{old_spec}")
    assert rotated.current.key_id == "s2"
    assert {d for _, _, d in old_rows} & set(rotated.lookups("garcia"))
    assert len(rotated.lookups("garcia")) == 2 * len(SearchIndex.from_spec(old_spec).lookups("garcia"))


def test_a_search_secret_may_be_any_length_from_32_bytes() -> None:
    for length in range(32, 41):
        assert len(SearchIndex.from_spec(f"s1:{b64(b'x' * length)}").current.key) == 32


def test_search_keys_are_derived_not_used_raw_and_must_be_long() -> None:
    secret = b"s" * 32
    index = SearchIndex.from_spec(f"s1:{b64(secret)}")
    assert index.current.key != secret and len(index.current.key) == 32
    with pytest.raises(ValueError, match="at least 32 bytes"):
        SearchIndex.from_spec(f"s1:{b64(b'short')}")
    with pytest.raises(ValueError, match="^no search keys given$"):
        SearchIndex.from_spec("")
    assert re.fullmatch(r"s1:[A-Za-z0-9_-]{43}", new_search_key_spec())


def test_index_rows_indexes_many_submissions_at_once() -> None:
    index = SearchIndex.from_spec(new_search_key_spec())
    many = index_rows(index, [(1, "AB12-CD34-EF56", {}), (2, "AB12-CD34-EF57", {"first_name": "Bea"})])
    assert [submission for submission, _, _ in many] == [1, 2, 2, 2]
