"""Read Markdown pages and their TOML front matter into `Page` objects that remember where they came from."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from sitegen.config.toml_lines import TomlLines
from sitegen.errors import ContentError

FENCE = "+++"
REQUIRED = ("title", "description", "key", "slug")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELD_NAME = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=")
# name = "text": a bare key and a TOML basic string with no escapes and none of the control characters it forbids.
SIMPLE_FIELD = re.compile(r'([A-Za-z0-9_-]+) = "([^"\\\x00-\x08\x0a-\x1f\x7f]*)"')


@dataclass(frozen=True)
class Page:
    path: str  # as shown to editors, e.g. content/en/utilization-management.md
    lang: str
    title: str
    description: str
    key: str  # translation key shared by a page and its translations
    slug: str
    body: str  # Markdown, front matter removed
    body_line: int  # line number of the body's first line in the file
    meta_lines: dict[str, int]  # front-matter key -> line, for messages
    meta: dict[str, Any]
    digest: str = ""  # hash of the file's bytes: the page changed when this did
    translated_from: str = ""  # for translations: the version of the source page they translate
    markets: tuple[str, ...] = ()  # the markets the page is published in; empty means every market

    @property
    def version(self) -> str:
        """Short form of the digest that translations record in `translated_from`."""
        return self.digest[:16]

    @property
    def url(self) -> str:
        return f"/{self.lang}/{self.slug}/"

    def line_of(self, key: str) -> int:
        return self.meta_lines.get(key, 1)

    def line_containing(self, text: str) -> int:
        """The first body line containing `text` (the body's first line if none does)."""
        for offset, line in enumerate(self.body.split("\n")):
            if text in line:
                return self.body_line + offset
        return self.body_line


def simple_front_matter(lines: list[str]) -> dict[str, Any] | None:
    """Front matter that is only `name = "plain text"` lines, read without a TOML parser (it is a third of
    the cost of reading a page); None for anything else (arrays, escapes, comments, a repeated name),
    which tomllib reads and judges. For the lines it accepts, the result is exactly tomllib's."""
    meta: dict[str, Any] = {}
    for line in lines:
        if not line:
            continue
        match = SIMPLE_FIELD.fullmatch(line)
        if match is None or match.group(1) in meta:
            return None
        meta[match.group(1)] = match.group(2)
    return meta


def parse_page(raw: bytes, shown: str, lang: str) -> Page:
    """Split front matter from body and check the front matter's fields."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(shown, line, "the file is not UTF-8 text", "save it as UTF-8 in your editor") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise ContentError(
            shown,
            1,
            f"page does not start with front matter ('{FENCE}' line)",
            f"begin the file with '{FENCE}', then title, description, key and slug, then '{FENCE}'",
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise ContentError(
            shown, 1, "front matter is never closed", f"add a '{FENCE}' line after the last front-matter field"
        ) from None
    front = "\n".join(lines[1:end])
    try:
        meta = simple_front_matter(lines[1:end]) or tomllib.loads(front)
    except tomllib.TOMLDecodeError as exc:
        line = 1 + (TomlLines.line_of_decode_error(exc) or 1)
        raise ContentError(
            shown,
            line,
            f"front matter cannot be read: {TomlLines.in_editor_words(exc)}",
            'write each field as name = "value", with the value in double quotes',
        ) from None
    meta_lines: dict[str, int] = {}
    for number, text_line in enumerate(lines[1:end], start=2):
        match = FIELD_NAME.match(text_line)
        if match:
            meta_lines.setdefault(match.group(1), number)
    for name in REQUIRED:
        if not isinstance(meta.get(name), str) or not meta[name].strip():
            raise ContentError(
                shown,
                meta_lines.get(name, 1),
                f"front matter needs a non-empty '{name}'",
                f'add {name} = "…" between the {FENCE} lines',
            )
    for name in ("key", "slug"):
        if not SLUG.fullmatch(meta[name]):
            raise ContentError(
                shown,
                meta_lines[name],
                f"{name} {meta[name]!r} is not a URL-safe name",
                "use lowercase letters, digits and single hyphens, e.g. gestion-de-uso",
            )
    markets = meta.get("markets", [])
    if (
        not isinstance(markets, list)
        or ("markets" in meta and not markets)
        or not all(isinstance(m, str) and SLUG.fullmatch(m) for m in markets)
    ):
        raise ContentError(
            shown,
            meta_lines.get("markets", 1),
            f"markets {markets!r} is not a list of market names",
            'write markets = ["in-medicaid", "oh-medicaid"] with names from site.toml, or leave it out for every market',
        )
    return Page(
        path=shown,
        lang=lang,
        title=meta["title"].strip(),
        description=meta["description"].strip(),
        key=meta["key"],
        slug=meta["slug"],
        body="\n".join(lines[end + 1 :]),
        body_line=end + 2,
        meta_lines=meta_lines,
        meta=meta,
        digest=hashlib.sha256(raw).hexdigest(),
        translated_from=str(meta.get("translated_from", "")),
        markets=tuple(markets),
    )
