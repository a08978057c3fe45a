"""Paired pages link to each other: language switcher, hreflang, canonical and sitemap alternates all resolve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_build

BASE = "https://www.caresource.com"
PAIRS = [
    ("en/utilization-management/index.html", "/es/gestion-de-uso/"),
    ("es/gestion-de-uso/index.html", "/en/utilization-management/"),
]


def exists(site: Path, url: str) -> bool:
    path = url.removeprefix(BASE)
    return (
        (site / path.strip("/") / "index.html").is_file() if path.endswith("/") else (site / path.strip("/")).is_file()
    )


@pytest.mark.parametrize(("page", "partner"), PAIRS)
def test_language_switcher_links_to_the_paired_page(built_site: Path, page: str, partner: str) -> None:
    html = (built_site / page).read_text()
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)  # type: ignore[union-attr]
    assert re.findall(r'href="([^"]+)"', switcher) == [partner]
    assert exists(built_site, partner)


@pytest.mark.parametrize(("page", "partner"), PAIRS)
def test_head_names_canonical_and_every_alternate(built_site: Path, page: str, partner: str) -> None:
    html = (built_site / page).read_text()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert set(alternates) == {"en", "es", "x-default"}
    assert alternates["x-default"] == alternates["en"]
    assert BASE + partner in alternates.values()
    assert f'<link rel="canonical" href="{BASE}/{page.removesuffix("index.html")}">' in html
    assert all(exists(built_site, url) for url in alternates.values())
    assert '<meta name="description" content="' in html


def test_sitemap_alternates_point_to_pages_that_exist(built_site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.parse(built_site / "sitemap.xml").getroot()
    urls = root.findall("s:url", ns)
    assert len(urls) == 9  # the language chooser, two home pages, two taglines pages and two pairs of content pages
    for url in urls:
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        assert set(links) == {"en", "es", "x-default"}
        assert url.findtext("s:loc", namespaces=ns) in links.values()
        assert all(exists(built_site, href or "") for href in links.values())


def test_every_page_kind_is_built(built_site: Path) -> None:
    for name in [
        "index.html",
        "404.html",
        "en/index.html",
        "es/index.html",
        "en/404.html",
        "es/404.html",
        "robots.txt",
        "sitemap.xml",
    ]:
        assert (built_site / name).is_file(), name
    assert "Sitemap: https://www.caresource.com/sitemap.xml" in (built_site / "robots.txt").read_text()
    assert len(list((built_site / "static").glob("site.*.css"))) == 1


def test_home_page_lists_the_pages_of_its_language(built_site: Path) -> None:
    assert '<a href="/es/gestion-de-uso/">Gestión de uso</a>' in (built_site / "es/index.html").read_text()
    assert (
        '<a href="/en/utilization-management/">Utilization Management</a>' in (built_site / "en/index.html").read_text()
    )


def test_tell_us_link_goes_to_the_form_in_the_same_language(built_site: Path) -> None:
    # <wbr> after each "/": the address breaks there on a narrow screen, never inside a word.
    assert (
        '<a href="/en/tell-us/" class="address">CareSource.com/<wbr>MemberInquiry</a>'
        in (built_site / "en/utilization-management/index.html").read_text()
    )
    assert (
        '<a href="/es/cuentenos/" class="address">www.caresource.com/<wbr>es/<wbr>MemberInquiry</a>'
        in (built_site / "es/gestion-de-uso/index.html").read_text()
    )


def test_ui_strings_come_from_the_spanish_catalog(built_site: Path) -> None:
    es = (built_site / "es/gestion-de-uso/index.html").read_text()
    assert '<a class="skip-link" href="#main">Ir al contenido principal</a>' in es
    assert 'aria-label="Idioma"' in es
    assert "<h1>No encontramos la página</h1>" in (built_site / "es/404.html").read_text()


def test_root_page_offers_each_language_in_that_language(built_site: Path) -> None:
    root = (built_site / "index.html").read_text()
    assert '<li lang="es"><a href="/es/" hreflang="es">Lea este sitio en español</a></li>' in root
    assert '<li lang="en"><a href="/en/" hreflang="en">Read this site in English</a></li>' in root


# -- hreflang clusters are reciprocal, and the sitemap says the same ----------------------------------

ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def page_at(site: Path, address: str) -> Path:
    path = address.removeprefix(BASE).lstrip("/")
    return site / (path + "index.html" if path.endswith("/") or not path else path)


def clusters(site: Path) -> dict[str, frozenset[tuple[str, str]]]:
    """Each page's address → the hreflang alternates it names (pages naming none are left out)."""
    found = {}
    for file in sorted(site.rglob("*.html")):
        links = frozenset(ALTERNATE.findall(file.read_text()))
        if links:
            relative = file.relative_to(site).as_posix()
            found[BASE + "/" + relative.removesuffix("index.html")] = links
    return found


def sitemap_clusters(site: Path) -> dict[str, frozenset[tuple[str, str]]]:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    found = {}
    for sitemap in site.rglob("sitemap.xml"):
        for url in ET.parse(sitemap).getroot().findall("s:url", ns):
            found[url.find("s:loc", ns).text] = frozenset(
                (link.get("hreflang"), link.get("href")) for link in url.findall("x:link", ns)
            )  # type: ignore[union-attr]
    return found


def assert_reciprocal_and_in_the_sitemap(site: Path) -> None:
    pages = clusters(site)
    assert pages
    for address, links in pages.items():
        assert address in {href for _, href in links}, f"{address} is not in the cluster it names"
        for lang, href in links:
            assert page_at(site, href).is_file(), f"{address} names {href} ({lang}), which does not exist"
            assert pages.get(href) == links, f"{href} does not name {address}'s cluster back"
    assert sitemap_clusters(site) == pages  # every page with alternates is in the sitemap, with the same ones


def test_every_hreflang_cluster_is_reciprocal_and_matches_the_sitemap(built_site: Path) -> None:
    assert_reciprocal_and_in_the_sitemap(built_site)
    root = dict(ALTERNATE.findall((built_site / "index.html").read_text()))
    assert root == {
        "en": f"{BASE}/en/",
        "es": f"{BASE}/es/",
        "x-default": f"{BASE}/",
    }  # the chooser is the homes' x-default


def test_hreflang_clusters_are_reciprocal_in_every_market_tree(tmp_path: Path) -> None:
    from tests.engine.test_markets import markets_project

    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    assert_reciprocal_and_in_the_sitemap(project / "site")
    assert ALTERNATE.findall((project / "site/index.html").read_text()) == []  # the market index names none
