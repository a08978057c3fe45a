"""The Tell Us form's validation, field by field, without HTTP: what is accepted, how it is normalised,
and which error code each mistake gets (the templates turn codes into sentences)."""

from __future__ import annotations

from datetime import date

import pytest

from forms_backend.form.fields import MAX_LENGTH, birth_date, validate

TODAY = date(2026, 12, 5)
GOOD = {
    "first_name": "Ana",
    "last_name": "García",
    "member_id": "AB1234567",
    "dob_day": "5",
    "dob_month": "3",
    "dob_year": "1980",
    "phone": "(513) 555-0142",
    "email": "ana@example.org",
    "contact_method": "phone",
    "preferred_language": "es",
    "topic": "claims",
    "message": "My claim was denied.",
}


def with_(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def errors_of(raw: dict[str, str]) -> dict[str, str]:
    return validate(raw, TODAY).errors


def test_a_complete_submission_is_accepted_and_normalised() -> None:
    result = validate(GOOD, TODAY)
    assert result.ok and result.errors == {}
    assert result.inquiry is not None
    assert result.inquiry.phone == "5135550142"
    assert result.inquiry.date_of_birth == "1980-03-05"
    assert result.inquiry.member_id == "AB1234567"
    assert result.inquiry.identifying() == {
        "first_name": "Ana",
        "last_name": "García",
        "member_id": "AB1234567",
        "date_of_birth": "1980-03-05",
        "phone": "5135550142",
        "email": "ana@example.org",
        "message": "My claim was denied.",
    }


def test_a_field_missing_from_the_post_is_treated_as_empty() -> None:
    raw = dict(GOOD)
    del raw["first_name"]
    assert errors_of(raw) == {"first_name": "required"}


def test_an_empty_post_names_every_required_field() -> None:
    assert errors_of({}) == {
        "first_name": "required",
        "last_name": "required",
        "phone": "phone_or_email",
        "contact_method": "choose_one",
        "preferred_language": "choose_one",
        "topic": "choose_one",
        "message": "required",
    }


def test_a_phone_number_with_a_leading_1_is_stored_as_ten_digits() -> None:
    result = validate(with_(phone="1-513-555-0142"), TODAY)
    assert result.inquiry is not None and result.inquiry.phone == "5135550142"


def test_eleven_digits_not_starting_with_1_are_not_a_phone_number() -> None:
    assert errors_of(with_(phone="2-513-555-0142")) == {"phone": "phone_invalid"}


@pytest.mark.parametrize("phone", ["113-555-0142", "513-155-0142", "555-0142", "513 555 0142 ext 9"])
def test_numbers_no_us_line_has_are_refused(phone: str) -> None:
    assert errors_of(with_(phone=phone)) == {"phone": "phone_invalid"}


def test_a_phone_number_may_be_written_with_a_plus_and_dots() -> None:
    result = validate(with_(phone="+1 513.555.0142"), TODAY)
    assert result.inquiry is not None and result.inquiry.phone == "5135550142"


def test_spaces_in_a_member_id_are_allowed_and_dropped() -> None:
    result = validate(with_(member_id="ab 123 4567"), TODAY)
    assert result.inquiry is not None and result.inquiry.member_id == "AB1234567"


@pytest.mark.parametrize("member_id", ["AB12", "AB-1234567", "A" * 21])
def test_a_member_id_must_be_6_to_20_letters_and_digits(member_id: str) -> None:
    assert errors_of(with_(member_id=member_id)) == {
        "member_id": "too_long" if len(member_id) > MAX_LENGTH["member_id"] else "member_id_invalid"
    }


def test_a_member_id_of_twenty_characters_may_be_written_in_groups() -> None:
    result = validate(with_(member_id="1234 5678 9012 3456"), TODAY)
    assert result.inquiry is not None and result.inquiry.member_id == "1234567890123456"


def test_the_member_id_is_optional() -> None:
    result = validate(with_(member_id=""), TODAY)
    assert result.inquiry is not None and result.inquiry.member_id == ""


def test_a_tab_or_line_break_in_a_one_line_field_is_read_as_one_space() -> None:
    result = validate(with_(first_name="Ana\tMaría", last_name="García\n López"), TODAY)
    assert result.inquiry is not None
    assert (result.inquiry.first_name, result.inquiry.last_name) == ("Ana María", "García López")


def test_a_control_character_in_a_one_line_field_is_refused() -> None:
    assert errors_of(with_(last_name="Gar\x07cía")) == {"last_name": "invalid_characters"}


def test_the_message_keeps_its_line_breaks_and_tabs() -> None:
    result = validate(with_(message="  First line\r\n\tSecond line  "), TODAY)
    assert result.inquiry is not None and result.inquiry.message == "First line\n\tSecond line"


def test_a_control_character_in_the_message_is_refused() -> None:
    assert errors_of(with_(message="Hello\x00there")) == {"message": "invalid_characters"}


def test_a_message_of_only_spaces_is_missing() -> None:
    assert errors_of(with_(message="   \n  ")) == {"message": "required"}


@pytest.mark.parametrize("name", ["first_name", "last_name", "message", "email"])
def test_each_field_may_hold_exactly_its_limit_and_no_more(name: str) -> None:
    limit = MAX_LENGTH[name]
    fits = longest_email() if name == "email" else "a" * limit
    assert len(fits) == limit
    assert name not in errors_of(with_(**{name: fits}))
    assert errors_of(with_(**{name: fits + "a"}))[name] == "too_long"


def longest_email() -> str:
    """254 characters: a 64-character name at labels of up to 63 characters."""
    domain = ".".join(["b" * 63, "c" * 63, "d" * 57, "org"])
    return "a" * 64 + "@" + domain


def test_both_names_are_checked_when_the_first_has_an_error() -> None:
    assert errors_of(with_(first_name="x" * 101, last_name="")) == {"first_name": "too_long", "last_name": "required"}


def test_names_of_any_script_with_apostrophes_and_hyphens_are_accepted() -> None:
    for first, last in (("Zoë", "O'Brien"), ("José", "Smith-Jones Jr."), ("Nguyễn", "Văn"), ("محمد", "علي")):
        assert validate(with_(first_name=first, last_name=last), TODAY).ok, (first, last)


@pytest.mark.parametrize("last_name", ["R2D2", "-Smith", "Smith_Jones"])
def test_a_name_must_start_with_a_letter_and_hold_no_digits(last_name: str) -> None:
    assert errors_of(with_(last_name=last_name)) == {"last_name": "name_invalid"}


def test_a_zero_width_joiner_is_allowed_between_letters_of_a_name_only() -> None:
    assert validate(with_(first_name="می\u200cخواهم", last_name="می\u200cخواهم"), TODAY).ok
    assert errors_of(with_(first_name="\u200cAna")) == {"first_name": "invalid_characters"}
    assert errors_of(with_(email="ana\u200c@example.org")) == {"email": "invalid_characters"}


def test_a_bidi_override_is_refused_in_a_name_but_kept_in_the_message() -> None:
    assert errors_of(with_(last_name="Gar\u202ecía")) == {"last_name": "invalid_characters"}
    result = validate(with_(message="abc \u202e def"), TODAY)
    assert result.inquiry is not None and "\u202e" in result.inquiry.message


@pytest.mark.parametrize("email", ["ana@", "ana@example", "ana example@example.org", "@example.org"])
def test_an_email_address_must_have_a_name_a_domain_and_a_dot(email: str) -> None:
    assert errors_of(with_(email=email)) == {"email": "email_invalid"}


def test_the_email_address_is_kept_as_typed() -> None:
    result = validate(with_(email="Ana.Garcia+form@Example.ORG"), TODAY)
    assert result.inquiry is not None and result.inquiry.email == "Ana.Garcia+form@Example.ORG"


def test_a_phone_number_with_words_in_it_is_refused() -> None:
    assert errors_of(with_(phone="(513) 555-0142 call me")) == {"phone": "phone_invalid"}


def test_a_too_long_phone_or_email_is_too_long_whatever_else_is_wrong() -> None:
    assert errors_of(with_(phone="x" * 31)) == {"phone": "too_long"}
    assert errors_of(with_(email="x" * 255)) == {"email": "too_long"}


def test_either_a_phone_or_an_email_is_needed() -> None:
    assert errors_of(with_(phone="", email="")) == {"phone": "phone_or_email"}
    by_email = validate(with_(phone="", contact_method="email"), TODAY)
    assert by_email.inquiry is not None and by_email.inquiry.phone == ""
    assert validate(with_(email=""), TODAY).ok


def test_the_chosen_way_to_answer_needs_its_field() -> None:
    assert errors_of(with_(email="", contact_method="email")) == {"email": "required_for_email"}
    assert errors_of(with_(phone="", contact_method="phone")) == {"phone": "required_for_phone"}


def test_an_invalid_phone_is_reported_as_invalid_not_as_missing() -> None:
    assert errors_of(with_(phone="12", contact_method="phone")) == {"phone": "phone_invalid"}


@pytest.mark.parametrize(
    ("name", "value"), [("contact_method", "fax"), ("preferred_language", "fr"), ("topic", "lottery")]
)
def test_choices_outside_the_list_are_refused(name: str, value: str) -> None:
    assert errors_of(with_(**{name: value})) == {name: "choose_one"}


def test_the_date_of_birth_is_optional_but_all_or_nothing() -> None:
    result = validate(with_(dob_day="", dob_month="", dob_year=""), TODAY)
    assert result.inquiry is not None and result.inquiry.date_of_birth == ""
    assert errors_of(with_(dob_day="")) == {"date_of_birth": "date_missing_day"}
    assert errors_of(with_(dob_month="", dob_year="")) == {"date_of_birth": "date_missing_month_year"}


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (("5", "3", "80"), "date_year_four_digits"),
        (("5", "Mr", "1980"), "date_not_numbers"),
        (("٥", "3", "1980"), "date_not_numbers"),
        (("31", "2", "1980"), "date_invalid"),
        (("6", "12", "2026"), "date_in_future"),
        (("5", "12", "1895"), "date_too_old"),
    ],
)
def test_each_date_mistake_has_its_own_code(parts: tuple[str, str, str], code: str) -> None:
    day, month, year = parts
    assert errors_of(with_(dob_day=day, dob_month=month, dob_year=year)) == {"date_of_birth": code}


