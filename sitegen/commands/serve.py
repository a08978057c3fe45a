"""`python build.py serve`: build, serve the site on loopback, rebuild on every save, reload the browser.

Rebuilds are incremental (the builder stays in memory), so a saved page is back in the browser in
milliseconds. A save that breaks the build shows the same `path:line` problems in the terminal and,
in place of every page, in the browser; the next good save recovers without a restart.
This server is for editors' machines only: production serves `site/` with nginx (docs/DEPLOY.md).
"""

from __future__ import annotations

import asyncio
import html
import sys
import threading
import time
import traceback
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import uvicorn
import watchfiles
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from sitegen.approval.lock import APPROVED
from sitegen.config.project import Project
from sitegen.engine.markets import SiteBuilder
from sitegen.engine.options import BuildOptions
from sitegen.errors import SiteError, problems_of, summarized
from sitegen.rendering.templates import editor_template

RELOAD_JS = """(() => {
  const generation = new URL(document.currentScript.src).searchParams.get("g");
  async function wait() {
    try {
      const response = await fetch("/__preview/events?since=" + generation, {cache: "no-store"});
      const state = await response.json();
      if (String(state.generation) !== generation) { location.reload(); return; }
    } catch (error) {
      await new Promise(resolve => setTimeout(resolve, 1000));  // server restarting: try again
    }
    wait();
  }
  wait();
})();
"""


class PreviewState:
    """The latest build's generation number and problems, shared by the watcher and the web server."""

    def __init__(self) -> None:
        self.generation = 0
        self.problems: list[str] = []
        self.banners: dict[str, str] = {}  # served file -> the preview-only banner its page shows
        self.lock = threading.Lock()

    def update(self, problems: list[str], banners: dict[str, str] | None = None) -> None:
        with self.lock:
            self.generation += 1
            self.problems = problems
            if banners is not None:
                self.banners = banners


def rebuild(builder: SiteBuilder, state: PreviewState, touched: set[Path] | None = None) -> None:
    try:
        report = builder.build(touched)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must not stop the preview
        if not isinstance(exc, SiteError):
            traceback.print_exc()
            state.update([f"the build failed unexpectedly: {exc!r} (see the terminal)"])
            return
        listed, summaries = summarized(problems_of(exc))
        problems = [str(e) for e in listed] + summaries
        for problem in problems:
            print(problem, file=sys.stderr, flush=True)
        count = len(problems_of(exc))
        print(f"build stopped: {count} problem(s); fix and save to continue", file=sys.stderr, flush=True)
        state.update(problems)
        return
    listed, summaries = summarized(report.warnings)
    for warning in listed:
        print(f"{warning} (warning)", file=sys.stderr, flush=True)
    for summary in summaries:
        print(f"{summary} (warnings)", file=sys.stderr, flush=True)
    print(f"rebuilt: rendered {report.rendered} page(s) in {report.seconds * 1000:.0f} ms", flush=True)
    state.update([], preview_banners(builder))


def preview_banners(builder: SiteBuilder) -> dict[str, str]:
    """The banner of every page that is not approved as it stands, by the file it is served from."""
    templates_dir = builder.project.templates_dir
    config = builder.config
    banners = {}
    for prefix, tree in builder.builders.items():
        for finding in tree.state.standing.values() if tree.state else ():
            if finding.state != APPROVED:
                policy = config.market_configs[finding.market] if finding.market and config else config
                required = bool(policy and policy.approvals and policy.approvals.required)
                served = f"{prefix.strip('/')}/{finding.output}".lstrip("/")
                banners[served] = editor_template(
                    templates_dir, "preview_banner.html", finding=finding, required=required
                )
    return banners


def watch(project: Project, builder: SiteBuilder, state: PreviewState, stop: threading.Event) -> None:
    watched = [
        p
        for p in (
            project.content_dir,
            project.templates_dir,
            project.locales_dir,
            project.static_dir,
            project.config_path,
        )
        if p.exists()
    ]
    for changes in watchfiles.watch(*watched, stop_event=stop, debounce=50, step=20, rust_timeout=500):
        rebuild(builder, state, {Path(path) for _, path in changes})


class InjectReload:
    """Serve the built files, adding the reload script to HTML, or the problem page after a failed build."""

    def __init__(self, out_dir: Path, state: PreviewState) -> None:
        self.files = StaticFiles(directory=out_dir, html=True, check_dir=False)
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self.state.lock:
            generation, problems = self.state.generation, list(self.state.problems)
        script = f'<script src="/__preview/reload.js?g={generation}" defer></script>'
        if problems:
            await problem_page(problems, script)(scope, receive, send)
            return
        served = scope["path"].lstrip("/")
        banner = self.state.banners.get(served + "index.html" if not served or served.endswith("/") else served, "")
        is_html = False

        async def send_with_script(message: MutableMapping[str, Any]) -> None:
            nonlocal is_html
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                is_html = headers.get(b"content-type", b"").startswith(b"text/html")
                if is_html:  # the length changes with the script
                    message["headers"] = [(k, v) for k, v in message["headers"] if k != b"content-length"]
            elif message["type"] == "http.response.body" and is_html:
                body = message.get("body", b"")
                if banner and b"<main" in body:  # a big page comes in chunks: the banner goes where <main> is
                    body = with_banner(body, banner)
                if not message.get("more_body"):
                    body = body.replace(b"</body>", script.encode() + b"</body>")
                message["body"] = body
            await send(message)

        await self.files(scope, receive, send_with_script)


def with_banner(page: bytes, banner: str) -> bytes:
    """The page with the banner at the top of its main content (where a screen reader's skip link lands)."""
    start = page.find(b"<main")
    end = page.find(b">", start) + 1 if start >= 0 else 0
    return page[:end] + b"\n" + banner.encode() + page[end:] if end else page


def problem_page(problems: list[str], script: str) -> HTMLResponse:
    items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Build stopped</title></head><body>'
        f"<main><h1>The build stopped: {len(problems)} problem(s)</h1><ul>{items}</ul>"
        f"<p>Fix the file and save: this page reloads by itself.</p></main>{script}</body></html>",
        status_code=500,
        headers={"cache-control": "no-store"},
    )


def preview_app(out_dir: Path, state: PreviewState) -> Starlette:
    async def events(request: Request) -> Response:
        since = request.query_params.get("since", "")
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and str(state.generation) == since:
            await asyncio.sleep(0.05)
        return JSONResponse({"generation": state.generation}, headers={"cache-control": "no-store"})

    async def reload_js(request: Request) -> Response:
        return Response(RELOAD_JS, media_type="text/javascript", headers={"cache-control": "no-store"})

    return Starlette(
        routes=[
            Route("/__preview/events", events),
            Route("/__preview/reload.js", reload_js),
            Mount("/", InjectReload(out_dir, state)),
        ]
    )


def serve(project: Project, out_dir: Path, port: int) -> int:
    builder = SiteBuilder(project, out_dir, BuildOptions(readability=True, keep_warm=True))
    state = PreviewState()
    rebuild(builder, state)
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(project, builder, state, stop), daemon=True)
    watcher.start()
    print(
        f"Previewing {project.root} at http://127.0.0.1:{port}/ — saving a file rebuilds and reloads the page",
        flush=True,
    )
    try:
        uvicorn.run(
            preview_app(out_dir, state), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
    finally:
        stop.set()
    return 0
