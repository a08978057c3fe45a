"""Write a complete project tree with N English and N Spanish pages.

    python -m bench.corpus N OUT [--seed 1] [--words 500]      # synthetic pages, deterministic from a seed
    python -m bench.corpus N OUT --real                        # copies of this project's own pages

Synthetic pages have front matter, headings with anchors, lists, links to other pages of its language,
and contact placeholders. Real-shaped pages are this project's own pages (Utilization Management and
the nondiscrimination notice, both languages) copied N/2 times each under new keys and slugs, with
their placeholders, contact lines, lists and links, one more link to another copy, and half of the
Spanish copies stale (their English page was edited after translation), as in a real site.
Either way the config, templates, catalogs and stylesheet are this project's.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EN_WORDS = (
    "member care review request service health plan coverage approval team call hours benefit doctor visit "
    "pharmacy claim appeal provider network referral therapy equipment transport language support"
).split()
ES_WORDS = (
    "afiliado atención revisión solicitud servicio salud plan cobertura aprobación equipo llamada horario beneficio "
    "médico visita farmacia reclamo apelación proveedor red remisión terapia equipo transporte idioma apoyo"
).split()
NOTICES = {"en": "nondiscrimination-notice.md", "es": "aviso-de-no-discriminacion.md"}
# Our own pages, per language: (file, slug) — copies get "-00042" added to slug, key and title.
OWN_PAGES = (
    {"en": ("utilization-management.md", "utilization-management"), "es": ("gestion-de-uso.md", "gestion-de-uso")},
    {"en": (NOTICES["en"], "nondiscrimination-notice"), "es": (NOTICES["es"], "aviso-de-no-discriminacion")},
)
SEE_ALSO = {"en": "See also [{title}]({url}).", "es": "Vea también [{title}]({url})."}
EDITED_EN = "This sentence was added after the page was translated."
PLACEHOLDERS = (
    "{{phone:member-services}}",
    "{{hours:um-team}}",
    "{{tty:language-help}}",
    "{{hours:member-services|time-first}}",
)


def sentence(rng: random.Random, words: list[str], count: int) -> str:
    return " ".join(rng.choice(words) for _ in range(count)).capitalize() + "."


def paragraph(rng: random.Random, words: list[str], count: int) -> str:
    out, left = [], count
    while left > 0:
        size = min(left, rng.randint(8, 16))
        out.append(sentence(rng, words, size))
        left -= size
    return " ".join(out)


def page_text(rng: random.Random, lang: str, index: int, total: int, words_per_page: int) -> str:
    words = EN_WORDS if lang == "en" else ES_WORDS
    slug = f"page-{index:05d}" if lang == "en" else f"pagina-{index:05d}"
    prefix = "page" if lang == "en" else "pagina"
    title = f"{sentence(rng, words, 3)[:-1]} {index}"
    parts = [
        "+++",
        f'title = "{title}"',
        f'description = "{sentence(rng, words, 12)}"',
        f'key = "topic-{index:05d}"',
        f'slug = "{slug}"',
        "+++",
        "",
        paragraph(rng, words, words_per_page // 5),
        "",
        *[f"- {sentence(rng, words, 6)}" for _ in range(4)],
        "",
        f"## {sentence(rng, words, 3)[:-1]} {{#part-one}}",
        "",
        paragraph(rng, words, words_per_page // 5) + f" {rng.choice(words).capitalize()} {rng.choice(PLACEHOLDERS)}.",
        "",
        f"See [{sentence(rng, words, 2)[:-1]}](/{lang}/{prefix}-{rng.randrange(total):05d}/) and "
        f"[{sentence(rng, words, 2)[:-1]}](/{lang}/{prefix}-{rng.randrange(total):05d}/#part-two).",
        "",
        f"## {sentence(rng, words, 3)[:-1]} {{#part-two}}",
        "",
        paragraph(rng, words, words_per_page // 5),
        "",
        *[f"1. {sentence(rng, words, 7)}" for _ in range(3)],
        "",
        paragraph(rng, words, words_per_page // 5) + f" {rng.choice(PLACEHOLDERS)}.",
        "",
        paragraph(rng, words, words_per_page // 5),
        "",
    ]
    return "\n".join(parts)


def project_tree(out: Path) -> None:
    """A project folder with this project's config, templates, catalogs, stylesheet and notice pages."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for part in ("templates", "locales", "static"):
        shutil.copytree(ROOT / part, out / part)
    # Generated prose is word salad: readability warnings on it would only be noise.
    config = (ROOT / "site.toml").read_text(encoding="utf-8")
    (out / "site.toml").write_text(
        re.sub(r"\[readability\]\nen = \d+\nes = \d+", "[readability]\nen = 99\nes = 0", config), encoding="utf-8"
    )
    # Every site carries the language-help taglines and the nondiscrimination notice (a page pair).
    (out / "content").mkdir()
    shutil.copy2(ROOT / "content" / "taglines.toml", out / "content" / "taglines.toml")
    for lang in ("en", "es"):
        folder = out / "content" / lang
        folder.mkdir(parents=True)
        shutil.copy2(ROOT / "content" / lang / NOTICES[lang], folder / NOTICES[lang])


