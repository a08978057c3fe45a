"""Translation status: each translation records which version of its source page it translates.

`translated_from` in a translation's front matter holds the source page's version (a hash of the
source file). When the source changes, the translation is *stale* until a translator updates it
and marks it again with `python build.py translations --mark FILE`, which also keeps a copy of
the source text it was made from (under translations/), so the status can show what changed.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sitegen import once_per_build
from sitegen.content.page import FENCE, Page
from sitegen.content.pairing import PagePair
from sitegen.errors import StaleTranslation
from sitegen.translation.commit_dates import last_commit_dates


@dataclass(frozen=True)
class Status:
    key: str
    lang: str
    state: str  # "source", "up to date", "stale", "missing"
    page: Page | None
    changed: list[tuple[int, str]]  # (line in the source, paragraph) added or changed since translation


def snapshot_path(root: Path, lang: str, key: str) -> Path:
    return root / "translations" / lang / f"{key}.source.md"


def statuses(pairs: Sequence[PagePair], unpaired: list[Page], languages: tuple[str, ...], root: Path) -> list[Status]:
    """Every key in every language: source, up to date, stale (with changed paragraphs) or missing."""
    source_lang = languages[0]
    found: list[Status] = []
    groups: dict[str, dict[str, Page]] = {pair.key: dict(pair.pages) for pair in pairs}
    for page in unpaired:
        groups.setdefault(page.key, {})[page.lang] = page
    for key in sorted(groups):
        group = groups[key]
        source = group.get(source_lang)
        for lang in languages:
            translation = group.get(lang)
            if lang == source_lang:
                found.append(Status(key, lang, "source" if translation else "missing", translation, []))
            elif translation is None:
                found.append(Status(key, lang, "missing", None, []))
            elif source is None or translation.translated_from == source.version:
                found.append(Status(key, lang, "up to date", translation, []))
            else:
                found.append(
                    Status(key, lang, "stale", translation, changed_paragraphs(source, read_snapshot(root, lang, key)))
                )
    return found


@dataclass(frozen=True)
class StaleNotice:
    """What a stale translation's reader is told: where the current source page is, and since when."""

    source_url: str
    source_lang: str
    changed_on: str  # YYYY-MM-DD the source was last committed, or "" if git cannot say (uncommitted, no repository)

    def key(self) -> str:
        return f"{self.source_lang}|{self.source_url}|{self.changed_on}"

    @classmethod
    def parse(cls, key: str) -> StaleNotice | None:
        if not key:
            return None
        lang, url, changed_on = key.split("|", 2)
        return cls(url, lang, changed_on)


def _stale_pages(pairs: Iterable[PagePair], source_lang: str) -> list[tuple[Page, Page]]:
    """(translation, its source page) for each translation made from an older version of its source."""
    stale = []
    for pair in pairs:  # a new process's one-page edit looks at every pair: the source's version once per pair
        source = pair.pages[source_lang]
        version = source.version
        stale += [
            (page, source) for page in pair.pages.values() if page.translated_from != version and page is not source
        ]
    return stale


def _stale_warning(page: Page, source: Page) -> StaleTranslation:
    # One object for every market, so their warnings are told apart at once.
    return once_per_build.remembered(
        lambda work: work.stale_warnings,
        (page.path, page.digest, source.path),
        lambda: _new_stale_warning(page, source),
    )


def _new_stale_warning(page: Page, source: Page) -> StaleTranslation:
    return StaleTranslation(
        page.path,
        page.line_of("translated_from") if page.translated_from else 1,
        f"translation is stale: {source.path} changed since it was translated",
        f"update the text, then run `python3 build.py translations --mark {page.path}`",
    )


@dataclass(frozen=True)
class Staleness:
    """The site's stale translations, by path: the warning for each, and what its readers are told (a
    notice key; none when the plan shows no notices). Kept by the build state, so that a one-page edit
    works out again only its own pair's."""

    warnings: Mapping[str, StaleTranslation]
    notices: Mapping[str, str]

    @classmethod
    def of(
        cls, pairs: Iterable[PagePair], source_lang: str, root: Path, with_notices: bool, dates_kept_in: Path | None
    ) -> Staleness:
        """`dates_kept_in`: where git's commit dates are kept between builds (see `commit_dates`)."""
        stale = _stale_pages(pairs, source_lang)
        dates = {}
        if stale and with_notices:  # the dates are for the notices only
            dates = last_commit_dates(root, {source.path for _, source in stale}, dates_kept_in)
        return cls(
            {page.path: _stale_warning(page, source) for page, source in stale},
            {
                page.path: StaleNotice(source.url, source_lang, dates.get(source.path, "")).key()
                for page, source in stale
            }
            if with_notices
            else {},
        )

    def with_pairs_again(
        self, edited: Iterable[PagePair], source_lang: str, root: Path, with_notices: bool, dates_kept_in: Path | None
    ) -> Staleness:
        """The same, with the translations of these pairs (and only theirs) looked at again."""
        edited = list(edited)
        again = Staleness.of(edited, source_lang, root, with_notices, dates_kept_in)
        gone = [page.path for pair in edited for page in pair.pages.values()]
        return Staleness(_replaced(self.warnings, gone, again.warnings), _replaced(self.notices, gone, again.notices))


