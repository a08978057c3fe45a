"""The build's decisions, one stage at a time, over hand-made states: which pages a scan reads, which a
plan renders, which pages a link check looks at. A failure names the page and the input."""

from __future__ import annotations

import json
import os
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.checks.links import LinkIndex, check_site_links
from sitegen.config.loader import load_config
from sitegen.content.page import Page, parse_page, simple_front_matter
from sitegen.content.pairing import PagePair, pair_pages, paired_again
from sitegen.engine.cache import OutputRecord
from sitegen.engine.keys import KeyMaker
from sitegen.engine.plan import edited_pairs, only_bodies_changed, plan, plan_edited
from sitegen.engine.publish import outputs_gone
from sitegen.engine.sources import Scan, scan
from sitegen.engine.state import BuildState, Pairs, SourceState
from tests.conftest import ROOT

KEYS = KeyMaker({"en": "site-en", "es": "site-es"}, {"member-services": "ms-1"})


def page(lang: str, slug: str, title: str = "A title", body: str = "Words.", key: str = "") -> Page:
    text = f'+++\ntitle = "{title}"\ndescription = "About it."\nkey = "{key or slug}"\nslug = "{slug}"\n+++\n\n{body}\n'
    return parse_page(text.encode(), f"content/{lang}/{slug}.md", lang)


def pair_of(en: Page, es: Page) -> PagePair:
    return PagePair(en.key, {"en": en, "es": es})


def output(
    p: Page, pair: PagePair, notice: str = "", ids: tuple[str, ...] = (), hrefs: tuple[str, ...] = ()
) -> OutputRecord:
    alternates = {lang: other.url for lang, other in pair.pages.items()}
    return OutputRecord(
        KEYS.key(p.digest, p.lang, alternates, (), notice), f"{p.lang}/{p.slug}/index.html", (), hrefs, ids
    )


def published(*pairs: PagePair) -> BuildState:
    """The state a build of these pairs leaves behind."""
    pages = [p for pair in pairs for p in pair.pages.values()]
    return BuildState(
        sources={p.path: SourceState(1, 1, p) for p in pages},
        outputs={p.path: output(p, pair) for pair in pairs for p in pair.pages.values()},
        pairs=Pairs(pairs),
        key_inputs=KEYS.shared,
    )


# -- pair ------------------------------------------------------------------------------------------

LANGUAGES = ("en", "es")


def test_pages_a_build_paired_cleanly_are_paired_again_exactly_as_pair_pages_pairs_them() -> None:
    pages = [page("es", "b-es", key="b"), page("en", "a"), page("en", "b"), page("es", "a-es", key="a")]
    assert paired_again(pages, LANGUAGES) == pair_pages(pages, LANGUAGES, {})[0]
    assert [pair.key for pair in paired_again(pages, LANGUAGES) or []] == ["a", "b"]


@pytest.mark.parametrize(
    "pages",
    [
        [page("en", "a"), page("es", "a-es", key="a"), page("en", "b")],  # b has no translation
        [page("en", "a"), page("es", "a-es", key="a"), page("es", "a-dos", key="a")],  # two Spanish pages for a
        [page("en", "a"), page("es", "a-es", key="a"), page("fr", "a-fr", key="a")],  # a language the site lacks
    ],
    ids=["unpaired", "duplicate key", "other language"],
)
def test_pages_that_no_longer_pair_cleanly_are_left_to_the_checks(pages: list[Page]) -> None:
    assert paired_again(pages, LANGUAGES) is None


# -- scan -----------------------------------------------------------------------------------------


