"""UI strings live in gettext catalogs: the template is current and Spanish translates every string."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ROOT


def ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def test_messages_pot_matches_the_templates(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(fresh),
            "--no-location",
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert ids(fresh) == ids(ROOT / "locales/messages.pot"), "run `make messages` and translate the new strings"


def test_spanish_catalog_translates_every_string_without_fuzzy_entries() -> None:
    with (ROOT / "locales/es/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    entries = [m for m in catalog if m.id]
    assert {str(m.id) for m in entries} == ids(ROOT / "locales/messages.pot")
    assert [m.id for m in entries if not m.string] == []
    assert [m.id for m in entries if m.fuzzy] == []


def spanish(message_id: str) -> str:
    with (ROOT / "locales/es/LC_MESSAGES/messages.po").open("rb") as handle:
        return str(read_po(handle)[message_id].string)


def test_spanish_wording_members_asked_for() -> None:
    assert (
        spanish("If you need help sooner, call us.")
        == "Si necesita ayuda antes de recibir nuestra respuesta, llámenos."
    )
    assert "cuando nos llame para hablar de su mensaje" in spanish(
        "Please write it down. Give this number when you call us about your message."
    )
    assert spanish("What is your question about?") == "¿De qué se trata su pregunta?"
    assert spanish("You asked us to call you. Enter your phone number.").startswith(
        "Eligió «Por teléfono»."
    )  # no gender assumed
    assert "demasiado largo" in spanish(
        "Your message was too large for us to read. Please make it shorter and send it again."
    )
    assert "fecha válida" in spanish("Date of birth must be a real date. Check the day and the month.")


def test_the_deliberate_read_this_site_in_spanish_line_says_why_for_translators() -> None:
    with (ROOT / "locales/es/LC_MESSAGES/messages.po").open("rb") as handle:
        message = read_po(handle)["Read this site in English"]
    assert message.string == "Lea este sitio en español" and any(
        "Deliberate" in comment for comment in message.user_comments
    )
