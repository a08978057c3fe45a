"""What members and staff tripped over, checked as they see it in Chromium: date fields by their
labels, focus after a failed send, nothing read as one unit broken across lines at 320 px, and
the inbox at a desk's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.scenarios import new_context, staff_sign_in
from tests.servers import UvicornServer

pytestmark = pytest.mark.browser

FORM = {"en": "/en/tell-us/", "es": "/es/cuentenos/"}
LABELS = {"en": ("Day", "Month", "Year"), "es": ("Día", "Mes", "Año")}


def fill_member(page: Page, lang: str, day: str, month: str, year: str) -> None:
    page.fill("#first_name", "Ana")
    page.fill("#last_name", "García")
    day_label, month_label, year_label = LABELS[lang]
    page.get_by_label(day_label, exact=True).fill(day)
    page.get_by_label(month_label, exact=True).fill(month)
    page.get_by_label(year_label, exact=True).fill(year)
    page.fill("#phone", "513-555-0142")
    page.check("#contact_method-phone")
    page.check("#preferred_language-es")
    page.select_option("#topic", "benefits")
    page.fill("#message", "Pregunta sobre mis beneficios.")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_date_of_birth_typed_by_its_labels_is_stored_as_the_member_meant(
    browser: Browser, live_server: UvicornServer, lang: str
) -> None:
    page = new_context(browser).new_page()
    page.goto(live_server.url + FORM[lang])
    order = page.eval_on_selector_all(".date-parts label", "labels => labels.map(l => l.textContent)")
    assert order == (["Month", "Day", "Year"] if lang == "en" else ["Día", "Mes", "Año"])  # each language's own order
    fill_member(page, lang, "5", "3", "1980")  # 5 March 1980, whichever order the boxes stand in
    with page.expect_navigation():
        page.click("button[type=submit]")
    reference = page.inner_text(".reference")
    staff_sign_in(page, live_server.url)  # staff read it unambiguously
    page.goto(f"{live_server.url}/staff/inquiries/{reference}")
    shown = page.inner_text("dt:has-text('Date of birth') + dd")
    page.context.close()
    assert shown == "5 March 1980 (1980-03-05)"


def test_after_a_failed_send_focus_is_on_the_error_summary_and_its_links_reach_the_controls(
    browser: Browser, live_server: UvicornServer
) -> None:
    page = new_context(browser).new_page()
    page.goto(live_server.url + FORM["es"])
    fill_member(page, "es", "27", "", "1980")
    page.evaluate(
        "() => { for (const r of document.querySelectorAll('[name=preferred_language]')) r.checked = false; }"
    )
    with page.expect_navigation():
        page.click("button[type=submit]")
    focused = page.evaluate("() => document.activeElement.className")
    links = page.eval_on_selector_all(
        ".error-summary a", "links => links.map(a => [a.textContent, a.getAttribute('href')])"
    )
    assert focused == "error-summary"
    assert links == [
        ["Fecha de nacimiento: La fecha de nacimiento debe incluir el mes.", "#dob_month"],
        ["¿Qué idioma prefiere? Elija una de las opciones.", "#preferred_language-en"],
    ]
    for _, href in links:
        page.click(f".error-summary a[href='{href}']")
        assert page.evaluate("() => '#' + document.activeElement.id") == href  # a control that takes focus
    assert page.input_value("#dob_day") == "27" and page.input_value("#dob_year") == "1980"  # nothing lost
    page.context.close()


UNITS_JS = """(selector) => [...document.querySelectorAll(selector)].flatMap(el => {
  // each text piece of the element is one unit (a web address may break at its <wbr>, after a "/")
  const pieces = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE || n.nodeType === Node.ELEMENT_NODE);
  return pieces.filter(piece => {
    const range = document.createRange(); range.selectNodeContents(piece);
    return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size > 1;
  }).map(piece => piece.textContent);
})"""


@pytest.mark.parametrize("path", ["/en/utilization-management/", "/es/gestion-de-uso/", "/es/asistencia-con-idiomas/"])
def test_at_320px_no_phone_number_hour_or_address_breaks_across_lines(
    browser: Browser, live_server: UvicornServer, path: str
) -> None:
    page = new_context(browser, viewport={"width": 320, "height": 640}).new_page()
    page.goto(live_server.url + path)
    page.evaluate("""() => {  // mark every '8 p. m.'-style time so it can be measured as one unit
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      const texts = []; while (walker.nextNode()) texts.push(walker.currentNode);
      for (const text of texts) {
        const match = /\\d{1,2}(:\\d\\d)?\\u00a0(a|p)\\.(\\u00a0)?m\\./.exec(text.data);
        if (!match) continue;
        const rest = text.splitText(match.index); rest.splitText(match[0].length);
        const span = document.createElement('span'); span.className = 'probe-time'; rest.replaceWith(span); span.append(rest);
      }
    }""")
    broken = page.evaluate(UNITS_JS, "a.tel, a.address, .probe-time")
    times = page.evaluate("() => document.querySelectorAll('.probe-time').length")
    page.context.close()
    assert broken == []
    assert times >= (1 if "asistencia" in path else 2)


def test_at_320px_the_reference_on_the_confirmation_stays_on_one_line(
    browser: Browser, live_server: UvicornServer
) -> None:
    page = new_context(browser, viewport={"width": 320, "height": 640}).new_page()
    page.goto(live_server.url + FORM["en"])
    fill_member(page, "en", "5", "3", "1980")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.evaluate(UNITS_JS, ".reference") == []
    english = page.get_attribute(".language-switcher a", "href")
    page.context.close()
    assert english is not None and english.startswith(
        "/es/cuentenos/sent/?r="
    )  # the other language's confirmation, not an empty form


@pytest.mark.parametrize("width", [1280, 320])
def test_the_inbox_fits_a_desk_and_a_phone_without_clipping(
    browser: Browser, live_server: UvicornServer, width: int
) -> None:
    page = new_context(browser, viewport={"width": width, "height": 900}).new_page()
    staff_sign_in(page, live_server.url)
    table = page.evaluate("""() => { const t = document.querySelector('table'); const box = t.parentElement;
      return {table: t.scrollWidth, room: box.clientWidth, page: document.documentElement.scrollWidth}; }""")
    wrapped = page.evaluate(UNITS_JS, "tbody td.nowrap")
    page.context.close()
    assert table["page"] <= width  # the page itself never scrolls sideways
    if width == 1280:
        assert table["table"] <= table["room"]  # the whole table is visible at a desk
        assert wrapped == []  # references and dates stay on one line
