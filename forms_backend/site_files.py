"""Serve the built `site/` for local runs: the right 404 page per language, sane cache headers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


class SiteFiles(StaticFiles):
    def __init__(self, directory: Path, trees: dict[str, tuple[str, ...]]) -> None:
        """`trees`: each tree's path ("" for a single plan, a market's path otherwise) -> its languages."""
        super().__init__(directory=directory, html=True, check_dir=False)
        self.site_dir = directory
        self.trees = sorted(trees.items(), key=lambda tree: -len(tree[0]))  # the deepest tree that holds the path

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            return self.not_found(path)
        if response.status_code == 404:
            return self.not_found(path)
        if "location" in response.headers:
            # Starlette's "/en" -> "/en/" redirect is absolute, built from the Host header: anyone could
            # make it point at their own site. The same path on the same host is all it needs.
            response.headers["location"] = same_site(response.headers["location"])
        # Fingerprinted assets never change; pages must be rechecked so edits show at once.
        response.headers["cache-control"] = IMMUTABLE if path.startswith("static/") else REVALIDATE
        return response

    def not_found(self, path: str) -> Response:
        """The 404 page of the language and market the path is in, else the site's own."""
        page = self.site_dir / "404.html"
        for prefix, languages in self.trees:
            tree = prefix.strip("/")
            if tree and not (path == tree or path.startswith(tree + "/")):
                continue
            lang = path[len(tree) :].strip("/").split("/", 1)[0]
            page = self.site_dir / tree / (f"{lang}/404.html" if lang in languages else "404.html")
            break
        if page.is_file():
            return FileResponse(page, status_code=404, headers={"cache-control": "no-cache"})
        return Response("Not found", status_code=404, media_type="text/plain")


def same_site(location: str) -> str:
    """A redirect target reduced to its path and query, so it stays on the host the browser asked."""
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/")  # never "//host", which a browser reads as another site
    return path + (f"?{parts.query}" if parts.query else "")