V = TypeVar("V")


def _replaced(kept: Mapping[str, V], gone: list[str], new: Mapping[str, V]) -> dict[str, V]:
    """`kept` without the paths `gone`, then with `new` (a copy, then a few deletions: each save while
    serving does this for every market, and thousands of pages can be stale)."""
    replaced = dict(kept)
    for path in gone:
        replaced.pop(path, None)
    replaced.update(new)
    return replaced


SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


@dataclass(frozen=True)
class Snapshot:
    """The source text a translation was made from, as `--mark` recorded it."""

    title: str | None  # None in records written before titles were kept
    description: str | None
    body: str


def read_snapshot(root: Path, lang: str, key: str) -> Snapshot | None:
    path = snapshot_path(root, lang, key)
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[0].strip() != FENCE:
        return Snapshot(None, None, text)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), 0)
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError:
        meta = {}
    return Snapshot(meta.get("title"), meta.get("description"), "\n".join(lines[end + 1 :]))


def changed_paragraphs(source: Page, snapshot: Snapshot | None) -> list[tuple[int, str]]:
    """The units (paragraphs, list items, table rows, headings) of the source that are new or changed
    since the translation was made, each with its line and the sentence in it that changed."""
    current = _units(source.body, source.body_line)
    if snapshot is None:
        return current  # no record of what was translated: every paragraph may have changed
    before = [text for _, text in _units(snapshot.body, 1)]
    known = set(before)
    return [(line, _changed_sentence(text, before)) for line, text in current if text not in known]


def _units(body: str, first_line: int) -> list[tuple[int, str]]:
    """What a translator translates one at a time, with each one's first line."""
    from sitegen.translation.segments import (
        blocks,  # here, as `difflib` below: the build imports this module, only status needs them
    )

    return [(block.line, block.unit_text) for block in blocks(body, first_line) if block.texts]


def _changed_sentence(text: str, before: list[str]) -> str:
    """The first sentence of `text` that the closest unit of the old version did not have."""
    import difflib

    closest = difflib.get_close_matches(text, before, n=1, cutoff=0.5)
    old = set(SENTENCE_END.split(closest[0])) if closest else set()
    return next((sentence for sentence in SENTENCE_END.split(text) if sentence not in old), text)


def mark_translated(translation: Path, source: Page, root: Path, lang: str) -> None:
    """Record in the translation's front matter that it translates this version of the source."""
    text = translation.read_text(encoding="utf-8")
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    entry = f'translated_from = "{source.version}"'
    for i in range(1, end):
        if re.match(r"\s*translated_from\s*=", lines[i]):
            lines[i] = entry
            break
    else:
        lines.insert(end, entry)
    translation.write_text("\n".join(lines), encoding="utf-8")
    snapshot = snapshot_path(root, lang, source.key)
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    record = (
        f"{FENCE}\ntitle = {json.dumps(source.title, ensure_ascii=False)}\n"
        f"description = {json.dumps(source.description, ensure_ascii=False)}\n{FENCE}\n{source.body}"
    )
    snapshot.write_text(record, encoding="utf-8")


def format_table(found: list[Status]) -> str:
    rows = [("key", "language", "status", "file")]
    rows += [(s.key, s.lang, s.state, s.page.path if s.page else "—") for s in found]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    sources = {s.key: s.page for s in found if s.state == "source"}
    for status in found:
        if status.state == "stale" and status.page:
            source = sources.get(status.key)
            out.append(
                f"\n{status.page.path} is stale; what changed in {source.path if source else 'its source'} since it was translated:"
            )
            for line, text in status.changed:
                out.append(f"  line {line}: {text[:160]}{'…' if len(text) > 160 else ''}")
    return "\n".join(out)