def write(folder: Path, relative: str, text: str, seconds_ago: int = 60) -> Path:
    """A content file, changed `seconds_ago` (by default long enough ago for its time to be trusted)."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time_ns() - seconds_ago * 10**9
    os.utime(path, ns=(then, then))
    return path


def test_a_scan_reads_only_files_whose_time_or_size_changed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    first = write(content, "en/a.md", '+++\ntitle = "A"\ndescription = "d"\nkey = "a"\nslug = "a"\n+++\nOne.\n')
    write(content, "en/b.md", '+++\ntitle = "B"\ndescription = "d"\nkey = "b"\nslug = "b"\n+++\nTwo.\n')
    before = scan(content, ("en",), {}, None)
    assert before.reparsed == {"content/en/a.md", "content/en/b.md"} and before.changed
    first.write_text(first.read_text() + "More.\n")
    again = scan(content, ("en",), before.sources, None)
    assert again.reparsed == {"content/en/a.md"} and again.changed


def test_a_file_read_within_a_clock_tick_of_its_change_is_read_again_by_the_next_scan(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "en/a.md", '+++\ntitle = "A"\ndescription = "d"\nkey = "a"\nslug = "a"\n+++\nOne.\n', seconds_ago=0)
    write(content, "en/b.md", '+++\ntitle = "B"\ndescription = "d"\nkey = "b"\nslug = "b"\n+++\nTwo.\n')
    before = scan(content, ("en",), {}, None)
    again = scan(content, ("en",), before.sources, None)
    assert again.reparsed == {"content/en/a.md"} and not again.changed  # read again; the same text is no change


def test_a_scan_of_touched_files_notices_a_deleted_page_and_keeps_the_rest_unread(tmp_path: Path) -> None:
    content = tmp_path / "content"
    gone = write(content, "en/a.md", '+++\ntitle = "A"\ndescription = "d"\nkey = "a"\nslug = "a"\n+++\nOne.\n')
    write(content, "en/b.md", '+++\ntitle = "B"\ndescription = "d"\nkey = "b"\nslug = "b"\n+++\nTwo.\n')
    before = scan(content, ("en",), {}, None)
    gone.unlink()
    after = scan(content, ("en",), before.sources, {gone})
    assert set(after.sources) == {"content/en/b.md"} and after.changed and not after.reparsed


def test_an_unreadable_page_is_an_error_and_not_a_source(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "es/roto.md", "no front matter\n")
    found = scan(content, ("en", "es"), {}, None)
    assert not found.sources and [e.path for e in found.errors] == ["content/es/roto.md"]
    assert found.unreadable_languages == {"es"}


# -- plan -----------------------------------------------------------------------------------------


def test_the_plan_renders_a_page_whose_source_changed_and_keeps_its_translation() -> None:
    en, es = page("en", "um"), page("es", "um-es", key="um")
    before = published(pair_of(en, es))
    edited = page("en", "um", body="New words.")
    planned = plan([pair_of(edited, es)], before, KEYS, {})
    assert [job.page.path for job in planned.jobs] == ["content/en/um.md"]
    assert set(planned.records) == {"content/es/um-es.md"}


def test_a_stale_notice_coming_makes_the_translation_render() -> None:
    en, es = page("en", "um"), page("es", "um-es", key="um")
    planned = plan([pair_of(en, es)], published(pair_of(en, es)), KEYS, {es.path: "en|/en/um/|2026-11-30"})
    assert [job.page.path for job in planned.jobs] == ["content/es/um-es.md"]


def test_a_contact_line_change_renders_every_page_that_shows_it() -> None:
    en, es = page("en", "um"), page("es", "um-es", key="um")
    before = published(pair_of(en, es))
    before = BuildState(
        **{
            **before.__dict__,
            "outputs": {
                p.path: OutputRecord(
                    KEYS.key(p.digest, p.lang, {"en": en.url, "es": es.url}, ("phone:member-services",)),
                    "x",
                    ("phone:member-services",),
                    (),
                    (),
                )
                for p in (en, es)
            },
        }
    )
    changed = KeyMaker(KEYS.site_digests, {"member-services": "ms-2"})
    assert len(plan([pair_of(en, es)], before, changed, {}).jobs) == 2


def test_a_title_edit_is_not_a_body_only_edit_but_a_body_edit_is(tmp_path: Path) -> None:
    en, es = page("en", "um"), page("es", "um-es", key="um")
    before = published(pair_of(en, es))
    for edited, body_only in (
        (page("en", "um", body="New words."), True),
        (page("en", "um", title="Another title"), False),
    ):
        found = scan_with(before, edited)
        assert only_bodies_changed(before, found, KEYS) is body_only, edited.title
        if body_only:
            pairs = edited_pairs(before, found)
            assert pairs[0].pages["en"].body.strip() == "New words."
            assert [job.page.path for job in plan_edited(pairs, before, found, KEYS, {}).jobs] == ["content/en/um.md"]


def scan_with(before: BuildState, edited: Page) -> Scan:
    sources = {**before.sources, edited.path: SourceState(2, 2, edited)}
    return Scan(sources, frozenset({edited.path}), [], True)


# -- link checks ----------------------------------------------------------------------------------

CONFIG = load_config(ROOT / "site.toml", "site.toml")


def line_of(p: Page, text: str) -> int:
    return p.line_containing(text)


def site_check(pages: list[Page], *rest):  # type: ignore[no-untyped-def]
    """check_site_links over these pages (it takes them as callables, so a one-page edit need not list them all)."""
    by_path = {p.path: p for p in pages}
    return check_site_links(lambda: pages, by_path.get, *rest)


def test_a_link_to_no_page_is_reported_at_its_line() -> None:
    linking = page("en", "a", body="See [b](/en/b/).")
    records = {linking.path: OutputRecord("k", "en/a/index.html", (), ("/en/b/",), ())}
    errors, _ = site_check([linking], records, {linking.path}, CONFIG, None, False, line_of)
    assert [str(e) for e in errors] == [
        "content/en/a.md:8: link '/en/b/' leads to no page — check the slug; page URLs are /<lang>/<slug>/"
    ]


def test_a_page_that_did_not_render_is_checked_again_when_a_heading_it_links_to_goes() -> None:
    linking, target = page("en", "a", body="See [b](/en/b/#part)."), page("en", "b", body="## Part {#part}")
    records = {
        linking.path: OutputRecord("k", "x", (), ("/en/b/#part",), ()),
        target.path: OutputRecord("k", "y", (), (), ("part",)),
    }
    _, index = site_check([linking, target], records, {linking.path, target.path}, CONFIG, None, False, line_of)
    records[target.path] = OutputRecord("k2", "y", (), (), ())  # the heading was renamed away
    errors, _ = site_check([linking, target], records, {target.path}, CONFIG, index, True, line_of)
    assert [e.path for e in errors] == ["content/en/a.md"] and "names a heading that does not exist" in errors[
        0
    ].problem


def test_pages_whose_targets_did_not_change_are_not_checked_again() -> None:
    linking, target = page("en", "a", body="See [b](/en/b/#gone)."), page("en", "b")
    records = {
        linking.path: OutputRecord("k", "x", (), ("/en/b/#gone",), ()),
        target.path: OutputRecord("k", "y", (), (), ()),
    }
    index = LinkIndex({"/en/": frozenset(), "/es/": frozenset(), linking.url: frozenset(), target.url: frozenset()})
    errors, _ = site_check([linking, target], records, {target.path}, CONFIG, index, True, line_of)
    assert errors == []  # a's broken anchor was reported when a rendered; b's ids did not change


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet='ab_-= "\\\t\x01#[]1\u00e9', max_size=14), max_size=5))
def test_plain_front_matter_is_read_exactly_as_toml_reads_it(lines: list[str]) -> None:
    fast = simple_front_matter(lines)
    if fast is not None:
        assert fast == tomllib.loads("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.text(max_size=20), max_size=5))
def test_front_matter_of_plain_strings_takes_the_fast_path(fields: dict[str, str]) -> None:
    lines = [f"{name} = {json.dumps(value)}" for name, value in fields.items()]
    fast = simple_front_matter(lines)
    if all(json.dumps(v) == f'"{v}"' and "\x7f" not in v for v in fields.values()):
        assert fast == fields
    else:
        assert fast is None or fast == tomllib.loads("\n".join(lines))


def record(output: str) -> OutputRecord:
    return OutputRecord("key", output, (), (), ())


def test_a_renamed_page_gives_up_its_old_file() -> None:
    before = {"a.md": record("en/a/index.html"), "b.md": record("en/b/index.html")}
    after = {"a.md": record("en/a2/index.html"), "b.md": before["b.md"]}
    assert outputs_gone(before, after, {"a.md"}) == {"en/a/index.html"}


def test_two_pages_that_swap_addresses_give_up_no_file() -> None:
    before = {"a.md": record("en/a/index.html"), "b.md": record("en/b/index.html")}
    after = {"a.md": record("en/b/index.html"), "b.md": record("en/a/index.html")}
    assert outputs_gone(before, after, {"a.md", "b.md"}) == set()


def test_a_deleted_page_gives_up_its_file_and_an_edited_one_keeps_it() -> None:
    before = {"a.md": record("en/a/index.html"), "b.md": record("en/b/index.html")}
    after = {"b.md": record("en/b/index.html")}
    assert outputs_gone(before, after, {"b.md"}) == {"en/a/index.html"}
