"""Approved text stays approved: with `[approvals] required = true` a page publishes only the text its
state approved, under its material ID; every change is refused by `path:line` (a config change by its
site.toml line, naming every approved page it changes) and shown word by word in a redline."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import build_py, copy_project, mark_taglines_reviewed, run_build
from tests.engine.test_live_preview import Preview
from tests.engine.test_markets import markets_project

UM = "content/en/utilization-management.md"
UM_ES = "content/es/gestion-de-uso.md"
SENTENCE = "Staff are available to accept collect calls about UM issues."
LOCK = '\n[approvals]\nrequired = true\nid_pattern = "OH-MED-M-[0-9]{7}"\n'


def with_lock(project: Path, lock: str = LOCK) -> Path:
    (project / "site.toml").write_text((project / "site.toml").read_text() + lock)
    mark_taglines_reviewed(project)
    return project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return with_lock(copy_project(tmp_path / "project"))


def listing(project: Path) -> list[dict[str, str]]:
    done = build_py(project, "approvals", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def approve_all(project: Path, prefix: str = "OH-MED-M-") -> dict[tuple[str, str], str]:
    """Approve every page in every market as it stands, each with its own ID; the IDs given, by (market, page)."""
    ids = {}
    for number, entry in enumerate(listing(project), 1):
        material_id = f"{prefix}{number:07d}"
        market = ["--market", entry["market"]] if entry["market"] else []
        done = build_py(
            project, "approvals", "--approve", entry["page"], "--id", material_id, "--by", "Dana Ruiz", *market
        )
        assert done.returncode == 0, done.stderr
        ids[(entry["market"], entry["page"])] = material_id
    return ids


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def material_line(html: str) -> str:
    """The footer's material ID line as a reader hears it ("" if the page has none)."""
    found = re.search(r'<p class="material-id">(.*?)</p>', html)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- the lock on the default site ------------------------------------------------------------------


def test_a_page_never_approved_is_refused_when_approvals_are_required(project: Path) -> None:
    result = run_build(project, project / "site")
    assert result.code == 1
    assert f"{UM}:1: this page has no approved text" in result.stderr
    assert f"python3 build.py approvals --approve {UM} --id ID --by NAME" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()


def test_every_approved_page_publishes_with_its_material_id_in_its_footer(project: Path) -> None:
    ids = approve_all(project)
    assert run_build(project, project / "site").code == 0
    for (_, page), material_id in ids.items():
        slug = tomllib.loads((project / page).read_text().split("+++")[1])["slug"]
        html = (project / "site" / page.split("/")[1] / slug / "index.html").read_text()
        footer = html[html.index('<footer class="site-footer">') :]
        label = "Material ID:" if "/en/" in page else "Número de material:"
        assert material_line(footer) == f"{label} {material_id}"
        assert f'<span class="nowrap">{material_id}</span>' in footer  # never broken at its hyphens


def test_the_listing_shows_each_page_with_its_id_state_and_approver(project: Path) -> None:
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    table = build_py(project, "approvals").stdout
    assert re.search(
        r"content/en/utilization-management\.md\s+OH-MED-M-\d{7}\s+changed since approval\s+Dana Ruiz", table
    )
    assert re.search(r"content/es/gestion-de-uso\.md\s+OH-MED-M-\d{7}\s+approved\s+Dana Ruiz", table)
    assert "4 page(s): 3 approved, 1 changed since approval, 0 never approved. The lock is required." in table


def test_an_edited_approved_sentence_is_refused_at_its_line_naming_the_id_and_site_stays(project: Path) -> None:
    ids = approve_all(project)
    assert run_build(project, project / "site").code == 0
    before = files_of(project / "site")
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    result = run_build(project, project / "site")
    assert result.code == 1
    line = line_of(project / UM, "Staff can accept collect calls")
    assert (
        f"{UM}:{line}: {ids[('', UM)]} changed since its approval on" in result.stderr
        and '"are available to" is now "can"' in result.stderr
    )
    assert "approvals --redline DIR" in result.stderr
    assert files_of(project / "site") == before