def test_a_date_part_that_is_too_long_is_one_error_for_the_date() -> None:
    assert errors_of(with_(dob_day="123")) == {"date_of_birth": "too_long"}
    assert errors_of(with_(dob_year="19800")) == {"date_of_birth": "too_long"}


def test_the_oldest_and_newest_dates_of_birth_accepted() -> None:
    assert validate(with_(dob_day="5", dob_month="12", dob_year="2026"), TODAY).ok
    assert validate(with_(dob_day="1", dob_month="1", dob_year="1896"), TODAY).ok


def test_birth_date_reads_the_three_parts_or_gives_none() -> None:
    assert birth_date({"dob_day": "5", "dob_month": "3", "dob_year": "1980"}) == date(1980, 3, 5)
    assert birth_date({"dob_day": "", "dob_month": "3", "dob_year": "1980"}) is None
    assert birth_date({}) is None


def test_a_valid_submission_keeps_its_values_as_typed_beside_the_inquiry() -> None:
    result = validate(with_(member_id="ab 123 4567"), TODAY)
    assert result.values["member_id"] == "ab 123 4567" and result.values["dob_day"] == "5"


def test_values_are_given_back_as_cleaned_for_the_form_to_show_again() -> None:
    result = validate(with_(first_name="  Ana   María ", topic="lottery"), TODAY)
    assert result.values["first_name"] == "Ana María"
    assert result.values["topic"] == "lottery"


def test_decomposed_accents_are_composed() -> None:
    result = validate(with_(last_name="Garci\u0301a"), TODAY)
    assert result.inquiry is not None and result.inquiry.last_name == "García"
