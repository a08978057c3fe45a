"""One content source, many markets: every market's tree shows its own lines, and nothing of another's."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_project, mark_taglines_reviewed, run_build

FIXTURE = ROOT / "tests" / "fixtures" / "markets"
TREES = {
    "in-medicaid": "in/plans/medicaid",
    "ga-medicaid": "ga/plans/medicaid",
    "wi-marketplace": "wi/plans/marketplace",
}
# Numbers each market's config gives it (member services, its TTY, UM team, language help).
NUMBERS = {
    "in-medicaid": ("1-844-555-0101", "1-800-555-0102", "1-844-555-0103", "1-844-555-0104"),
    "ga-medicaid": ("1-855-555-0201", "1-800-555-0202", "1-855-555-0203", "1-855-555-0204"),
    "wi-marketplace": ("1-833-555-0301", "1-800-555-0302", "1-833-555-0303", "1-833-555-0304"),
}
EN = "content/en/utilization-management.md"


def markets_project(target: Path) -> Path:
    """The real project with the three-market fixture config and its extra shared pages (and their translations)."""
    project = copy_project(target)
    for file in FIXTURE.rglob("*"):
        if file.is_file():
            shutil.copy2(file, project / file.relative_to(FIXTURE))
    return project


@pytest.fixture(scope="module")
def market_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = markets_project(tmp_path_factory.mktemp("markets") / "project")
    mark_taglines_reviewed(project)
    result = run_build(project, project / "site")
    assert result.code == 0 and result.stderr == "", result.stderr  # not even a warning
    return project / "site"


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- every market's tree -------------------------------------------------------------------------


def test_each_market_gets_its_own_tree_with_home_404_sitemap_and_language_root(market_site: Path) -> None:
    for market, tree in TREES.items():
        languages = ["en"] if market == "wi-marketplace" else ["en", "es"]
        root = market_site / tree
        for name in [
            "index.html",
            "404.html",
            "sitemap.xml",
            *[f"{lang}/{page}" for lang in languages for page in ("index.html", "404.html")],
        ]:
            assert (root / name).is_file(), f"{tree}/{name}"
        assert not (root / "static").exists() and not (root / "robots.txt").exists()  # shared from the top
    assert not (market_site / "en").exists() and not (market_site / "es").exists()


def test_english_only_market_has_no_spanish_pages_and_no_language_switcher(market_site: Path) -> None:
    wi = market_site / TREES["wi-marketplace"]
    assert not (wi / "es").exists()
    page = (wi / "en/utilization-management/index.html").read_text()
    assert "language-switcher" not in page and 'hreflang="es"' not in page
    assert (
        'hreflang="x-default" href="https://www.caresource.com/wi/plans/marketplace/en/utilization-management/"' in page
    )


def test_every_page_shows_its_own_markets_numbers_and_no_other_markets(market_site: Path) -> None:
    scanned = 0
    for market, tree in TREES.items():
        own_member_services = NUMBERS[market][0]
        others = {n for other, numbers in NUMBERS.items() if other != market for n in numbers}
        for path in sorted((market_site / tree).rglob("*")):
            if not path.is_file():
                continue
            text = path.read_text()
            for number in others:
                digits = number.replace("-", "")
                assert number not in text and digits not in text, (
                    f"{path.relative_to(market_site)} shows {number} of another market"
                )
            if path.suffix == ".html":
                assert own_member_services in text, f"{path.relative_to(market_site)} lacks its Member Services line"
            scanned += 1
    assert scanned >= 30


def test_the_top_of_the_site_shows_no_market_numbers(market_site: Path) -> None:
    for name in ("index.html", "404.html", "sitemap.xml", "robots.txt"):
        text = (market_site / name).read_text()
        assert not re.search(r"\d{3}-\d{3}-\d{4}|tel:", text), name


@pytest.mark.parametrize(
    ("page", "phrases"),
    [
        (
            "in/plans/medicaid/en/utilization-management/index.html",
            ["Monday – Friday from 8 a.m. to 5 p.m. Eastern Time"],
        ),
        ("in/plans/medicaid/es/gestion-de-uso/index.html", ["de lunes a viernes, de 8 a. m. a 5 p. m., hora del este"]),
        (
            "ga/plans/medicaid/en/utilization-management/index.html",
            [
                "Monday – Friday from 7:30 a.m. to 4:30 p.m. Eastern Time",
                "7 a.m. to 7 p.m., Monday – Friday and 9 a.m. to 1 p.m., Saturday Eastern Time",
            ],
        ),
        (
            "ga/plans/medicaid/es/gestion-de-uso/index.html",
            ["de 7 a. m. a 7 p. m., de lunes a viernes y de 9 a. m. a 1 p. m., sábado, hora del este"],
        ),
        (
            "wi/plans/marketplace/en/utilization-management/index.html",
            ["Monday – Friday from 8 a.m. to 4 p.m. Central Time", "7 a.m. to 6 p.m., Monday – Friday Central Time"],
        ),
    ],
)
def test_hours_and_time_zones_follow_the_market(market_site: Path, page: str, phrases: list[str]) -> None:
    text = visible_text((market_site / page).read_text())
    for phrase in phrases:
        assert phrase in text


def test_a_market_may_name_its_plan(market_site: Path) -> None:
    assert (
        "<title>Utilization Management | CareSource Georgia</title>"
        in (market_site / "ga/plans/medicaid/en/utilization-management/index.html").read_text()
    )
    assert (
        "<title>Utilization Management | CareSource</title>"
        in (market_site / "in/plans/medicaid/en/utilization-management/index.html").read_text()
    )


def test_every_site_link_and_alternate_stays_in_its_market_tree(market_site: Path) -> None:
    form_paths = {"/en/tell-us/", "/es/cuentenos/"}
    for tree in TREES.values():
        for path in html_files(market_site / tree):
            html = path.read_text()
            for href in re.findall(r'href="(/[^"#]*)', html):
                if href.startswith("/static/"):
                    assert (market_site / href.lstrip("/")).is_file()
                    continue
                assert href.startswith(f"/{tree}/"), f"{path.relative_to(market_site)} links out of its tree: {href}"
                inside = href[len(tree) + 1 :]
                assert inside in form_paths or (market_site / href.lstrip("/") / "index.html").is_file(), href
            for href in re.findall(r'rel="(?:alternate|canonical)"[^>]*href="([^"]+)"', html):
                assert href.startswith(f"https://www.caresource.com/{tree}/"), href
                assert (market_site / href.removeprefix("https://www.caresource.com/") / "index.html").is_file(), href


def test_market_sitemaps_list_their_own_pages_and_the_top_sitemap_lists_the_markets(market_site: Path) -> None:
    top = (market_site / "sitemap.xml").read_text()
    assert "<sitemapindex" in top
    for tree in TREES.values():
        assert f"<loc>https://www.caresource.com/{tree}/sitemap.xml</loc>" in top
        locs = re.findall(
            r"<loc>https://www\.caresource\.com/([^<]*)</loc>", (market_site / tree / "sitemap.xml").read_text()
        )
        assert locs and all(loc.startswith(tree + "/") and (market_site / loc / "index.html").is_file() for loc in locs)
    assert "Sitemap: https://www.caresource.com/sitemap.xml" in (market_site / "robots.txt").read_text()


def test_the_top_index_lists_every_market_in_its_languages(market_site: Path) -> None:
    index = (market_site / "index.html").read_text()
    main = index.split("<main", 1)[1].split("</main>", 1)[0]  # the footer links each market's notices
    links = dict(re.findall(r'<a href="(/[^"]+)" hreflang="[a-z]+">([^<]+)</a>', main))
    assert links == {
        "/in/plans/medicaid/en/": "Indiana Medicaid",
        "/in/plans/medicaid/es/": "Medicaid de Indiana",
        "/ga/plans/medicaid/en/": "Georgia Medicaid",
        "/ga/plans/medicaid/es/": "Medicaid de Georgia",
        "/wi/plans/marketplace/en/": "Wisconsin Marketplace",
    }
    assert '<p lang="es">Elija su estado y su plan' in index
    assert "Page not found" in (market_site / "404.html").read_text()


# -- market passages and pages limited to markets -------------------------------------------------


def test_market_blocks_keep_each_passage_in_its_markets_only(market_site: Path) -> None:
    ga = visible_text((market_site / "ga/plans/medicaid/en/appeals/index.html").read_text())
    indiana = visible_text((market_site / "in/plans/medicaid/en/appeals/index.html").read_text())
    wi = visible_text((market_site / "wi/plans/marketplace/en/appeals/index.html").read_text())
    assert "Georgia law gives you 60 days" in ga and "from the date on your letter" not in ga
    assert "Georgia law" not in indiana and "from the date on your letter" in indiana
    assert "State Fair Hearing. Call 1-855-555-0203" in ga and "State Fair Hearing. Call 1-844-555-0103" in indiana
    assert "State Fair Hearing" not in wi and ":::" not in wi
    es = visible_text((market_site / "ga/plans/medicaid/es/apelaciones/index.html").read_text())
    assert "La ley de Georgia le da 60 días" in es and "a partir de la fecha de su carta" not in es


def test_a_page_limited_to_some_markets_is_built_and_listed_only_there(market_site: Path) -> None:
    assert (market_site / "in/plans/medicaid/en/rides/index.html").is_file()
    assert (market_site / "ga/plans/medicaid/es/transporte/index.html").is_file()
    assert not (market_site / "wi/plans/marketplace/en/rides").exists()
    assert "/rides/" not in (market_site / "wi/plans/marketplace/en/index.html").read_text()
    assert "/wi/plans/marketplace/en/rides/" not in (market_site / "wi/plans/marketplace/sitemap.xml").read_text()
    assert 'href="/in/plans/medicaid/en/rides/"' in (market_site / "in/plans/medicaid/en/index.html").read_text()


# -- the single plan -------------------------------------------------------------------------------


def test_the_original_single_plan_config_builds_exactly_what_it_built_before(tmp_path: Path) -> None:
    """tests/golden/single-plan-site.sha256 was taken from the build before markets existed, and taken
    again when every page gained its language-help and nondiscrimination links; the two form-unavailable
    pages (what nginx shows while the backend is down) were added to it, every other digest unchanged."""
    out = tmp_path / "site"
    assert run_build(ROOT, out, "--no-cache").code == 0
    expected = dict(
        reversed(line.split("  ./"))
        for line in (ROOT / "tests/golden/single-plan-site.sha256").read_text().splitlines()
    )
    built = {name: digest for name, digest in digests(out).items() if name != ".build-id"}
    assert built == expected


# -- editor mistakes --------------------------------------------------------------------------------


def test_a_market_missing_a_contact_line_a_page_uses_is_a_path_line_error_naming_the_market(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    before = digests(project / "site")
    toml = project / "site.toml"
    text = toml.read_text()
    start = text.index("[markets.wi-marketplace.contacts.um-team]")
    toml.write_text(text[:start] + text[text.index("[markets.wi-marketplace.contacts.language-help]") :])
    result = run_build(project, project / "site")
    assert result.code == 1
    assert (
        f"{EN}:17: market 'wi-marketplace' has no contact line 'um-team' — add [markets.wi-marketplace.contacts.um-team]"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert (
        "content/en/appeals.md" not in result.stderr
    )  # its um-team sentence is in an '::: except wi-marketplace' block
    assert digests(project / "site") == before


def test_a_link_into_another_markets_tree_is_an_error(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    edit(
        project / "content/en/appeals.md",
        "This is called an appeal.",
        "This is called an [appeal](/ga/plans/medicaid/en/appeals/).",
    )
    result = run_build(project, project / "site")
    assert result.code == 1
    assert (
        "content/en/appeals.md:7: link '/ga/plans/medicaid/en/appeals/' leads into market 'ga-medicaid', not this page's market"
        in result.stderr
    )
    assert not (project / "site").exists()


def test_links_written_as_tree_paths_land_in_each_markets_tree(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    edit(
        project / "content/en/appeals.md",
        "This is called an appeal.",
        "Read about [reviews](/en/utilization-management/).",
    )
    assert run_build(project, project / "site").code == 0, "tree paths resolve in every market"
    for tree in TREES.values():
        assert (
            f'<a href="/{tree}/en/utilization-management/">reviews</a>'
            in (project / "site" / tree / "en/appeals/index.html").read_text()
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: edit(p / "content/en/appeals.md", "::: only ga-medicaid", "::: only gx-medicaid"),
            "content/en/appeals.md:9: unknown market 'gx-medicaid' in a market block — use one of: ga-medicaid, in-medicaid, wi-marketplace",
        ),
        (
            lambda p: edit(
                p / "content/en/appeals.md",
                "Georgia law gives you 60 days to ask for an appeal.\n:::",
                "Georgia law gives you 60 days to ask for an appeal.",
            ),
            "content/en/appeals.md:12: a market block opens inside another one",
        ),
        (
            lambda p: edit(
                p / "content/en/rides.md",
                'markets = ["in-medicaid", "ga-medicaid"]',
                'markets = ["in-medicaid", "oh-medicaid"]',
            ),
            "content/en/rides.md:6: unknown market 'oh-medicaid' — use one of: ga-medicaid, in-medicaid, wi-marketplace",
        ),
        (
            lambda p: edit(
                p / "content/es/transporte.md", 'markets = ["in-medicaid", "ga-medicaid"]', 'markets = ["in-medicaid"]'
            ),
            "content/es/transporte.md:6: the page is published in other markets than its translation content/en/rides.md",
        ),
        (
            lambda p: edit(p / "site.toml", 'path = "/wi/plans/marketplace"', 'path = "/in/plans/medicaid/wi"'),
            "site.toml:69: market path '/in/plans/medicaid/wi' lies inside market 'in-medicaid' (/in/plans/medicaid)",
        ),
        (
            lambda p: edit(p / "site.toml", 'hours = [{ days = "always" }]\n', ""),
            "site.toml:85: missing 'markets.wi-marketplace.contacts.language-help.hours'",
        ),
        (
            lambda p: edit(p / "site.toml", 'languages = ["en"]', 'languages = ["en", "fr"]'),
            "site.toml:70: market 'wi-marketplace' languages ['en', 'fr'] are not among the site's ['en', 'es']",
        ),
        (
            lambda p: edit(p / "site.toml", 'taglines = ["es", "vi", "ko",', '# taglines = ["es", "vi", "ko",'),
            "site.toml:40: missing the list of tagline languages (markets.ga-medicaid.taglines)",
        ),
    ],
)
def test_market_mistakes_stop_the_build_with_path_line(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    project = markets_project(tmp_path / "project")
    change(project)
    result = run_build(project, project / "site")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stderr.count(message) == 1, "a shared page's mistake is reported once, not once per market"
    assert not (project / "site").exists()


def test_market_blocks_in_a_site_without_markets_are_an_error(project: Path) -> None:
    edit(
        project / EN,
        "Call us if you have questions",
        "::: only in-medicaid\nIndiana only.\n:::\n\nCall us if you have questions",
    )
    result = run_build(project, project / "site")
    assert result.code == 1
    assert (
        f"{EN}:15: unknown market 'in-medicaid' in a market block — use one of: (site.toml defines no markets)"
        in result.stderr
    )


# -- rebuilding --------------------------------------------------------------------------------------


def test_changing_one_markets_line_rerenders_only_that_markets_pages(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    edit(
        project / "site.toml", 'open = "08:00", close = "16:00"', 'open = "08:00", close = "15:00"'
    )  # wi-marketplace's UM team
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    assert "rendered 1," in result.stdout  # the one wi-marketplace page that shows its UM team's hours
    assert "8 a.m. to 3 p.m. Central Time" in visible_text(
        (project / "site/wi/plans/marketplace/en/utilization-management/index.html").read_text()
    )
    assert "nothing changed" in run_build(project, project / "site").stdout


def test_removing_a_market_removes_its_tree_and_its_index_entry(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    text = (project / "site.toml").read_text()
    start = text.index("[markets.wi-marketplace]")
    (project / "site.toml").write_text(text[:start] + text[text.index("# ---- Forms") :])
    assert run_build(project, project / "site").code == 0
    assert not (project / "site/wi").exists()
    assert "Wisconsin" not in (project / "site/index.html").read_text()
    assert (project / "site/in/plans/medicaid/en/index.html").is_file()


def test_turning_a_single_plan_into_markets_and_back_leaves_no_stale_pages(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    single = digests(project / "site")
    shutil.copy2(FIXTURE / "site.toml", project / "site.toml")
    assert run_build(project, project / "site").code == 0
    assert sorted(p.name for p in (project / "site").iterdir()) == [
        "404.html",
        "ga",
        "in",
        "index.html",
        "robots.txt",
        "sitemap.xml",
        "static",
        "wi",
    ]
    shutil.copy2(ROOT / "site.toml", project / "site.toml")
    assert run_build(project, project / "site").code == 0
    assert digests(project / "site") == single


def test_a_shared_page_edited_while_serving_updates_every_market_that_publishes_it(tmp_path: Path) -> None:
    from sitegen.config.project import Project
    from sitegen.engine.markets import SiteBuilder
    from sitegen.engine.options import BuildOptions

    project = markets_project(tmp_path / "project")
    builder = SiteBuilder(
        Project(project), project / "site", BuildOptions(keep_warm=True)
    )  # as `build.py serve` keeps it
    try:
        builder.build()
        page = project / "content/en/appeals.md"
        edit(page, "This is called an appeal.", "This is called an appeal, and it is free.")
        report = builder.build({page})
        # The English appeals page of each of the three markets, and its Spanish translation (now out of date)
        # in the two markets that publish Spanish.
        assert report.rendered == 5
        for tree in TREES.values():
            assert "and it is free." in (project / "site" / tree / "en/appeals/index.html").read_text()
        assert builder.build(set()).rendered == 0
    finally:
        builder.close()


def test_front_matter_markets_in_a_site_without_markets_are_an_error(project: Path) -> None:
    edit(project / EN, 'slug = "utilization-management"', 'slug = "utilization-management"\nmarkets = ["in-medicaid"]')
    result = run_build(project, project / "site")
    assert result.code == 1
    assert f"{EN}:6: the page names markets, but site.toml defines none — remove the markets line" in result.stderr


def test_a_site_with_markets_builds_byte_identical_output_every_time(market_site: Path, tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    mark_taglines_reviewed(project)  # as market_site's project is
    assert run_build(project, project / "site", "--no-cache", "--jobs", "1").code == 0
    assert digests(project / "site") == digests(market_site)


def test_the_market_fixture_passes_every_check_strictly(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = markets_project(tmp_path / "project")
    mark_taglines_reviewed(project)
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "check", "--strict", "--source", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "check passed: 19 pages, 0 warning(s)" in result.stdout


def test_publishing_a_page_in_another_market_while_serving_adds_it_there(tmp_path: Path) -> None:
    from sitegen.config.project import Project
    from sitegen.engine.markets import SiteBuilder
    from sitegen.engine.options import BuildOptions

    project = markets_project(tmp_path / "project")
    builder = SiteBuilder(Project(project), project / "site", BuildOptions(keep_warm=True))
    try:
        builder.build()
        wi = project / "site/wi/plans/marketplace/en"
        assert not (wi / "rides").exists()
        pages = [project / "content/en/rides.md", project / "content/es/transporte.md"]
        for page in pages:
            edit(
                page,
                'markets = ["in-medicaid", "ga-medicaid"]',
                'markets = ["in-medicaid", "ga-medicaid", "wi-marketplace"]',
            )
        builder.build(set(pages))
        assert "1-833-555-0301" in (wi / "rides/index.html").read_text()
        assert 'href="/wi/plans/marketplace/en/rides/"' in (wi / "index.html").read_text()
    finally:
        builder.close()


def test_every_market_is_built_from_one_reading_of_each_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.config.project import Project
    from sitegen.engine import sources
    from sitegen.engine.markets import SiteBuilder
    from sitegen.engine.options import BuildOptions

    project = markets_project(tmp_path / "project")
    mark_taglines_reviewed(project)
    read: list[str] = []
    parse_page = sources.parse_page
    monkeypatch.setattr(
        sources, "parse_page", lambda raw, shown, lang: read.append(shown) or parse_page(raw, shown, lang)
    )
    builder = SiteBuilder(Project(project), project / "site", BuildOptions(workers=1, use_cache=False))
    try:
        report = builder.build()
    finally:
        builder.close()
    pages = sorted(p.relative_to(project).as_posix() for p in (project / "content").glob("*/*.md"))
    assert sorted(read) == pages  # three markets, each page read once
    assert report.pages > len(pages)  # and rendered in more than one market


def test_each_page_is_checked_for_typed_numbers_once_for_every_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen.config.project import Project
    from sitegen.engine.markets import SiteBuilder
    from sitegen.engine.options import BuildOptions
    from sitegen.rendering import placeholders

    project = markets_project(tmp_path / "project")
    mark_taglines_reviewed(project)
    scanned: list[str] = []
    find_literals = placeholders.find_literals
    monkeypatch.setattr(
        placeholders, "find_literals", lambda page, config: scanned.append(page.path) or find_literals(page, config)
    )
    builder = SiteBuilder(Project(project), project / "site", BuildOptions(workers=1, use_cache=False))
    try:
        report = builder.build()
    finally:
        builder.close()
    assert report.rendered > len(set(scanned))  # rendered in more than one market
    assert sorted(scanned) == sorted(set(scanned))  # and its text scanned in the first only


def test_a_typed_number_is_reported_once_though_every_market_builds_the_page(tmp_path: Path) -> None:
    project = markets_project(tmp_path / "project")
    page = next((project / "content/en").glob("*.md"))
    page.write_text(page.read_text() + "\nCall 1-800-555-0100 today.\n")
    built = run_build(project, tmp_path / "site")
    assert built.code == 1
    assert built.stderr.count("phone number '1-800-555-0100' typed into the page") == 1