def test_undoing_the_edit_publishes_again(project: Path) -> None:
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    assert run_build(project, project / "site").code == 1
    edit(project / UM, "Staff can accept collect calls about UM issues.", SENTENCE)
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    assert material_line((project / "site/en/utilization-management/index.html").read_text()).startswith("Material ID:")


def test_a_new_member_services_number_names_its_config_line_and_every_page_and_id_it_changes(project: Path) -> None:
    ids = approve_all(project)
    assert run_build(project, project / "site").code == 0
    config = project / "site.toml"
    line = line_of(config, 'phone = "1-844-607-2829"')  # [contacts.member-services], the first contact line
    edit(config, 'phone = "1-844-607-2829"', 'phone = "1-844-607-2830"')
    result = run_build(project, project / "site")
    assert result.code == 1
    problem = next(p for p in result.stderr.splitlines() if p.startswith(f"site.toml:{line}:"))
    assert "the Member Services number changes 4 approved pages" in problem
    for (_, page), material_id in ids.items():
        assert f"{page} ({material_id})" in problem
    assert '"1-844-607-2829" when approved and now reads "1-844-607-2830"' in problem


def test_new_hours_name_the_hours_line_and_only_the_pages_that_show_them(project: Path) -> None:
    ids = approve_all(project)
    config = project / "site.toml"
    hours = 'hours = [{ days = "mon-fri", open = "08:00", close = "17:00" }]'  # the UM team's
    line = line_of(config, hours)
    edit(config, hours, hours.replace("17:00", "18:00"))
    result = run_build(project, project / "site")
    assert result.code == 1
    problem = next(p for p in result.stderr.splitlines() if p.startswith(f"site.toml:{line}:"))
    assert "the Utilization Management team hours change 2 approved pages" in problem
    assert f"{UM} ({ids[('', UM)]})" in problem and f"{UM_ES} ({ids[('', UM_ES)]})" in problem
    assert "nondiscrimination" not in problem


def test_a_redline_shows_the_change_word_by_word_with_id_market_and_date(project: Path, tmp_path: Path) -> None:
    ids = approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    done = build_py(project, "approvals", "--redline", str(tmp_path / "redlines"))
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "redlines").rglob("*.html"))
    assert [f.relative_to(tmp_path / "redlines").as_posix() for f in files] == ["en/utilization-management.html"]
    html = files[0].read_text()
    assert "<p>Staff <del>are available to</del> <ins>can</ins> accept collect calls about UM issues.</p>" in html
    assert f"<dd>{ids[('', UM)]}</dd>" in html and "<dd>every market</dd>" in html
    assert re.search(r"<dt>Approved on</dt><dd>\d{4}-\d{2}-\d{2} by Dana Ruiz</dd>", html)
    assert "@media print" in html


def test_recording_the_new_approval_publishes_the_change_under_the_new_id(project: Path) -> None:
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    done = build_py(
        project, "approvals", "--approve", UM, "--id", "OH-MED-M-7654321", "--by", "Lee Park", "--on", "2026-12-20"
    )
    assert done.returncode == 0, done.stderr
    result = run_build(project, project / "site")
    assert result.code == 0, result.stderr
    html = (project / "site/en/utilization-management/index.html").read_text()
    assert "Staff can accept collect calls" in html and material_line(html) == "Material ID: OH-MED-M-7654321"
    record = next(
        r for r in tomllib.loads((project / "content/approvals.toml").read_text())["material"] if r["page"] == UM
    )
    assert (record["id"], record["approved_by"], str(record["approved_on"])) == (
        "OH-MED-M-7654321",
        "Lee Park",
        "2026-12-20",
    )
    approved = tomllib.loads((project / "content/approved/en/utilization-management.toml").read_text())
    assert "Staff can accept collect calls about UM issues." in approved["text"].splitlines()
    assert approved["values"]["hours:um-team"] == "Monday – Friday from 8 a.m. to 5 p.m. Eastern Time"


