"""UI strings: gettext catalogs under locales/, compiled in memory (no .mo files to go stale)."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

from sitegen.errors import ContentError, shown_path

DOMAIN = "messages"


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locales_dir: Path, lang: str, source_lang: str, shown_root: Path) -> NullTranslations:
    """The compiled catalog for `lang`; the source language needs none (msgids are its text)."""
    if lang == source_lang:
        return NullTranslations()
    path = catalog_path(locales_dir, lang)
    shown = shown_path(path, shown_root)
    if not path.is_file():
        raise ContentError(
            shown, 0, f"no UI catalog for {lang!r}", "run `make messages` to create it, then translate its strings"
        )
    return Translations(io.BytesIO(_compiled(path.read_bytes(), lang, shown)), domain=DOMAIN)


def _compiled(source: bytes, lang: str, shown: str) -> bytes:
    """The .mo form of a .po catalog (fuzzy entries left out, as gettext does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(source), locale=lang, abort_invalid=True)
    except (PoFileError, ValueError) as exc:
        raise ContentError(
            shown,
            getattr(exc, "lineno", 0) or 0,
            f"catalog cannot be read: {exc}",
            "fix the .po syntax (quotes, msgid/msgstr pairs)",
        ) from None
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()


@functools.cache  # every page's language switcher asks, and CLDR is slow to ask
def language_name(lang: str) -> str:
    """A language's name in itself, capitalised: 'English', 'Español'."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]
