"""Every page says what it is: a title unique within its language, a meta description, and a favicon,
so search results, tabs and bookmarks read right (Lighthouse's SEO checks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from tests.backend import GOOD, make_settings, submit, token_from

TITLE = re.compile(r"<title>([^<]+)</title>")
DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')


@pytest.fixture
def client(tmp_path: Path, built_site: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        yield client


def member_pages(built_site: Path, client: TestClient) -> dict[str, tuple[str, str]]:
    """Every page a member can land on, by language: the built ones and the form's own."""
    pages = {}
    for file in sorted(built_site.rglob("*.html")):
        relative = file.relative_to(built_site).as_posix()
        if relative == "404.html":
            continue  # the same page as en/404.html
        lang = re.search(r'<html lang="([a-z]+)"', file.read_text()).group(1)  # type: ignore[union-attr]
        pages[relative] = (lang, file.read_text())
    for lang, form in (("en", "/en/tell-us/"), ("es", "/es/cuentenos/")):
        pages[form] = (lang, client.get(form).text)
        pages[form + " (errors)"] = (
            lang,
            client.post(
                form, data={"token": token_from(client.get(form).text)}, headers={"origin": "http://testserver"}
            ).text,
        )
        pages[form + "sent/"] = (lang, client.get(submit(client, lang, dict(GOOD)).headers["location"]).text)
        pages[form + "sent/ (forged)"] = (lang, client.get(form + "sent/?r=forged").text)
    return pages


def test_every_page_has_a_title_that_is_unique_in_its_language(built_site: Path, client: TestClient) -> None:
    seen: dict[tuple[str, str], str] = {}
    for name, (lang, html) in member_pages(built_site, client).items():
        title = TITLE.search(html).group(1)  # type: ignore[union-attr]
        if name.endswith("(errors)"):
            assert title.startswith("Error: "), name  # the same page, saying it came back with errors
            continue
        assert (lang, title) not in seen, f"{name} and {seen.get((lang, title))} are both titled {title!r}"
        assert title != "CareSource", f"{name} has only the plan's name as its title"
        seen[(lang, title)] = name


def test_every_page_has_a_meta_description(built_site: Path, client: TestClient) -> None:
    missing = [name for name, (_, html) in member_pages(built_site, client).items() if not DESCRIPTION.search(html)]
    assert missing == []


def test_a_favicon_is_linked_and_served(built_site: Path, client: TestClient) -> None:
    html = (built_site / "en/index.html").read_text()
    icon = re.search(r'<link rel="icon" href="(/static/favicon\.[0-9a-f]+\.svg)" type="image/svg\+xml">', html)
    assert icon
    response = client.get(icon.group(1))
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "faster than a person usually types"), ("es", "más rápido de lo que una persona suele escribir")],
)
def test_a_form_sent_too_fast_says_why_and_what_to_do(tmp_path: Path, built_site: Path, lang: str, words: str) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site, min_fill_seconds=60))) as client:
        response = submit(client, lang, dict(GOOD))
    assert response.status_code == 400
    assert words in response.text and 'value="María José"' in response.text  # the answers are kept
