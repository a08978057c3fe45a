"""Language-help taglines and the nondiscrimination notice: on every member page, per market, from config."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from starlette.testclient import TestClient

from forms_backend.app import create_app
from tests.backend import GOOD, make_settings, token_from
from tests.conftest import ROOT, run_build
from tests.engine.test_markets import TREES, html_files, markets_project

HELP = {"en": "/en/language-assistance/", "es": "/es/asistencia-con-idiomas/"}
NOTICE = {"en": "/en/nondiscrimination-notice/", "es": "/es/aviso-de-no-discriminacion/"}
TAGLINE = re.compile(r'<li lang="([^"]+)" dir="(ltr|rtl)">\s*<h2>[^<]*</h2>\s*<p>(.*?)</p>', re.S)
RTL_LANGUAGES = {"ar", "fa", "ur"}


@pytest.fixture(scope="module")
def market_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = markets_project(tmp_path_factory.mktemp("access") / "project")
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    return project / "site"


def config_of(project: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((project / "site.toml").read_text())


def taglines_on(page: Path) -> list[tuple[str, str, str]]:
    return TAGLINE.findall(page.read_text())


def tree_and_lang(site: Path, file: Path) -> tuple[str, str]:
    """The tree prefix ("" or /in/plans/medicaid) and language of a built page."""
    relative = file.relative_to(site).as_posix()
    for tree in TREES.values():
        if relative.startswith(tree + "/"):
            rest = relative.removeprefix(tree + "/")
            return "/" + tree, rest.split("/")[0] if "/" in rest else "en"
    return "", relative.split("/")[0] if "/" in relative else "en"


# -- every member page links both notices --------------------------------------------------------


def test_every_built_page_of_the_single_plan_links_both_notices_in_its_language(built_site: Path) -> None:
    for file in html_files(built_site):
        _, lang = tree_and_lang(built_site, file)
        html = file.read_text()
        assert f'href="{HELP[lang]}"' in html and f'href="{NOTICE[lang]}"' in html, file


def test_every_page_of_every_market_links_its_own_markets_notices(market_site: Path) -> None:
    market_tree_pages = [f for f in html_files(market_site) if tree_and_lang(market_site, f)[0]]
    assert len(market_tree_pages) > 30
    for file in market_tree_pages:
        tree, lang = tree_and_lang(market_site, file)
        html = file.read_text()
        assert f'href="{tree}{HELP[lang]}"' in html and f'href="{tree}{NOTICE[lang]}"' in html, file


def test_the_market_index_and_its_404_link_each_markets_notices(market_site: Path) -> None:
    for name in ("index.html", "404.html"):
        html = (market_site / name).read_text()
        for tree in TREES.values():
            assert f'href="/{tree}{HELP["en"]}"' in html and f'href="/{tree}{NOTICE["en"]}"' in html


@pytest.fixture
def form_client(tmp_path: Path, built_site: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        yield client


@pytest.mark.parametrize("lang,form", [("en", "/en/tell-us/"), ("es", "/es/cuentenos/")])
def test_the_form_its_errors_its_confirmation_and_404s_link_both_notices(
    form_client: TestClient, lang: str, form: str
) -> None:
    page = form_client.get(form)
    errors = form_client.post(form, data={"token": token_from(page.text)}, headers={"origin": "http://testserver"})
    sent = form_client.post(
        form,
        data={**GOOD, "token": token_from(form_client.get(form).text)},
        headers={"origin": "http://testserver"},
        follow_redirects=True,
    )
    missing = form_client.get(f"/{lang}/no-such-page/")
    assert errors.status_code == 400 and sent.status_code == 200 and missing.status_code == 404
    for response in (page, errors, sent, missing):
        assert f'href="{HELP[lang]}"' in response.text and f'href="{NOTICE[lang]}"' in response.text


def test_the_footer_link_names_help_in_the_top_languages_each_in_its_own_language_and_direction(
    built_site: Path,
) -> None:
    footer = (built_site / "es/gestion-de-uso/index.html").read_text().split('<p class="notices">')[1].split("</p>")[0]
    assert footer.startswith(f'<a href="{HELP["es"]}">Asistencia con idiomas')
    # Spanish is the page's own language, so the next three of the plan's list are named.
    assert re.findall(r'<span lang="([^"]+)" dir="(ltr|rtl)">', footer) == [
        ("zh-Hant", "ltr"),
        ("ar", "rtl"),
        ("so", "ltr"),
    ]


# -- the taglines page ----------------------------------------------------------------------------


@pytest.mark.parametrize("market", TREES)
def test_each_markets_taglines_page_lists_exactly_its_languages_in_its_order_with_its_own_numbers(
    market_site: Path, market: str
) -> None:
    config = config_of(market_site.parent)
    wanted = config["markets"][market]["taglines"]
    own_help = config["markets"][market]["contacts"]["language-help"]["phone"]
    others = {m["contacts"]["language-help"]["phone"] for name, m in config["markets"].items() if name != market}
    for lang in config["markets"][market].get("languages", ["en", "es"]):
        page = (
            market_site
            / TREES[market]
            / HELP[lang].strip("/").split("/", 1)[0]
            / HELP[lang].strip("/").split("/", 1)[1]
            / "index.html"
        )
        taglines = taglines_on(page)
        assert [code for code, _, _ in taglines] == wanted
        assert all(f'href="tel:+1{own_help.replace("-", "")[1:]}"' in text for _, _, text in taglines)
        assert not any(number in page.read_text() for number in others)


def test_right_to_left_taglines_carry_dir_rtl_and_every_lang_is_a_locale(market_site: Path) -> None:
    seen = set()
    for tree in TREES.values():
        for code, direction, _ in taglines_on(market_site / tree / "en/language-assistance/index.html"):
            locale = Locale.parse(code, sep="-")
            assert direction == ("rtl" if locale.character_order == "right-to-left" else "ltr")
            seen.add((code, direction))
    assert {code for code, direction in seen if direction == "rtl"} == RTL_LANGUAGES


def test_taglines_are_in_large_print(built_site: Path) -> None:
    css = next((built_site / "static").glob("site.*.css")).read_text()
    rule = re.search(r"\.taglines \{[^}]*font-size: ([\d.]+)rem", css)
    assert rule and float(rule.group(1)) * 16 >= 24  # 18 point


def test_the_taglines_page_gives_the_tty_in_the_taglines_language(built_site: Path) -> None:
    taglines = dict((code, text) for code, _, text in taglines_on(built_site / "en/language-assistance/index.html"))
    assert (
        'TTY: <a href="tel:+18007433333" class="tel">1-800-743-3333</a> or <a href="tel:711" class="tel">711</a>'
        not in taglines["vi"]
    )
    assert (
        '<a href="tel:+18007433333" class="tel">1-800-743-3333</a> hoặc <a href="tel:711" class="tel">711</a>'
        in taglines["vi"]
    )
    assert "أو" in taglines["ar"]


def test_the_taglines_pages_are_in_the_sitemap_as_a_pair(built_site: Path) -> None:
    sitemap = (built_site / "sitemap.xml").read_text()
    assert f"<loc>https://www.caresource.com{HELP['en']}</loc>" in sitemap
    assert f'hreflang="es" href="https://www.caresource.com{HELP["es"]}"' in sitemap


# -- the nondiscrimination notice -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_nondiscrimination_notice_gives_the_coordinator_and_the_hhs_complaint_route(
    built_site: Path, lang: str
) -> None:
    html = (built_site / NOTICE[lang].strip("/") / "index.html").read_text()
    for needed in (
        'href="tel:+18445391732"',
        'href="tel:711"',
        'href="mailto:CivilRightsCoordinator@CareSource.com"',
        "P.O. Box 1947, Dayton, OH 45401",
        'href="tel:+18003681019"',
        'href="tel:+18005377697"',
        "200 Independence Avenue, SW",
        "https://ocrportal.hhs.gov/",
        f'href="{HELP[lang]}"',
    ):
        assert needed in html
    words = {
        "en": [
            "race, color, national origin, age, disability, or sex",
            "sign language interpreters",
            "large print",
            "grievance",
        ],
        "es": [
            "raza, color, origen nacional, edad, discapacidad o sexo",
            "lenguaje de señas",
            "letra grande",
            "queja formal",
        ],
    }
    assert all(word in html for word in words[lang])


def test_the_nondiscrimination_notice_is_a_translated_pair_with_staleness(project: Path) -> None:
    en = project / "content/en/nondiscrimination-notice.md"
    en.write_text(
        en.read_text().replace(
            "CareSource follows Federal civil rights laws.", "CareSource follows all Federal civil rights laws."
        )
    )
    result = run_build(project, project / "site")
    assert result.code == 0
    assert "content/es/aviso-de-no-discriminacion.md:6: translation is stale" in result.stderr


# -- one config: change the line, every tagline follows ------------------------------------------


def test_changing_the_language_help_phone_changes_every_tagline_in_every_market(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    config = (project / "site.toml").read_text()
    (project / "site.toml").write_text(
        config.replace('phone = "1-844-555-0104"', 'phone = "1-844-555-0199"')
        .replace('phone = "1-855-555-0204"', 'phone = "1-855-555-0299"')
        .replace('phone = "1-833-555-0304"', 'phone = "1-833-555-0399"')
    )
    assert run_build(project, project / "site").code == 0
    for market, new in (
        ("in-medicaid", "18445550199"),
        ("ga-medicaid", "18555550299"),
        ("wi-marketplace", "18335550399"),
    ):
        for page in (project / "site" / TREES[market]).glob("*/*/index.html"):
            if page.parent.name in ("language-assistance", "asistencia-con-idiomas"):
                assert all(f'href="tel:+{new}"' in text for _, _, text in taglines_on(page))


def test_changing_the_single_plans_help_line_changes_the_taglines_on_an_incremental_build(project: Path) -> None:
    assert run_build(project, project / "site").code == 0
    config = (project / "site.toml").read_text()
    start = config.index("[contacts.language-help]")
    (project / "site.toml").write_text(
        config[:start] + config[start:].replace('phone = "1-844-607-2829"', 'phone = "1-844-607-0000"', 1)
    )
    assert run_build(project, project / "site").code == 0
    for lang in ("en", "es"):
        taglines = taglines_on(project / "site" / HELP[lang].strip("/") / "index.html")
        assert len(taglines) == 15 and all('href="tel:+18446070000"' in text for _, _, text in taglines)


# Editor mistakes in taglines and notices are in test_editor_mistakes.py and test_markets.py with the others.


def test_an_unreviewed_tagline_is_a_warning_and_an_error_under_strict(project: Path) -> None:
    plain = run_build(project, project / "site")
    assert plain.code == 0
    assert (
        "content/taglines.toml:43: tagline 'vi' (Tiếng Việt) has not been reviewed by a qualified translator"
        in plain.stderr
    )
    strict = run_build(project, project / "strict-site", "--strict")
    assert strict.code == 1 and "tagline 'vi' (Tiếng Việt) has not been reviewed" in strict.stderr
    taglines = project / "content/taglines.toml"
    taglines.write_text(taglines.read_text().replace("reviewed = false", "reviewed = true"))
    assert "has not been reviewed" not in run_build(project, project / "site").stderr


def test_every_shipped_tagline_names_its_language_help_line_and_is_marked_unreviewed() -> None:
    data = tomllib.loads((ROOT / "content/taglines.toml").read_text())
    assert len(data) >= 15
    for code, tagline in data.items():
        assert Locale.parse(code, sep="-")
        assert "{{phone:language-help}}" in tagline["text"] and "{{tty:language-help}}" in tagline["text"]
        assert tagline["reviewed"] is False  # none is the seed's own wording: a translator must check each


def test_the_shipped_lists_name_at_least_fifteen_languages_each_with_a_tagline() -> None:
    taglines = tomllib.loads((ROOT / "content/taglines.toml").read_text())
    fixture = tomllib.loads((ROOT / "tests/fixtures/markets/site.toml").read_text())
    lists = [config_of(ROOT)["notices"]["taglines"]] + [m["taglines"] for m in fixture["markets"].values()]
    for codes in lists:
        assert len(codes) >= 15 and set(codes) <= set(taglines)
