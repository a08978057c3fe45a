"""XLIFF 1.2 files for translation vendors, read and written with translate-toolkit.

One file per page: a `<file>` whose `original` is the source page's path and whose `build-num` is
the source version it was exported from, one `<trans-unit>` per text. Placeholders, link targets,
inline code and HTML tags travel as `<ph>` and `<bpt>`/`<ept>` holding the Markdown they stand
for, which CAT tools show as locked tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from translate.storage import xliff
from translate.storage.placeables import StringElem
from translate.storage.placeables import xliff as codes_xml

from sitegen.translation.segments import Code, Inline

NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
CODE_CLASSES = {"ph": codes_xml.Ph, "bpt": codes_xml.Bpt, "ept": codes_xml.Ept}
TRANSPARENT = {"mrk", "g"}  # markup CAT tools wrap around words; the words inside are the translation


class _Unit(xliff.xliffunit):
    namespace = NAMESPACE


class _File(xliff.xlifffile):
    """translate-toolkit writes XLIFF 1.1 unless told; every tool we hand files to reads 1.2."""

    UnitClass = _Unit
    namespace = NAMESPACE
    XMLskeleton = f"""<?xml version="1.0" ?>
<xliff version="1.2" xmlns="{NAMESPACE}">
<file original="NoName" source-language="en" datatype="plaintext">
<body>
</body>
</file>
</xliff>"""


@dataclass(frozen=True)
class Unit:
    id: str
    source: Inline
    target: Inline | None  # None when the file has no translation for it
    notes: tuple[str, ...] = ()
    line: int = 0  # where the unit is in the XLIFF file, for messages


@dataclass(frozen=True)
class Document:
    original: str  # the source page's path, e.g. content/en/utilization-management.md
    version: str  # the source page's version when the file was exported
    source_lang: str
    target_lang: str
    units: tuple[Unit, ...]
    header: tuple[str, ...] = ()


class UnreadableFile(Exception):
    """The file is not an XLIFF file this tool wrote (or a CAT tool kept in shape)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def to_bytes(document: Document) -> bytes:
    store = _File(sourcelanguage=document.source_lang, targetlanguage=document.target_lang)
    for unit in document.units:
        added = store.addsourceunit("", filename=document.original, createifmissing=True)
        added.setid(unit.id)
        added.rich_source = [_rich(unit.source)]
        if unit.target is not None:
            added.set_rich_target([_rich(unit.target)], document.target_lang)
            added.markapproved(True)
            added.xmlelement.find(f"{{{NAMESPACE}}}target").set("state", "final")
        for note in unit.notes:
            added.addnote(note, origin="developer")
    file_node = store.getfilenode(document.original)
    file_node.set("datatype", "x-markdown")
    file_node.set("build-num", document.version)
    header = etree.Element(f"{{{NAMESPACE}}}header")
    file_node.insert(0, header)  # XLIFF 1.2 wants <header> before <body>
    for text in document.header:
        etree.SubElement(header, f"{{{NAMESPACE}}}note").text = text
    return bytes(store)


def _rich(parts: Inline) -> StringElem:
    return StringElem(
        [CODE_CLASSES[part.kind](id=part.id, sub=[part.native]) if isinstance(part, Code) else part for part in parts]
    )


def read(path: Path) -> Document:
    """Parse a file; raise UnreadableFile with a line when it is not one page's XLIFF."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(0, f"the file cannot be read ({exc.strerror or exc})") from None
    try:
        store = xliff.xlifffile.parsestring(raw)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(exc.lineno or 1, f"the file is not well-formed XML ({exc.msg})") from None
    except Exception as exc:  # translate-toolkit raises bare ValueErrors and friends for non-XLIFF XML
        raise UnreadableFile(1, f"the file is not XLIFF ({exc})") from None
    files = store.document.getroot().findall(f"{{{store.namespace}}}file")
    if len(files) != 1:
        raise UnreadableFile(
            1, f"the file holds {len(files)} <file> elements; this tool reads files with exactly one page"
        )
    file_node = files[0]
    units = tuple(
        Unit(
            unit.getid().split("\x04")[-1],
            _inline(unit.rich_source),
            _target(unit),
            tuple(unit.getnotes().split("\n")),
            unit.xmlelement.sourceline or 1,
        )
        for unit in store.units
    )
    return Document(
        file_node.get("original", ""),
        file_node.get("build-num", ""),
        file_node.get("source-language", ""),
        file_node.get("target-language", ""),
        units,
    )


def _target(unit: xliff.xliffunit) -> Inline | None:
    if unit.xmlelement.find(f"{{{unit.namespace}}}target") is None:
        return None
    parts = _inline(unit.rich_target)
    return parts if any(part.strip() if isinstance(part, str) else True for part in parts) else None


def _inline(rich: list[StringElem]) -> Inline:
    parts: list[str | Code] = []
    for element in rich:
        _flatten(element, parts)
    merged: list[str | Code] = []
    for part in parts:  # adjacent words arrive in separate elements; a text is one string between codes
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return tuple(merged)


def _flatten(element: StringElem | str, parts: list[str | Code]) -> None:
    if isinstance(element, str):
        parts.append(element)
        return
    tag = _tag(element)
    if tag is None or tag in TRANSPARENT:
        for sub in element.sub:
            _flatten(sub, parts)
        return
    parts.append(Code(tag, str(getattr(element, "id", "") or ""), _text(element)))


def _text(element: StringElem | str) -> str:
    return element if isinstance(element, str) else "".join(_text(sub) for sub in element.sub)


def _tag(element: StringElem) -> str | None:
    """The XLIFF element a rich element came from, or None for plain text."""
    node = getattr(element, "xml_node", None)
    if node is not None:
        return str(etree.QName(node).localname)
    for name, cls in CODE_CLASSES.items():
        if type(element) is cls:
            return name
    name = type(element).__name__.lower()
    return None if name == "stringelem" else name
