"""The digests that say whether a build's shared inputs changed: generator code, templates, catalogs, config."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig

CODE_DIR = Path(__file__).resolve().parents[1]  # all of sitegen: a new generator re-renders everything

_DIGESTS: dict[tuple[Path, tuple[str, ...]], tuple[tuple[tuple[str, int, int], ...], str]] = {}


def digest_files(*folders: Path, suffixes: tuple[str, ...] = ()) -> str:
    """One hash over every file's path and bytes under the folders (for templates, catalogs, code)."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(_folder_digest(folder, suffixes).encode())
    return digest.hexdigest()


def _folder_digest(folder: Path, suffixes: tuple[str, ...]) -> str:
    """Read and hash a folder's files again only when a file's name, time or size changed: every
    build of every market asks, and serve asks on every save."""
    files = (
        [p for p in sorted(folder.rglob("*")) if p.is_file() and (not suffixes or p.suffix in suffixes)]
        if folder.is_dir()
        else []
    )
    signature = tuple((p.as_posix(), (stat := p.stat()).st_mtime_ns, stat.st_size) for p in files)
    known = _DIGESTS.get((folder, suffixes))
    if known and known[0] == signature:
        return known[1]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    _DIGESTS[(folder, suffixes)] = (signature, digest.hexdigest())
    return digest.hexdigest()


def site_digest(project: Project, config: SiteConfig, lang: str, static_urls: dict[str, str]) -> str:
    """Everything, other than contact lines, that every page of one language depends on."""
    parts = [
        digest_files(CODE_DIR, suffixes=(".py",)),  # a new version of the generator re-renders everything
        digest_files(project.templates_dir),
        digest_files(project.locales_dir / lang),
        repr(sorted(static_urls.items())),
        repr(
            (
                config.plan_name,
                config.base_url,
                config.languages,
                sorted((n, f.paths, f.shown_as) for n, f in config.forms.items()),
            )
        ),
        repr(config.styles[lang]),
        repr((config.notices, config.taglines)),  # every footer names top languages; the taglines page shows them all
    ]
    if config.approvals or config.generated_ids:  # pages then carry their text's hash, and generated pages an ID
        parts.append(repr((config.approvals, sorted(config.generated_ids.items()))))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def contact_digests(config: SiteConfig) -> dict[str, str]:
    """A hash per contact line: when it changes, exactly the pages that show that line re-render."""
    return {name: hashlib.sha256(repr(line).encode()).hexdigest()[:16] for name, line in config.contacts.items()}
