"""Taglines as a member sees them in Chromium: every script drawn with a real font, in large print."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.scenarios import new_context
from tests.conftest import ROOT, copy_project, run_build

pytestmark = pytest.mark.browser

# Draws each character of an element's text on a canvas in the element's own font and compares the
# pixels with those of a code point no font has (U+10FFFD, private use): a character drawn exactly
# like it is a missing-glyph box. Canvas text uses the same system font fallback as the page.
MISSING_GLYPHS_JS = """
(element) => {
  const style = getComputedStyle(element);
  const canvas = document.createElement('canvas');
  canvas.width = 96; canvas.height = 96;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const draw = (text) => {
    ctx.clearRect(0, 0, 96, 96);
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    ctx.fillText(text, 8, 64);
    return ctx.getImageData(0, 0, 96, 96).data.join(',');
  };
  const missing = draw('\\u{10FFFD}');
  const letters = [...new Set([...element.textContent])].filter(c => /[\\p{L}\\p{N}\\p{Co}]/u.test(c) && c.codePointAt(0) > 0x7f);
  return letters.filter(c => draw(c) === missing);
}
"""


@pytest.fixture(scope="module")
def every_tagline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with its list naming every tagline it ships, so each one is drawn."""
    project = copy_project(tmp_path_factory.mktemp("all-taglines") / "project")
    codes = list(tomllib.loads((project / "content/taglines.toml").read_text()))
    config = (project / "site.toml").read_text()
    (project / "site.toml").write_text(
        re.sub(r"(?m)^taglines = \[.*\]$", "taglines = " + repr(codes).replace("'", '"'), config)
    )
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    return project / "site"


def open_built(browser: Browser, site: Path, page_path: str, width: int = 1024) -> Page:
    """A built page with its stylesheet, without a server: nothing else is fetched."""
    page = new_context(browser, viewport={"width": width, "height": 800}).new_page()
    page.set_content((site / page_path).read_text(), wait_until="domcontentloaded")
    page.add_style_tag(content=next((site / "static").glob("site.*.css")).read_text())
    return page


def test_the_missing_glyph_detector_sees_a_missing_glyph(browser: Browser, every_tagline_site: Path) -> None:
    page = open_built(browser, every_tagline_site, "en/language-assistance/index.html")
    page.evaluate(
        "() => { const p = document.createElement('p'); p.id = 'probe'; p.textContent = 'a \\u{10FFFC} b'; document.body.append(p); }"
    )
    assert page.eval_on_selector("#probe", MISSING_GLYPHS_JS) == ["\U0010fffc"]
    page.context.close()


def test_every_tagline_is_drawn_with_a_real_font_in_its_script(browser: Browser, every_tagline_site: Path) -> None:
    page = open_built(browser, every_tagline_site, "en/language-assistance/index.html")
    items = page.query_selector_all(".taglines li")
    assert len(items) == len(tomllib.loads((ROOT / "content/taglines.toml").read_text()))
    missing = {item.get_attribute("lang"): item.evaluate(MISSING_GLYPHS_JS) for item in items}
    page.context.close()
    assert {lang: chars for lang, chars in missing.items() if chars} == {}, (
        "install the Noto fonts (scripts/setup.sh --test does)"
    )


@pytest.mark.parametrize("width", [320, 1280])
def test_taglines_are_at_least_18_point_and_fit_a_phone(browser: Browser, built_site: Path, width: int) -> None:
    page = open_built(browser, built_site, "es/asistencia-con-idiomas/index.html", width)
    sizes = page.eval_on_selector_all(".taglines p", "ps => ps.map(p => parseFloat(getComputedStyle(p).fontSize))")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    page.context.close()
    assert len(sizes) == 15 and min(sizes) >= 24  # 18 pt = 24 CSS px
    assert scroll <= width
