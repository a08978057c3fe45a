"""`build.py translations --export DIR` and `--import FILE…`: pages out to a vendor as XLIFF and back.

Export writes one file per page that needs translating (or every translated page with `--all`).
Import checks every file completely before it writes anything: the source text must still be what
was exported, every text must be translated, and every tag must come back as it went out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sitegen.atomic_files import write_atomically
from sitegen.content.page import Page, parse_page
from sitegen.content.pairing import PagePair
from sitegen.errors import ContentError, SiteErrors, SourceError, shown_path
from sitegen.translation.handoff import Handoff, Segment, handoff, site_links, slug_for, translated_page
from sitegen.translation.segments import Inline, codes, join_inline, split_inline
from sitegen.translation.staleness import Snapshot, Status, mark_translated, read_snapshot, statuses
from sitegen.translation.xliff_files import Document, Unit, UnreadableFile, read, to_bytes

# A translator may mark words left in another language (WCAG 3.1.2), as our Spanish pages do.
LANGUAGE_SPAN = re.compile(r'<span lang="[A-Za-z-]+">|</span>')
RESEND = "export the page again (python3 build.py translations --export DIR) and send the vendor the new file"


@dataclass(frozen=True)
class Content:
    """The project's pages as the translation commands see them."""

    root: Path
    languages: tuple[str, ...]
    pages: list[Page]
    pairs: list[PagePair]
    served: list[dict[str, str]]  # pages the site serves itself, each one's path per language

    @property
    def source_lang(self) -> str:
        return self.languages[0]

    def statuses(self) -> list[Status]:
        paired = {page.path for pair in self.pairs for page in pair.pages.values()}
        return statuses(self.pairs, [p for p in self.pages if p.path not in paired], self.languages, self.root)

    def page(self, key: str, lang: str) -> Page | None:
        return next((p for p in self.pages if p.key == key and p.lang == lang), None)

    def handoff(self, source: Page, lang: str) -> Handoff:
        target = self.page(source.key, lang)
        return handoff(
            source,
            target,
            lang,
            self._translated_text(source, target, lang),
            site_links(self.pairs, self.served, self.source_lang, lang),
        )

    def _translated_text(self, source: Page, target: Page | None, lang: str) -> Snapshot | None:
        """What the translation translates: the source itself when up to date, else the `--mark` record."""
        if target is None:
            return None
        if target.translated_from == source.version:
            return Snapshot(source.title, source.description, source.body)
        return read_snapshot(self.root, lang, source.key)


def export(content: Content, out_dir: Path, langs: tuple[str, ...], everything: bool) -> list[Path]:
    """Write `out_dir/<lang>/<key>.xlf` for each stale or missing translation (every one if `everything`)."""
    written: list[Path] = []
    for status in content.statuses():
        if status.lang not in langs or status.lang == content.source_lang:
            continue
        if not everything and status.state not in ("stale", "missing"):
            continue
        source = content.page(status.key, content.source_lang)
        if source is None:
            continue  # a translation without a source page has nothing to translate from
        work = content.handoff(source, status.lang)
        path = out_dir / status.lang / f"{status.key}.xlf"
        write_atomically(path, to_bytes(_document(work)))
        written.append(path)
    return written


def _document(work: Handoff) -> Document:
    target = work.target.path if work.target else f"a new page in content/{work.lang}/"
    header = (
        f"Translate {work.source.path} ({work.source.lang}) into {work.lang} for {target}.",
        "Tags stand for phone numbers, opening hours, links and markup: keep every tag, and move it where the sentence needs it.",
        "Units already marked final are translated and unchanged since; they are there as context.",
    )
    units = tuple(
        Unit(
            segment.id,
            split_inline(segment.source),
            split_inline(segment.target) if segment.target is not None else None,
            _notes(work, segment),
        )
        for segment in work.segments
    )
    return Document(work.source.path, work.source.version, work.source.lang, work.lang, units, header)


def _notes(work: Handoff, segment: Segment) -> tuple[str, ...]:
    notes = [f"{segment.what}, {work.source.path}:{segment.line}"]
    if segment.previous is not None:
        notes.append(f"Previous translation (its source text changed): {segment.previous}")
    return tuple(notes)


def import_files(content: Content, files: list[Path], shown_root: Path) -> list[str]:
    """Check every file, then write every translation and mark it; raise SiteErrors and write nothing if any file is wrong."""
    problems: list[SourceError] = []
    planned: list[tuple[Path, str, Page, str]] = []
    for file in files:
        shown = _shown(file, shown_root)
        try:
            planned.append(_planned_page(content, read(file), shown))
        except UnreadableFile as exc:
            hint = (
                "check the file's name and folder"
                if exc.line == 0
                else "import the file as the vendor's tool saved it, or " + RESEND
            )
            problems.append(ContentError(shown, exc.line, exc.problem, hint))
        except SiteErrors as exc:
            problems += exc.errors
    targets = Counter(path for path, *_ in planned)
    problems += [
        ContentError(str(path), 1, "two files translate the same page", "import one of them")
        for path, n in targets.items()
        if n > 1
    ]
    if problems:
        raise SiteErrors(problems)
    done: list[str] = []
    for path, text, source, lang in planned:
        write_atomically(path, text.encode("utf-8"))
        mark_translated(path, source, content.root, lang)
        done.append(f"imported {_shown(path, content.root)} from {source.path} (version {source.version})")
    return done


