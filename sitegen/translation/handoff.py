"""Pages out to a translation vendor and back: which texts need translating, and the Markdown they make.

`handoff()` lines a source page up with its translation and with the source text that translation
was made from (the `--mark` record), so each source text comes with its current translation when it
has not changed since. `translated_page()` puts translated texts back into the translation's own
lines: a text that did not change keeps its lines byte for byte (so its heading ids, wrapping and
markup stay the translator's), a changed one takes the new words in the same structure.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass

from sitegen.content.page import FENCE, Page
from sitegen.content.pairing import PagePair
from sitegen.translation.segments import Block, blocks
from sitegen.translation.staleness import Snapshot

KINDS = {
    "#": "heading",
    "-": "list item",
    "*": "list item",
    "+": "list item",
    "1": "list item",
    "|": "table cell",
    ">": "quotation",
}


@dataclass(frozen=True)
class Segment:
    id: str  # "title", "description", "line-15", or "line-30.2" for a table row's second cell
    source: str  # Markdown, with the source language's site links turned into the target language's
    target: str | None  # its current translation, when the source text has not changed since
    line: int  # the source text's line in its file
    what: str  # "title", "heading", "paragraph", …: said to the translator
    previous: str | None = None  # for a changed text: the translation of what it replaced


@dataclass(frozen=True)
class Handoff:
    """One page going to a translator: its texts, and how they map onto the translation's lines."""

    source: Page
    target: Page | None
    lang: str
    segments: tuple[Segment, ...]
    source_blocks: tuple[Block, ...]
    target_blocks: tuple[Block, ...]
    structure: dict[int, int]  # source block index -> the translation's block in the same place


def handoff(source: Page, target: Page | None, lang: str, before: Snapshot | None, links: dict[str, str]) -> Handoff:
    """Line up `source` with `target`; `before` is what the target translates (None if unknown)."""
    source_blocks = tuple(blocks(source.body, source.body_line))
    target_blocks = tuple(blocks(target.body, target.body_line)) if target else ()
    before_blocks = tuple(blocks(before.body)) if before and target else ()
    structure = _matching(source_blocks, target_blocks, key=lambda block: block.shape)
    known = _known_translations(source_blocks, before_blocks, target_blocks)
    segments: list[Segment] = []
    if target is None or before is None or before.title is None:
        segments += [_meta_segment("title", source, target, None), _meta_segment("description", source, target, None)]
    else:
        segments += [
            _meta_segment("title", source, target, before.title),
            _meta_segment("description", source, target, before.description),
        ]
    for index, block in enumerate(source_blocks):
        if not block.texts:
            continue
        translated = known.get(index)
        placed = target_blocks[structure[index]] if index in structure else None
        for cell, text in enumerate(block.texts):
            segments.append(
                Segment(
                    _segment_id(block, cell),
                    localized(text, links),
                    translated.texts[cell] if translated else None,
                    block.line,
                    _kind(block),
                    placed.texts[cell] if placed and not translated else None,
                )
            )
    return Handoff(source, target, lang, tuple(segments), source_blocks, target_blocks, structure)


def _meta_segment(name: str, source: Page, target: Page | None, translated_value: str | None) -> Segment:
    current = getattr(target, name) if target else None
    unchanged = translated_value is not None and translated_value == getattr(source, name)
    return Segment(
        name,
        getattr(source, name),
        current if unchanged else None,
        source.line_of(name),
        name,
        current if not unchanged else None,
    )


def _segment_id(block: Block, cell: int) -> str:
    return f"line-{block.line}" if len(block.texts) == 1 else f"line-{block.line}.{cell + 1}"


def _kind(block: Block) -> str:
    lead = block.shape[0][:1]
    return KINDS.get(lead, "paragraph")


def _matching(left: tuple[Block, ...], right: tuple[Block, ...], key) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Index pairs of blocks that line up (same key, in order), from difflib's longest matches."""
    matcher = difflib.SequenceMatcher(None, [key(b) for b in left], [key(b) for b in right], autojunk=False)
    pairs: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.update(zip(range(i1, i2), range(j1, j2)))
    return {i: j for i, j in pairs.items() if left[i].shape == right[j].shape}


def _known_translations(
    source: tuple[Block, ...], before: tuple[Block, ...], target: tuple[Block, ...]
) -> dict[int, Block]:
    """Source block index -> the translation block that translates exactly its text."""
    unchanged = _matching(source, before, key=lambda block: block.unit_text)
    translated = _matching(before, target, key=lambda block: block.shape)
    return {
        i: target[translated[j]]
        for i, j in unchanged.items()
        if j in translated and source[i].texts and source[i].unit_text == before[j].unit_text
    }


def localized(text: str, links: dict[str, str]) -> str:
    """A source text whose links to source-language pages point to their translations instead."""
    if not links:
        return text

    def swap(match: re.Match[str]) -> str:
        path, hash_, fragment = match.group(2).partition("#")
        return f"{match.group(1)}{links.get(path, path)}{hash_}{fragment}{match.group(3)}"

    return re.sub(r"(\]\()([^)\s]*)(\s*(?:\"[^\"]*\")?\))", swap, text)


def site_links(pairs: list[PagePair], served: list[dict[str, str]], source_lang: str, lang: str) -> dict[str, str]:
    """Each source-language page's address -> its translation's: content pairs, pages the site serves
    itself (forms, language help; `served` gives each one's path per language) and the home pages."""
    links = {f"/{source_lang}/": f"/{lang}/"}
    links.update({paths[source_lang]: paths[lang] for paths in served if source_lang in paths and lang in paths})
    for pair in pairs:
        if source_lang in pair.pages and lang in pair.pages:
            links[pair.pages[source_lang].url] = pair.pages[lang].url
    return links


def translated_page(work: Handoff, texts: dict[str, str], slug: str, current_file: str | None) -> str:
    """The translation's whole file with `texts` (segment id -> Markdown) in place; `current_file` is
    the translation's text today (None for a new translation)."""
    lines: list[str] = []
    for index, block in enumerate(work.source_blocks):
        if not block.texts:
            lines += block.raw
            continue
        new = tuple(texts[_segment_id(block, cell)] for cell in range(len(block.texts)))
        placed = work.target_blocks[work.structure[index]] if index in work.structure else None
        if placed and placed.texts == new:
            lines += placed.raw
        else:
            lines.append((placed or block).with_texts(new))
    return _front_matter(work, texts, slug, current_file) + "\n".join(lines)


def _front_matter(work: Handoff, texts: dict[str, str], slug: str, current_file: str | None) -> str:
    if work.target is None or current_file is None:
        fields = {"title": texts["title"], "description": texts["description"], "key": work.source.key, "slug": slug}
        return (
            FENCE + "\n" + "".join(f"{name} = {toml_string(value)}\n" for name, value in fields.items()) + FENCE + "\n"
        )
    file_lines = current_file.replace("\r\n", "\n").removeprefix("\ufeff").split("\n")
    text_lines = file_lines[1 : next(i for i in range(1, len(file_lines)) if file_lines[i].strip() == FENCE)]
    for name in ("title", "description"):
        line = work.target.line_of(name) - 2  # the front matter starts on the file's second line
        if getattr(work.target, name) != texts[name]:
            text_lines[line] = f"{name} = {toml_string(texts[name])}"
    return FENCE + "\n" + "\n".join(text_lines) + "\n" + FENCE + "\n"


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset of TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def slug_for(title: str) -> str:
    """A URL-safe name from a translated title: "Gestión de uso" -> "gestion-de-uso"."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "page"
