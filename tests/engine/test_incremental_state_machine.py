"""The warm builder `build.py serve` keeps, driven by random edits (and now and then a new process that
starts from the build cache): it must always publish exactly the site a clean `--no-cache` build makes of the same files, and every problem it reports must name
a file that exists. Hypothesis makes the edits (bodies, titles, slugs, a contact line, pairs added
and deleted, edits that fail and are then undone) and shrinks any failure to the fewest steps."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from sitegen.config.project import Project
from sitegen.engine.markets import SiteBuilder
from sitegen.engine.options import BuildOptions
from sitegen.errors import SiteError, SiteErrors
from tests.conftest import copy_project

EN_PAGE = "content/en/utilization-management.md"
ES_PAGE = "content/es/gestion-de-uso.md"
WORDS = st.sampled_from(["Call us.", "We answer in two days.", "Ask for a ride.", "Bring your card.", "Llámenos hoy."])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


CLEAN_SITES: dict[
    str, dict[str, bytes]
] = {}  # sources digest -> the clean build's site (replays while shrinking repeat states)


def clean_site(project: Project, scratch: Path) -> dict[str, bytes]:
    """What `build.py --no-cache` makes of the project as it is now."""
    sources = hashlib.sha256(repr(sorted(tree(project.root).items())).encode()).hexdigest()
    if sources not in CLEAN_SITES:
        builder = SiteBuilder(project, scratch, BuildOptions(use_cache=False))
        try:
            builder.build()
        finally:
            builder.close()
        CLEAN_SITES[sources] = tree(scratch)
        shutil.rmtree(scratch)
    return CLEAN_SITES[sources]


class IncrementalBuilds(RuleBasedStateMachine):
    added = Bundle("added")  # names of pairs this run added (and has not deleted)

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="state-machine-"))
        self.root = copy_project(self.folder / "project")
        self.project = Project(self.root)
        self.warm = SiteBuilder(
            self.project, self.folder / "site", BuildOptions(keep_warm=True)
        )  # as `build.py serve` keeps it
        self.touched: set[Path] = set()
        self.numbers = 0
        self.last: str = "ok"
        self.new_process = False
        self.warm.build()

    def teardown(self) -> None:
        self.warm.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------------

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.write_text(text)
        self.touched.add(path)

    def edit(self, relative: str, change) -> None:  # type: ignore[no-untyped-def]
        self.write(relative, change((self.root / relative).read_text()))

    def pair_files(self, name: str) -> tuple[str, str]:
        return f"content/en/{name}.md", f"content/es/{name}-es.md"

    def add_pair_files(self, name: str, body: str) -> None:
        en, es = self.pair_files(name)
        self.write(
            en,
            f'+++\ntitle = "Page {name}"\ndescription = "About {name}."\nkey = "{name}"\nslug = "{name}"\n+++\n\n{body}\n',
        )
        self.write(
            es,
            f'+++\ntitle = "Página {name}"\ndescription = "Sobre {name}."\nkey = "{name}"\nslug = "{name}-es"\n+++\n\n{body}\n',
        )

    # -- edits -----------------------------------------------------------------------------------

    @rule(page=st.sampled_from([EN_PAGE, ES_PAGE]), words=WORDS)
    def edit_a_body(self, page: str, words: str) -> None:
        self.edit(page, lambda text: text.rstrip("\n") + f"\n\n{words}\n")

    @rule(page=st.sampled_from([EN_PAGE, ES_PAGE]), words=WORDS)
    def edit_a_title(self, page: str, words: str) -> None:
        self.edit(
            page, lambda text: re.sub(r'^title = ".*"$', f'title = "{words.rstrip(".")}"', text, count=1, flags=re.M)
        )

    @rule()
    def change_a_contact_line(self) -> None:
        self.numbers += 1
        self.edit(
            "site.toml",
            lambda text: re.sub(
                r'phone = "1-800-555-\d{4}"|phone = "1-833-230-2020"',
                f'phone = "1-800-555-{1000 + self.numbers}"',
                text,
                count=1,
            ),
        )

    @rule(words=WORDS)
    def edit_a_template(self, words: str) -> None:
        """Not a page: everything read from templates, catalogs and config must be read again."""
        self.edit("templates/page.html", lambda text: text.replace("</article>", f"<p>{words}</p>\n</article>", 1))

    @rule(target=added, name=st.sampled_from(["alpha", "beta", "gamma"]), words=WORDS)
    def add_a_pair(self, name: str, words: str) -> str:
        self.add_pair_files(name, words)
        return name

    @rule(target=added, name=st.sampled_from(["fantasma", "espectro"]))
    def add_a_pair_with_a_broken_link(self, name: str) -> str:
        """The build must stop on this one (and remember nothing of it)."""
        self.add_pair_files(name, "See [the missing page](/en/no-such-page/).")
        return name

    @rule(name=consumes(added))
    def delete_a_pair(self, name: str) -> None:
        for relative in self.pair_files(name):
            path = self.root / relative
            if path.exists():
                path.unlink()
            self.touched.add(path)

    @rule(name=added, words=WORDS)
    def rename_a_translation(self, name: str, words: str) -> None:
        _, es = self.pair_files(name)
        if (self.root / es).exists():
            slug = re.sub(r"[^a-z]+", "-", words.lower()).strip("-")
            self.edit(es, lambda text: re.sub(r'^slug = ".*"$', f'slug = "{name}-{slug}"', text, count=1, flags=re.M))

    @rule(serving=st.booleans())
    def start_a_new_process(self, serving: bool) -> None:
        """`build.py` run again (or `serve` restarted): a new builder that knows only the build cache."""
        self.warm.close()
        self.warm = SiteBuilder(self.project, self.folder / "site", BuildOptions(keep_warm=serving))
        self.new_process = True

    # -- what must hold after every edit ----------------------------------------------------------

    @invariant()
    def the_warm_site_is_the_clean_site_and_problems_name_real_files(self) -> None:
        touched, self.touched = self.touched, set()
        if self.new_process:  # a new process has no file watcher: it looks at every file
            touched, self.new_process = set(), False
        try:
            report = self.warm.build(touched or None)
        except SiteError as exc:
            problems = exc.errors if isinstance(exc, SiteErrors) else [exc]
            ghosts = [str(p) for p in problems if not (self.root / p.path).exists()]
            assert not ghosts, f"the build reported problems in files that do not exist: {ghosts}"
            self.last = "failed"
            return
        ghosts = [str(w) for w in report.warnings if not (self.root / w.path).exists()]  # type: ignore[attr-defined]
        assert not ghosts, f"the build warned about files that do not exist: {ghosts}"
        warm, clean = tree(self.folder / "site"), clean_site(self.project, self.folder / "clean")
        differ = sorted(name for name in warm.keys() | clean.keys() if warm.get(name) != clean.get(name))
        assert not differ, f"the warm build's site differs from a clean build's in {differ}"
        self.last = "ok"


IncrementalBuilds.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
test_a_warm_builder_always_publishes_what_a_clean_build_would = IncrementalBuilds.TestCase
