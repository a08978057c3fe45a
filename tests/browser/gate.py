"""The checks a page must pass in a real Chromium. Each returns a list of readable problems (empty = pass)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.conftest import ROOT

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEIGHT_BUDGET = 14 * 1024


def axe_violations(page: Page) -> list[str]:
    """axe-core with the WCAG 2.0/2.1 A and AA rules (plus best practices such as heading order)."""
    page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    problems = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} — element {', '.join(map(str, node['target']))} — {violation['helpUrl']}"
            )
    return problems


FOCUSABLE_JS = """() => {
  const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')];
  const visible = all.filter(el => el.checkVisibility({visibilityProperty: true}) && !el.disabled);
  const seenGroups = new Set();
  return visible.filter(el => {
    if (el.type !== 'radio') return true;
    if (seenGroups.has(el.name)) return false;
    seenGroups.add(el.name); return true;
  }).map(el => el.outerHTML.slice(0, 120));
}"""

ACTIVE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const same = window.__gateLastFocused === el;
  window.__gateLastFocused = el;
  const focused = getComputedStyle(el);
  const ring = (focused.outlineStyle !== 'none' && parseFloat(focused.outlineWidth) > 0) || focused.boxShadow !== 'none';
  return {html: el.outerHTML.slice(0, 120), id: el.id, cls: el.className, ring: ring, same: same};
}"""


AUTOFOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const ring = getComputedStyle(el);
  const next = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')].find(
    other => el.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING);
  return {html: el.outerHTML.slice(0, 120), ring: ring.outlineStyle !== 'none' || ring.boxShadow !== 'none', next: next ? next.outerHTML.slice(0, 120) : null};
}"""


def keyboard_problems(page: Page) -> list[str]:
    """First Tab reaches the skip link, which moves focus to main; every control is reachable in order, with a visible ring.
    A page that opens with focus on its error summary (a form sent back) starts from there instead."""
    problems = []
    expected = page.evaluate(FOCUSABLE_JS)
    autofocused = page.evaluate(AUTOFOCUSED_JS)
    if autofocused:
        if not autofocused["ring"]:
            problems.append(f"no visible focus indicator on {autofocused['html']!r}")
        expected = expected[expected.index(autofocused["next"]) :] if autofocused["next"] in expected else expected
    reached: list[str] = []
    for _ in range(3 * len(expected) + 5):  # date inputs take several Tabs, one per segment
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE_JS)
        if active is None or (reached and active["html"] == reached[0]):
            break
        if not reached and not autofocused and "skip-link" not in str(active["cls"]):
            return [f"first Tab reached {active['html']!r}, not the skip link"]
        if not active["ring"]:
            problems.append(f"no visible focus indicator on {active['html']!r}")
        if not active["same"]:  # a date input's segments keep focus on one element
            reached.append(active["html"])
    if reached != expected:
        problems.append(f"Tab order {reached} differs from the page order {expected}")
    page.focus(".skip-link")
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement && document.activeElement.id") != "main":
        problems.append("the skip link does not move focus to the main content")
    return problems


def reflow_problems(page: Page, label: str) -> list[str]:
    """Nothing scrolls sideways and no text is cut off by an overflow-hidden box."""
    result = page.evaluate("""() => {
      const doc = document.documentElement;
      const clipped = [...document.querySelectorAll('body *')].filter(el => {
        const s = getComputedStyle(el);
        return ['hidden', 'clip'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.innerText && el.innerText.trim();
      }).map(el => el.outerHTML.slice(0, 80));
      return {scroll: doc.scrollWidth, width: doc.clientWidth, clipped: clipped};
    }""")
    problems = []
    if result["scroll"] > result["width"]:
        problems.append(
            f"{label}: page scrolls sideways ({result['scroll']} px wide in a {result['width']} px viewport)"
        )
    problems += [f"{label}: text clipped in {html!r}" for html in result["clipped"]]
    return problems


def weight_problem(html: bytes, css: bytes) -> list[str]:
    size = len(gzip.compress(html, 9)) + len(gzip.compress(css, 9))
    return (
        [] if size < WEIGHT_BUDGET else [f"HTML + CSS is {size} bytes compressed, over the {WEIGHT_BUDGET} byte budget"]
    )


def screenshot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
