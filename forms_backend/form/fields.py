"""The Tell Us form's fields and their validation, with no HTTP in it.

Validation returns error *codes*; the templates turn each code into a kind sentence in the
member's language, so no user-facing text lives here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from forms_backend.form.hidden_characters import has_hidden_characters

TOPICS = ("prior_authorization", "claims", "benefits", "pharmacy", "complaint", "other")
CONTACT_METHODS = ("phone", "email")
PREFERRED_LANGUAGES = ("en", "es", "other")
# The date of birth is three fields, so no member can write an ambiguous date (03/05 is 5 March to
# a Spanish speaker and 3 May to an English one); it is stored as one ISO date.
DATE_PARTS = ("dob_day", "dob_month", "dob_year")
FIELD_NAMES = (
    "first_name",
    "last_name",
    "member_id",
    *DATE_PARTS,
    "phone",
    "email",
    "contact_method",
    "preferred_language",
    "topic",
    "message",
)
MAX_LENGTH = {
    "first_name": 100,
    "last_name": 100,
    "member_id": 20,
    "dob_day": 2,
    "dob_month": 2,
    "dob_year": 4,
    "phone": 30,
    "email": 254,
    "contact_method": 10,
    "preferred_language": 10,
    "topic": 40,
    "message": 2000,
}
# Which of the three date fields each date-of-birth error is about (the others are fine).
DATE_ERROR_PARTS = {
    "date_missing_day": ("dob_day",),
    "date_missing_month": ("dob_month",),
    "date_missing_year": ("dob_year",),
    "date_missing_day_month": ("dob_day", "dob_month"),
    "date_missing_day_year": ("dob_day", "dob_year"),
    "date_missing_month_year": ("dob_month", "dob_year"),
    "date_not_numbers": DATE_PARTS,
    "date_year_four_digits": ("dob_year",),
    "date_invalid": DATE_PARTS,
    "date_in_future": DATE_PARTS,
    "date_too_old": ("dob_year",),
    "too_long": DATE_PARTS,
    "invalid_characters": DATE_PARTS,
}
EMAIL = re.compile(
    r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
MEMBER_ID = re.compile(r"[A-Za-z0-9]{6,20}")
# Letters of any script, spaces, and the punctuation real names carry (O'Brien, Smith-Jones, Jr.).
# Zero-width (non-)joiners spell Persian and Indic names; has_hidden_characters allows them only between letters.
NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '’.\-\u200c\u200d])*", re.UNICODE)


@dataclass(frozen=True)
class Inquiry:
    """A valid submission, normalised."""

    first_name: str
    last_name: str
    member_id: str
    date_of_birth: str
    phone: str
    email: str
    contact_method: str
    preferred_language: str
    topic: str
    message: str

    def identifying(self) -> dict[str, str]:
        """The fields that identify the member or may hold health information: encrypted at rest."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "member_id": self.member_id,
            "date_of_birth": self.date_of_birth,
            "phone": self.phone,
            "email": self.email,
            "message": self.message,
        }


@dataclass
class Validation:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)  # field name -> error code
    inquiry: Inquiry | None = None

    @property
    def ok(self) -> bool:
        return self.inquiry is not None