def test_an_id_outside_the_pattern_is_refused_and_nothing_is_written(project: Path) -> None:
    done = build_py(project, "approvals", "--approve", UM, "--id", "OH-123", "--by", "Dana Ruiz")
    assert done.returncode == 1
    assert "material ID 'OH-123' does not match the id_pattern (OH-MED-M-[0-9]{7})" in done.stderr
    assert not (project / "content/approvals.toml").exists()


def test_a_hand_edited_approved_text_is_an_error_at_its_file_when_it_is_read(project: Path) -> None:
    approve_all(project)
    edit(project / "content/approved/en/utilization-management.toml", "Staff are available", "Staff were available")
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    result = run_build(project, project / "site")
    assert result.code == 1
    assert re.search(
        r"content/approved/en/utilization-management\.toml:1: the approved text of OH-MED-M-\d{7} does not match its sha256",
        result.stderr,
    )


def test_a_bad_record_is_an_error_at_its_line(project: Path) -> None:
    approve_all(project)
    records = project / "content/approvals.toml"
    text = records.read_text()
    records.write_text(text.replace("approved_on = ", "approved_on = '", 1).replace("\nsha256", "'\nsha256", 1))
    result = run_build(project, project / "site")
    assert result.code == 1
    assert "content/approvals.toml:5: approved_on must be a date, e.g. approved_on = 2026-12-05" in result.stderr


# -- without the lock --------------------------------------------------------------------------------


def test_without_required_the_findings_are_warnings_and_check_strict_fails_on_them(tmp_path: Path) -> None:
    project = with_lock(copy_project(tmp_path / "project"), "\n[approvals]\nrequired = false\n")
    result = run_build(project, project / "site")
    assert result.code == 0
    assert f"{UM}:1: this page has no approved text" in result.stderr and "(warning)" in result.stderr
    strict = build_py(project, "check", "--strict")
    assert strict.returncode == 1 and f"{UM}:1: this page has no approved text" in strict.stderr


def test_a_changed_page_publishes_without_its_id_when_approvals_are_not_required(tmp_path: Path) -> None:
    project = with_lock(copy_project(tmp_path / "project"), "\n[approvals]\nrequired = false\n")
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    result = run_build(project, project / "site")
    assert result.code == 0 and "changed since its approval" in result.stderr
    assert material_line((project / "site/en/utilization-management/index.html").read_text()) == ""
    assert material_line((project / "site/es/gestion-de-uso/index.html").read_text()).startswith("Número de material:")


def test_generated_pages_carry_an_id_only_when_the_config_gives_one(project: Path) -> None:
    approve_all(project)
    assert run_build(project, project / "site").code == 0
    assert "material-id" not in (project / "site/en/language-assistance/index.html").read_text()
    edit(project / "site.toml", "required = true\n", 'required = true\nlanguage_help = { en = "OH-MED-M-0000001" }\n')
    assert run_build(project, project / "site").code == 0
    assert (
        material_line((project / "site/en/language-assistance/index.html").read_text())
        == "Material ID: OH-MED-M-0000001"
    )
    assert "material-id" not in (project / "site/es/asistencia-con-idiomas/index.html").read_text()


# -- incremental -----------------------------------------------------------------------------------


def test_an_approval_rerenders_only_its_page(project: Path) -> None:
    approve_all(project)
    assert run_build(project, project / "site").code == 0
    done = build_py(project, "approvals", "--approve", UM_ES, "--id", "OH-MED-M-7654321", "--by", "Lee Park")
    assert done.returncode == 0, done.stderr
    result = run_build(project, project / "site")
    assert "rendered 1," in result.stdout, result.stdout
    assert "OH-MED-M-7654321" in (project / "site/es/gestion-de-uso/index.html").read_text()
    assert "nothing changed" in run_build(project, project / "site").stdout


# -- markets -----------------------------------------------------------------------------------------


