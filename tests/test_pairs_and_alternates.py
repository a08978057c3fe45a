"""Paired pages link to each other: language switcher, hreflang, canonical and sitemap alternates all resolve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

BASE = "https://www.caresource.com"
PAIRS = [("en/utilization-management/index.html", "/es/gestion-de-uso/"), ("es/gestion-de-uso/index.html", "/en/utilization-management/")]


def exists(site: Path, url: str) -> bool:
    path = url.removeprefix(BASE)
    return (site / path.strip("/") / "index.html").is_file() if path.endswith("/") else (site / path.strip("/")).is_file()


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
    assert len(urls) == 8  # two home pages, two taglines pages and two pairs of content pages
    for url in urls:
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", ns)}
        assert set(links) == {"en", "es", "x-default"}
        assert url.findtext("s:loc", namespaces=ns) in links.values()
        assert all(exists(built_site, href or "") for href in links.values())


def test_every_page_kind_is_built(built_site: Path) -> None:
    for name in ["index.html", "404.html", "en/index.html", "es/index.html", "en/404.html", "es/404.html", "robots.txt", "sitemap.xml"]:
        assert (built_site / name).is_file(), name
    assert "Sitemap: https://www.caresource.com/sitemap.xml" in (built_site / "robots.txt").read_text()
    assert len(list((built_site / "static").glob("site.*.css"))) == 1


def test_home_page_lists_the_pages_of_its_language(built_site: Path) -> None:
    assert '<a href="/es/gestion-de-uso/">Gestión de uso</a>' in (built_site / "es/index.html").read_text()
    assert '<a href="/en/utilization-management/">Utilization Management</a>' in (built_site / "en/index.html").read_text()


def test_tell_us_link_goes_to_the_form_in_the_same_language(built_site: Path) -> None:
    # <wbr> after each "/": the address breaks there on a narrow screen, never inside a word.
    assert '<a href="/en/tell-us/" class="address">CareSource.com/<wbr>MemberInquiry</a>' in (built_site / "en/utilization-management/index.html").read_text()
    assert '<a href="/es/cuentenos/" class="address">www.caresource.com/<wbr>es/<wbr>MemberInquiry</a>' in (built_site / "es/gestion-de-uso/index.html").read_text()


def test_ui_strings_come_from_the_spanish_catalog(built_site: Path) -> None:
    es = (built_site / "es/gestion-de-uso/index.html").read_text()
    assert '<a class="skip-link" href="#main">Ir al contenido principal</a>' in es
    assert 'aria-label="Idioma"' in es
    assert "<h1>No encontramos la página</h1>" in (built_site / "es/404.html").read_text()


def test_root_page_offers_each_language_in_that_language(built_site: Path) -> None:
    root = (built_site / "index.html").read_text()
    assert '<li lang="es"><a href="/es/" hreflang="es">Lea este sitio en español</a></li>' in root
    assert '<li lang="en"><a href="/en/" hreflang="en">Read this site in English</a></li>' in root