def validate(raw: dict[str, str], today: date) -> Validation:
    """Check a submission's fields; errors are codes such as 'required' or 'email_invalid'."""
    values = {name: _clean(raw.get(name, ""), multiline=name == "message") for name in FIELD_NAMES}
    errors: dict[str, str] = {}
    for name, value in values.items():
        key = "date_of_birth" if name in DATE_PARTS else name  # the three date fields share one error
        if len(value) > MAX_LENGTH[name]:
            errors.setdefault(key, "too_long")
        elif _has_control_characters(value, multiline=name == "message"):
            errors.setdefault(key, "invalid_characters")
        elif name != "message" and has_hidden_characters(value, allow_joiners=name in ("first_name", "last_name")):
            errors.setdefault(
                key, "invalid_characters"
            )  # invisible characters in a name or address only spoof what staff read
    _check_names(values, errors)
    if (
        values["member_id"]
        and "member_id" not in errors
        and not MEMBER_ID.fullmatch(values["member_id"].replace(" ", ""))
    ):
        errors["member_id"] = "member_id_invalid"
    _check_birth_date(values, errors, today)
    _check_contact(values, errors)
    for name, allowed in (("preferred_language", PREFERRED_LANGUAGES), ("topic", TOPICS)):
        if not values[name]:
            errors.setdefault(name, "choose_one")
        elif values[name] not in allowed:
            errors.setdefault(name, "choose_one")
    if not values["message"].strip():
        errors.setdefault("message", "required")
    if errors:
        return Validation(values, errors)
    normalised = dict(values)
    normalised["member_id"] = values["member_id"].replace(" ", "").upper()
    normalised["phone"] = _phone_digits(values["phone"]) if values["phone"] else ""
    normalised["email"] = values["email"].strip()
    born = birth_date(values)
    for part in DATE_PARTS:
        del normalised[part]
    normalised["date_of_birth"] = born.isoformat() if born else ""
    return Validation(values, {}, Inquiry(**normalised))


def _clean(value: str, multiline: bool) -> str:
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if multiline:
        return value.replace("\r\n", "\n").strip()
    return " ".join(value.split())


# Control characters (Unicode Cc), lone surrogates (Cs) and private-use code points (Co).
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff"
CONTROL_SINGLE_LINE = re.compile(f"[\t\n{_CONTROL}]")
CONTROL_MULTILINE = re.compile(f"[{_CONTROL}]")


def _has_control_characters(value: str, multiline: bool) -> bool:
    return (CONTROL_MULTILINE if multiline else CONTROL_SINGLE_LINE).search(value) is not None


def _check_names(values: dict[str, str], errors: dict[str, str]) -> None:
    for name in ("first_name", "last_name"):
        if name in errors:
            continue
        if not values[name]:
            errors[name] = "required"
        elif not NAME.fullmatch(values[name]):
            errors[name] = "name_invalid"


def birth_date(values: dict[str, str]) -> date | None:
    """The date the three fields give, or None if they are empty or not a real date."""
    try:
        return date(int(values["dob_year"]), int(values["dob_month"]), int(values["dob_day"]))
    except (ValueError, KeyError):
        return None


def _check_birth_date(values: dict[str, str], errors: dict[str, str], today: date) -> None:
    """GOV.UK's date input rules: say which part is missing or wrong, never guess a day or month order."""
    parts = {part: values[part] for part in DATE_PARTS}
    if "date_of_birth" in errors or not any(parts.values()):
        return  # optional: all three empty is fine
    missing = [part.removeprefix("dob_") for part, value in parts.items() if not value]
    if missing:
        errors["date_of_birth"] = "date_missing_" + "_".join(missing)
    elif not all(value.isascii() and value.isdigit() for value in parts.values()):
        errors["date_of_birth"] = "date_not_numbers"
    elif len(parts["dob_year"]) != 4:
        errors["date_of_birth"] = "date_year_four_digits"
    elif (born := birth_date(values)) is None:
        errors["date_of_birth"] = "date_invalid"
    elif born > today:
        errors["date_of_birth"] = "date_in_future"
    elif born.year < today.year - 130:
        errors["date_of_birth"] = "date_too_old"


def _phone_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _check_contact(values: dict[str, str], errors: dict[str, str]) -> None:
    if values["phone"] and "phone" not in errors:
        digits = _phone_digits(values["phone"])
        if not re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", digits) or re.search(r"[^\d\s().+-]", values["phone"]):
            errors["phone"] = "phone_invalid"
    if values["email"] and "email" not in errors and not EMAIL.fullmatch(values["email"]):
        errors["email"] = "email_invalid"
    method = values["contact_method"]
    if not values["phone"] and not values["email"]:
        errors.setdefault("phone", "phone_or_email")
    if method not in CONTACT_METHODS:
        errors.setdefault("contact_method", "choose_one")
    elif not values[method] and method not in errors:
        errors[method] = f"required_for_{method}"