@pytest.fixture
def market_project(tmp_path: Path) -> Path:
    lock = '\n[approvals]\nrequired = true\n\n[markets.in-medicaid.approvals]\nid_pattern = "IN-MED-[0-9]{7}"\n'
    return with_lock(markets_project(tmp_path / "project"), lock)


def test_in_markets_a_page_whose_text_differs_is_approved_once_per_market(market_project: Path) -> None:
    done = build_py(market_project, "approvals", "--approve", "content/en/rides.md", "--id", "X-1", "--by", "Dana Ruiz")
    assert done.returncode == 1
    assert "its text differs between markets (in-medicaid, ga-medicaid)" in done.stderr
    assert "approve it once per market with --market KEY" in done.stderr


def test_in_markets_unapproved_pages_are_refused_per_market(market_project: Path) -> None:
    result = run_build(market_project, market_project / "site")
    assert result.code == 1
    assert "19 pages are not approved as they stand" in result.stderr
    assert not (market_project / "site").exists()


def test_in_markets_each_page_shows_its_markets_id_and_a_market_line_names_only_its_pages(market_project: Path) -> None:
    ids = {}
    for number, entry in enumerate(listing(market_project), 1):
        prefix = "IN-MED-" if entry["market"] == "in-medicaid" else "MK-"
        ids[(entry["market"], entry["page"])] = f"{prefix}{number:07d}"
        done = build_py(
            market_project, "approvals", "--approve", entry["page"], "--id", ids[(entry["market"], entry["page"])],
            "--by", "Dana Ruiz", "--market", entry["market"],
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    result = run_build(market_project, market_project / "site")
    assert result.code == 0, result.stderr
    um_in = (market_project / "site/in/plans/medicaid/en/utilization-management/index.html").read_text()
    assert material_line(um_in) == f"Material ID: {ids[('in-medicaid', UM)]}"
    um_ga = (market_project / "site/ga/plans/medicaid/es/gestion-de-uso/index.html").read_text()
    assert material_line(um_ga) == f"Número de material: {ids[('ga-medicaid', UM_ES)]}"
    assert "material-id" not in (market_project / "site/index.html").read_text()  # the market index: no ID given
    config = market_project / "site.toml"
    edit(config, 'phone = "1-855-555-0201"', 'phone = "1-855-555-0299"')  # Georgia's Member Services
    result = run_build(market_project, market_project / "site")
    assert result.code == 1
    problem = next(p for p in result.stderr.splitlines() if "the Member Services number in market 'ga-medicaid'" in p)
    assert problem.startswith(f"site.toml:{line_of(config, '1-855-555-0299')}:")
    assert f"{UM} ({ids[('ga-medicaid', UM)]})" in problem
    assert "in-medicaid" not in result.stderr and "IN-MED-" not in result.stderr


def test_a_market_may_require_approvals_while_the_site_does_not(tmp_path: Path) -> None:
    lock = "\n[approvals]\nrequired = false\n\n[markets.ga-medicaid.approvals]\nrequired = true\n"
    project = with_lock(markets_project(tmp_path / "project"), lock)
    result = run_build(project, project / "site")
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if "no approved text" in line and "(warning)" not in line]
    assert len(errors) == 8 and all("in market 'ga-medicaid'" in line for line in errors)
    assert "in-medicaid" not in result.stderr
    for number, entry in enumerate(e for e in listing(project) if e["market"] == "ga-medicaid"):
        done = build_py(
            project, "approvals", "--approve", entry["page"], "--id", f"GA-{number}", "--by", "Dana Ruiz",
            "--market", "ga-medicaid",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    result = run_build(project, project / "site")
    assert result.code == 0
    assert "in market 'in-medicaid'" in result.stderr and "(warning)" in result.stderr
    assert "in market 'ga-medicaid'" not in result.stderr


def test_the_market_index_carries_an_id_only_when_the_config_gives_one(tmp_path: Path) -> None:
    project = with_lock(markets_project(tmp_path / "project"), '\n[approvals]\nmarket_index = "MK-0000001"\n')
    assert run_build(project, project / "site").code == 0
    assert material_line((project / "site/index.html").read_text()) == "Material ID: MK-0000001"


def test_a_market_id_pattern_is_checked(market_project: Path) -> None:
    done = build_py(
        market_project, "approvals", "--approve", UM, "--id", "GA-1", "--by", "Dana Ruiz", "--market", "in-medicaid"
    )
    assert done.returncode == 1
    assert "does not match the id_pattern of market 'in-medicaid' (IN-MED-[0-9]{7})" in done.stderr


# -- output without approvals ------------------------------------------------------------------------


def test_a_site_without_approvals_shows_no_material_id(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    mark_taglines_reviewed(project)
    assert run_build(project, project / "site").code == 0
    assert not any(b"material-id" in data for data in files_of(project / "site").values())


# -- the preview ---------------------------------------------------------------------------------------


def test_serve_shows_a_preview_only_banner_on_changed_and_unapproved_pages_never_in_site(tmp_path: Path) -> None:
    project = with_lock(copy_project(tmp_path / "project"), "\n[approvals]\nrequired = false\n")
    approve_all(project)
    edit(project / UM, SENTENCE, "Staff can accept collect calls about UM issues.")
    records = project / "content/approvals.toml"
    edit(records, f'page = "{UM_ES}"', 'page = "content/es/no-such-page.md"')  # Spanish UM: never approved now
    server = Preview(project, tmp_path / "serve.log")
    try:
        changed = httpx.get(server.url + "/en/utilization-management/").text
        unapproved = httpx.get(server.url + "/es/gestion-de-uso/").text
        approved = httpx.get(server.url + "/en/nondiscrimination-notice/").text
    finally:
        server.stop()
    main = '<main id="main" tabindex="-1" class="wrap">\n<div class="notice preview-banner" role="note">'
    assert main in changed and re.search(
        r"this page has changed since <span class=\"nowrap\">OH-MED-M-\d{7}</span>", changed
    )
    assert main in unapproved and "this page has never been approved." in unapproved
    assert "preview-banner" not in approved
    assert not any(b"preview-banner" in data for data in files_of(project / "site").values())


# -- the records reader ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        '[[material]]\npage = "content/en/a.md"\nid = "OH-1"\napproved_by = "Dana Ruiz"\napproved_on = 2026-12-05\n'
        'sha256 = "' + "a" * 64 + '"\n\n[[material]]\npage = "content/es/b.md"\nmarket = "in-medicaid"\n',
        '[[material]]\napproved_by = "Ana María Núñez"\n',
        '[[material]]\nid = "with \\"quotes\\""\n',  # an escape: tomllib's to read
        '[[material]]\nid = "x" # a comment\n',
        "[[material]]\napproved_on = 2026-02-30\n",  # no such day: tomllib's to judge
        '[[material]]\nid = "x"\nid = "y"\n',  # a key twice: tomllib's to judge
        '[other]\nid = "x"\n',
        'id = "before any table"\n',
    ],
)
def test_the_line_reader_of_the_records_reads_exactly_what_tomllib_reads_or_leaves_it_to_tomllib(text: str) -> None:
    from sitegen.approval.records import simple_records

    entries = simple_records(text)
    if entries is None:
        return
    assert [entry for _, entry in entries] == tomllib.loads(text).get("material", [])
    assert [line for line, _ in entries] == [n for n, line in enumerate(text.split("\n"), 1) if line == "[[material]]"]


def test_the_line_reader_declines_what_it_does_not_know() -> None:
    from sitegen.approval.records import simple_records

    assert simple_records('[[material]]\nid = "with \\"quotes\\""\n') is None
    assert simple_records("[[material]]\napproved_on = 2026-02-30\n") is None
    assert simple_records('[[material]]\nid = "x"\nid = "y"\n') is None
    assert simple_records('[[material]]\nid = "x"\n') == [(1, {"id": "x"})]
