"""UI strings live in gettext catalogs: the template is current and Spanish translates every string."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from .conftest import ROOT


def ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


def test_messages_pot_matches_the_templates(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(fresh), "--no-location", "--omit-header", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    assert ids(fresh) == ids(ROOT / "locales/messages.pot"), "run `make messages` and translate the new strings"


def test_spanish_catalog_translates_every_string_without_fuzzy_entries() -> None:
    with (ROOT / "locales/es/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    entries = [m for m in catalog if m.id]
    assert {str(m.id) for m in entries} == ids(ROOT / "locales/messages.pot")
    assert [m.id for m in entries if not m.string] == []
    assert [m.id for m in entries if m.fuzzy] == []
