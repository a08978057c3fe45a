"""Where a site's sources live: the folders of one project."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """A project folder: site.toml, content/, templates/, locales/, static/."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "site.toml"

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"