def _shown(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return shown_path(resolved, root) if resolved.is_relative_to(root) else str(path)


def _planned_page(content: Content, document: Document, shown: str) -> tuple[Path, str, Page, str]:
    """Where the translated page goes and its text; SiteErrors naming each unit that is wrong."""
    source = next((p for p in content.pages if p.path == document.original and p.lang == content.source_lang), None)
    if source is None:
        raise SiteErrors(
            [
                ContentError(
                    shown,
                    1,
                    f"the file translates {document.original!r}, which is not a {content.source_lang} page of this project",
                    "import it into the project it was exported from",
                )
            ]
        )
    if document.target_lang not in content.languages[1:]:
        raise SiteErrors(
            [
                ContentError(
                    shown,
                    1,
                    f"the file's target language {document.target_lang!r} is not one of this site's translations "
                    f"({', '.join(content.languages[1:])})",
                    "ask the vendor for a file with the language it was sent in",
                )
            ]
        )
    work = content.handoff(source, document.target_lang)
    texts = _checked_texts(document, work, shown)
    target = work.target
    slug = target.slug if target else slug_for(texts["title"])
    path = content.root / (target.path if target else f"content/{work.lang}/{slug}.md")
    current = path.read_text(encoding="utf-8") if target else None
    text = translated_page(work, texts, slug, current)
    try:
        parse_page(text.encode("utf-8"), _shown(path, content.root), work.lang)
    except SourceError as exc:
        raise SiteErrors(
            [
                ContentError(
                    shown,
                    1,
                    f"the translated page would not be valid: {exc.problem}",
                    "fix the title or description in the file",
                )
            ]
        ) from None
    if (
        target is None
        and content.page(source.key, work.lang) is None
        and any(p.lang == work.lang and p.slug == slug for p in content.pages)
    ):
        raise SiteErrors(
            [
                ContentError(
                    shown,
                    1,
                    f"the new page's address {slug!r} is taken by another {work.lang} page",
                    "add the translation by hand with another slug, then export it with --all",
                )
            ]
        )
    return path, text, source, work.lang


def _checked_texts(document: Document, work: Handoff, shown: str) -> dict[str, str]:
    """Segment id -> translated Markdown, or SiteErrors naming every unit that is out of date, untranslated or broken."""
    expected = {segment.id: segment for segment in work.segments}
    problems: list[SourceError] = []
    if document.version != work.source.version:
        changed = [
            unit
            for unit in document.units
            if unit.id in expected and join_inline(unit.source) != expected[unit.id].source
        ]
        gone = [unit for unit in document.units if unit.id not in expected]
        where = "; ".join(f"{unit.id} (line {unit.line} of this file)" for unit in (changed + gone)[:5]) or "its layout"
        problems.append(
            ContentError(
                shown,
                1,
                f"{work.source.path} has changed since this file was exported (version {document.version or '?'}, "
                f"now {work.source.version}); changed: {where}",
                RESEND,
            )
        )
        raise SiteErrors(problems)
    texts: dict[str, str] = {}
    for unit in document.units:
        segment = expected.get(unit.id)
        if segment is None:
            problems.append(
                ContentError(shown, unit.line, f"unit {unit.id!r} is not a text of {work.source.path}", RESEND)
            )
        elif join_inline(unit.source) != segment.source:
            problems.append(
                ContentError(
                    shown,
                    unit.line,
                    f"unit {unit.id}'s source text is not {work.source.path}:{segment.line} as it is now",
                    RESEND,
                )
            )
        elif unit.target is None:
            problems.append(
                ContentError(
                    shown,
                    unit.line,
                    f"unit {unit.id} ({segment.what}, {work.source.path}:{segment.line}) has no translation",
                    "ask the vendor to translate it, or fill in its <target>",
                )
            )
        else:
            problem = _code_problem(split_inline(segment.source), unit.target)
            if problem:
                problems.append(
                    ContentError(
                        shown,
                        unit.line,
                        f"unit {unit.id} ({segment.what}, {work.source.path}:{segment.line}): {problem}",
                        "keep every tag of the source text in the translation, unchanged",
                    )
                )
            texts[unit.id] = join_inline(unit.target)
    missing = [segment for segment in work.segments if segment.id not in {unit.id for unit in document.units}]
    problems += [
        ContentError(
            shown,
            1,
            f"the file has no unit for {segment.what} {segment.id} ({work.source.path}:{segment.line})",
            RESEND,
        )
        for segment in missing
    ]
    if problems:
        raise SiteErrors(problems)
    return texts


def _code_problem(source: Inline, target: Inline) -> str:
    """What is wrong with the target's tags, or "" when each source tag is there once, unchanged, pairs in order."""
    wanted = Counter((code.kind, code.native) for code in codes(source))
    got = Counter((code.kind, code.native) for code in codes(target) if not LANGUAGE_SPAN.fullmatch(code.native))
    if wanted != got:
        missing = list((wanted - got).elements())
        extra = list((got - wanted).elements())
        if missing:
            return f"the translation drops or changes {_shown_code(missing[0])}" + (
                f" (it has {_shown_code(extra[0])} instead)" if extra else ""
            )
        return f"the translation adds {_shown_code(extra[0])}, which the source does not have"
    opened: set[str] = set()
    source_ids = {code.native: code.id for code in codes(source)}
    for code in codes(target):
        if code.kind == "bpt":
            opened.add(source_ids.get(code.native, code.id))
        elif code.kind == "ept" and not opened:
            return f"a link's end {code.native!r} comes before its start"
    words = "".join(part for part in target if isinstance(part, str))
    if "{{" in words or "}}" in words:
        return "the words contain '{{' or '}}', which the site would read as a placeholder"
    return ""


def _shown_code(code: tuple[str, str]) -> str:
    return repr(code[1])