def write_corpus(count: int, out: Path, seed: int = 1, words_per_page: int = 500) -> None:
    project_tree(out)
    versions = {}
    for lang in ("en", "es"):
        folder = out / "content" / lang
        rng = random.Random(f"{seed}-{lang}")
        for index in range(count):
            name = f"page-{index:05d}.md" if lang == "en" else f"pagina-{index:05d}.md"
            text = page_text(rng, lang, index, count, words_per_page)
            if lang == "en":
                versions[index] = hashlib.sha256(text.encode()).hexdigest()[:16]
            else:  # every Spanish page is an up-to-date translation of its English page
                text = text.replace("\n+++\n", f'\ntranslated_from = "{versions[index]}"\n+++\n', 1)
            (folder / name).write_text(text, encoding="utf-8")


def copied_page(text: str, lang: str, copy: int, slug: str, see_also: tuple[str, str]) -> str:
    """One of our pages as copy number `copy`: its own key, slug and title, and a link to another copy."""
    suffix = f"-{copy:05d}"
    text = re.sub(r'^(key = "[^"]+)"', rf'\g<1>{suffix}"', text, count=1, flags=re.M)
    text = re.sub(r'^slug = "[^"]+"', f'slug = "{slug}{suffix}"', text, count=1, flags=re.M)
    text = re.sub(r'^(title = "[^"]+)"', rf'\g<1> {copy}"', text, count=1, flags=re.M)
    title, url = see_also
    return text.rstrip("\n") + "\n\n" + SEE_ALSO[lang].format(title=title, url=url) + "\n"


def write_real_corpus(count: int, out: Path) -> None:
    """`count` English and `count` Spanish pages copied from this project's own (see the module's doc)."""
    project_tree(out)
    originals = [
        {lang: (ROOT / "content" / lang / name).read_text(encoding="utf-8") for lang, (name, _) in own.items()}
        for own in OWN_PAGES
    ]
    titles = [
        {lang: re.search(r'^title = "([^"]+)"', text, re.M).group(1) for lang, text in pages.items()}
        for pages in originals
    ]  # type: ignore[union-attr]
    for copy in range(count):
        kind = copy % len(OWN_PAGES)
        other = (copy * 7 + 3) % count  # a link to some other copy, as pages link to each other
        other_kind = other % len(OWN_PAGES)
        texts = {}
        for lang, (_, slug) in OWN_PAGES[kind].items():
            other_slug = OWN_PAGES[other_kind][lang][1]
            see_also = (titles[other_kind][lang], f"/{lang}/{other_slug}-{other:05d}/")
            texts[lang] = copied_page(originals[kind][lang], lang, copy, slug, see_also)
        version = hashlib.sha256(texts["en"].encode()).hexdigest()[:16]
        texts["es"] = re.sub(
            r'^translated_from = "[^"]*"', f'translated_from = "{version}"', texts["es"], count=1, flags=re.M
        )
        if copy // 2 % 2:  # the English page was edited after it was translated: its Spanish copy is stale
            front, body = texts["en"].split("\n+++\n", 1)
            texts["en"] = f"{front}\n+++\n\n{EDITED_EN}\n\n{body.lstrip()}"
        for lang, (_, slug) in OWN_PAGES[kind].items():
            (out / "content" / lang / f"{slug}-{copy:05d}.md").write_text(texts[lang], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", type=int, help="pages per language")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--real", action="store_true", help="copies of this project's own pages, half of them stale")
    args = parser.parse_args()
    if args.real:
        write_real_corpus(args.pages, args.out)
    else:
        write_corpus(args.pages, args.out, args.seed, args.words)
    print(f"wrote {args.pages} English and {args.pages} Spanish pages to {args.out}")


if __name__ == "__main__":
    main()
