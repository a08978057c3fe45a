"""The UI catalogs are complete: every string in messages.pot translated, none fuzzy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sitegen.errors import ContentError, SourceError, shown_path
from sitegen.rendering.i18n import catalog_path


def catalogs_digest(locales_dir: Path, languages: tuple[str, ...], source_lang: str) -> str:
    """One hash of everything `check_catalogs` reads, so that its answer can be kept between processes."""
    digest = hashlib.sha256(repr((languages, source_lang)).encode())
    for path in sorted(locales_dir.rglob("*.po*")) if locales_dir.is_dir() else ():
        digest.update(f"\0{path.relative_to(locales_dir).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def check_catalogs(locales_dir: Path, languages: tuple[str, ...], source_lang: str, root: Path) -> list[SourceError]:
    from babel.messages.pofile import read_po  # here: most builds find the answer kept (see `catalogs_digest`)

    template = locales_dir / "messages.pot"
    if not template.is_file():
        return [ContentError(shown_path(template, root), 0, "messages.pot is missing", "run `make messages`")]
    with template.open("rb") as handle:
        wanted = {str(m.id) for m in read_po(handle) if m.id}
    errors: list[SourceError] = []
    for lang in languages:
        if lang == source_lang:
            continue
        path = catalog_path(locales_dir, lang)
        if not path.is_file():
            continue  # the build reports a missing catalog itself
        with path.open("rb") as handle:
            catalog = read_po(handle)
        shown = shown_path(path, root)
        for message in catalog:
            if not message.id:
                continue
            line = message.lineno or 0
            if message.fuzzy:
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"UI string {message.id!r} is marked fuzzy",
                        "check the translation, then remove the '#, fuzzy' line",
                    )
                )
            elif not message.string:
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"UI string {message.id!r} has no translation",
                        "write the translation in its msgstr",
                    )
                )
        missing = wanted - {str(m.id) for m in catalog if m.id}
        for message_id in sorted(missing):
            errors.append(
                ContentError(
                    shown,
                    0,
                    f"UI string {message_id!r} is not in the catalog",
                    "run `make messages`, then translate it",
                )
            )
    return errors
