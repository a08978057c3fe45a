"""Hours, days and phones per language: Babel underneath, the plan's house style on top."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.config.loader import load_config
from sitegen.config.phones import Phone
from sitegen.rendering.contacts import ContactFormatter
from tests.conftest import ROOT, config_file


def line_with(
    tmp_path: Path, hours: str, zone: str = "America/New_York", tty: str = '["1-800-743-3333"]'
) -> ContactFormatter:
    text = (ROOT / "site.toml").read_text()
    text += f'\n[contacts.sample]\nlabel = {{ en = "Sample", es = "Muestra" }}\nphone = "1-844-607-2829"\ntty = {tty}\ntime_zone = "{zone}"\nhours = [{hours}]\n'
    return load_config(config_file(tmp_path, text))  # type: ignore[return-value]


SEED_PHRASES = [
    ("en", "um-team", "days-first", "Monday – Friday from 8 a.m. to 5 p.m. Eastern Time"),
    ("en", "member-services", "time-first", "8 a.m. to 8 p.m., Monday – Friday Eastern Time"),
    ("es", "um-team", "days-first", "de lunes a viernes, de 8 a. m. a 5 p. m., hora del este"),
    ("es", "member-services", "time-first", "de 8 a. m. a 8 p. m., de lunes a viernes, hora del este"),
]


@pytest.mark.parametrize(("lang", "line", "order", "expected"), SEED_PHRASES)
def test_seed_hour_phrases_come_from_config_data(lang: str, line: str, order: str, expected: str) -> None:
    config = load_config(ROOT / "site.toml")
    formatter = ContactFormatter(config, lang)
    assert as_read(formatter.hours(config.contacts[line], order.replace("-", "_"))) == expected


OTHER_VALUES = [
    (
        '{ days = "mon-fri", open = "07:30", close = "17:00" }',
        "America/New_York",
        "Monday – Friday from 7:30 a.m. to 5 p.m. Eastern Time",
        "de lunes a viernes, de 7:30 a. m. a 5 p. m., hora del este",
    ),
    (
        '{ days = "mon-fri", open = "08:00", close = "12:00" }',
        "America/New_York",
        "Monday – Friday from 8 a.m. to noon Eastern Time",
        "de lunes a viernes, de 8 a. m. a 12 del mediodía, hora del este",
    ),
    (
        '{ days = "mon-sat", open = "09:00", close = "18:30" }',
        "America/New_York",
        "Monday – Saturday from 9 a.m. to 6:30 p.m. Eastern Time",
        "de lunes a sábado, de 9 a. m. a 6:30 p. m., hora del este",
    ),
    (
        '{ days = "always" }',
        "America/New_York",
        "24 hours a day, 7 days a week",
        "las 24 horas del día, los 7 días de la semana",
    ),
    (
        '{ days = "mon-fri", open = "08:00", close = "17:00" }',
        "America/Chicago",
        "Monday – Friday from 8 a.m. to 5 p.m. Central Time",
        "de lunes a viernes, de 8 a. m. a 5 p. m., hora del centro",
    ),
    (
        '{ days = "mon,wed,fri", open = "10:00", close = "14:00" }',
        "America/Chicago",
        "Monday, Wednesday, and Friday from 10 a.m. to 2 p.m. Central Time",
        "lunes, miércoles y viernes, de 10 a. m. a 2 p. m., hora del centro",
    ),
    # Indiana and Louisville: Babel's own name is "United States (Indiana/Indianapolis) Time"; members read the metazone's.
    (
        '{ days = "mon-fri", open = "08:00", close = "17:00" }',
        "America/Indiana/Indianapolis",
        "Monday – Friday from 8 a.m. to 5 p.m. Eastern Time",
        "de lunes a viernes, de 8 a. m. a 5 p. m., hora del este",
    ),
    (
        '{ days = "mon-fri", open = "08:00", close = "17:00" }',
        "America/Kentucky/Louisville",
        "Monday – Friday from 8 a.m. to 5 p.m. Eastern Time",
        "de lunes a viernes, de 8 a. m. a 5 p. m., hora del este",
    ),
    (
        '{ days = "mon-fri", open = "08:00", close = "17:00" }',
        "America/Phoenix",
        "Monday – Friday from 8 a.m. to 5 p.m. Mountain Time",
        "de lunes a viernes, de 8 a. m. a 5 p. m., hora de la montaña",
    ),
    (
        '{ days = "mon-fri", open = "08:00", close = "20:00" }, { days = "sat", open = "09:00", close = "13:00" }',
        "America/New_York",
        "Monday – Friday from 8 a.m. to 8 p.m. and Saturday from 9 a.m. to 1 p.m. Eastern Time",
        "de lunes a viernes, de 8 a. m. a 8 p. m. y los sábados, de 9 a. m. a 1 p. m., hora del este",
    ),
    (
        '{ days = "sat", open = "09:00", close = "12:00" }',
        "America/New_York",
        "Saturday from 9 a.m. to noon Eastern Time",
        "los sábados, de 9 a. m. a 12 del mediodía, hora del este",
    ),
]


def as_read(phrase: str) -> str:
    """What a member reads: no-break spaces look like spaces."""
    return phrase.replace("\u00a0", " ")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_time_and_its_am_pm_never_break_apart(lang: str) -> None:
    config = load_config(ROOT / "site.toml")
    phrase = ContactFormatter(config, lang).hours(config.contacts["member-services"])
    assert (
        re.findall(r"8\s\S+", phrase) == ["8\u00a0a.m.", "8\u00a0p.m."]
        if lang == "en"
        else ["8\u00a0a.\u00a0m.", "8\u00a0p.\u00a0m."]
    )


@pytest.mark.parametrize(("hours", "zone", "english", "spanish"), OTHER_VALUES)
def test_other_hours_read_right_in_both_languages(
    tmp_path: Path, hours: str, zone: str, english: str, spanish: str
) -> None:
    config = line_with(tmp_path, hours, zone)
    line = config.contacts["sample"]  # type: ignore[attr-defined]
    assert as_read(ContactFormatter(config, "en").hours(line)) == english  # type: ignore[arg-type]
    assert as_read(ContactFormatter(config, "es").hours(line)) == spanish  # type: ignore[arg-type]


def test_tty_options_join_with_or_in_each_language() -> None:
    config = load_config(ROOT / "site.toml")
    line = config.contacts["language-help"]
    en = ContactFormatter(config, "en").tty(line)
    es = ContactFormatter(config, "es").tty(line)
    assert en == '<a href="tel:+18007433333" class="tel">1-800-743-3333</a> or <a href="tel:711" class="tel">711</a>'
    assert es == '<a href="tel:+18007433333" class="tel">1-800-743-3333</a> o <a href="tel:711" class="tel">711</a>'


@pytest.mark.parametrize(
    ("digits", "display", "href"),
    [
        ("18446072829", "1-844-607-2829", "tel:+18446072829"),
        ("711", "711", "tel:711"),
    ],
)
def test_phone_displays_in_house_style_and_dials_in_e164(digits: str, display: str, href: str) -> None:
    assert (Phone(digits).display, Phone(digits).href) == (display, href)


def test_config_accepts_phone_written_another_way(tmp_path: Path) -> None:
    text = (ROOT / "site.toml").read_text().replace('phone = "1-844-607-2829"', 'phone = "(844) 607-2829"', 1)
    config = load_config(config_file(tmp_path, text))
    assert Phone(config.contacts["member-services"].phone).display == "1-844-607-2829"
