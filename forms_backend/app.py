"""Build the Starlette app: routes and middleware, nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from forms_backend.form.guards import SecurityHeaders
from forms_backend.form.inquiry import RETRY_AFTER_SECONDS, InquiryForm
from forms_backend.form.notify import Notifier
from forms_backend.form.rate_limits import rate_limiter
from forms_backend.form.submissions import Submissions, reindex
from forms_backend.form.tokens import FormTokens
from forms_backend.keys.crypto import FieldCipher
from forms_backend.keys.search_index import SearchIndex
from forms_backend.keys.signing import KeyedSigner
from forms_backend.logs import configure_logging
from forms_backend.metrics import STORAGE_ERRORS, MetricsEndpoint, RequestTimer, WorkGauges
from forms_backend.private_files import readable_by_others
from forms_backend.settings import Settings, SettingsError, load_settings
from forms_backend.site_files import SiteFiles
from forms_backend.staff.case_pages import CasePages
from forms_backend.staff.casework.cases import Casework
from forms_backend.staff.casework.rules import load_case_rules
from forms_backend.staff.digest import Digest
from forms_backend.staff.presenting import Clock
from forms_backend.staff.sessions import StaffSessions
from forms_backend.staff.views import StaffSite
from forms_backend.storage import StorageUnavailable, open_database
from forms_backend.storage.watch import StorageWatch, WatchedDatabase, probe_write
from sitegen.config.loader import load_config
from sitegen.config.project import Project
from sitegen.config.schema import SiteConfig
from sitegen.rendering.static_files import fingerprint_static
from sitegen.rendering.templates import Templates

CONFIRMATION_SALT = "memberpages.confirmation.v1"


def create_app(settings: Settings | None = None) -> Starlette:
    configure_logging()
    settings = settings or load_settings()
    if settings.production:
        refuse_shared_data_files(settings)
    project = Project(settings.project_dir)
    config = load_config(project.config_path, "site.toml")
    _, static_urls = fingerprint_static(project.static_dir)
    templates = Templates(config, project.templates_dir, project.locales_dir, project.root, static_urls)
    # Each market's form pages render with that market's lines and paths; a single plan has one "market".
    market_templates = {
        c.prefix: Templates(c, project.templates_dir, project.locales_dir, project.root, static_urls)
        if c.market
        else templates
        for c in config.builds()
    }
    watch = StorageWatch(on_failure=lambda reason: STORAGE_ERRORS.labels(reason).inc())
    database = WatchedDatabase(open_database(settings.database_url, timeout=settings.database_timeout), watch)
    cipher = FieldCipher.from_spec(settings.encryption_keys)
    index = SearchIndex.from_spec(settings.search_keys) if settings.search_keys else None
    clock = Clock(config.time_zone, {name: market.time_zone for name, market in config.market_configs.items()})
    casework = Casework(load_case_rules(project.root / "casework.toml", tuple(config.markets)), clock)
    submissions = Submissions(database, cipher, notify=settings.notifications_enabled, index=index, casework=casework)
    notifier = (
        Notifier(database, settings, lambda reference: staff_email(templates, settings, config, reference))
        if settings.notifications_enabled
        else None
    )
    shared = dict(
        settings=settings,
        tokens=FormTokens(settings.secret_keys, settings.min_fill_seconds, settings.token_max_age),
        submissions=submissions,
        limiter=rate_limiter(database, "form", settings.rate_limit_count, settings.rate_limit_seconds),
        confirmations=KeyedSigner(settings.secret_keys, salt=CONFIRMATION_SALT),
        on_stored=notifier.wake.set if notifier else None,
    )
    forms = [InquiryForm(config=c, templates=market_templates[c.prefix], **shared) for c in config.builds()]  # type: ignore[arg-type]
    staff = StaffSite(
        settings=settings,
        templates=templates,
        database=database,
        cipher=cipher,
        submissions=submissions,
        sessions=StaffSessions(database, settings.secret_keys, settings.staff_idle_minutes),
        login_limiter=rate_limiter(
            database, "staff-login", settings.login_rate_limit_count, settings.login_rate_limit_seconds
        ),
        languages=config.languages,
        markets={name: market.labels.get("en", name) for name, market in config.markets.items()},
        clock=clock,
        index=index,
        casework=casework,
    )

    async def healthz(request: Request) -> Response:
        """200 when a member's message would be stored now; 503 with the reason (a word, no detail) otherwise."""
        try:
            await database.read(lambda tx: tx.fetchone("SELECT 1"))
            if watch.failure is not None:  # e.g. a full disk: reads work, so only a write can tell it is over
                await database.write(probe_write)
        except StorageUnavailable as failure:
            body = {"status": "unavailable", "database": failure.reason}
            headers = {"cache-control": "no-store", "retry-after": str(RETRY_AFTER_SECONDS)}
            return JSONResponse(body, status_code=503, headers=headers)
        return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})

    async def storage_unavailable(request: Request, exc: Exception) -> Response:
        """A staff page (or anything but the form, which keeps the member's input) while the storage fails."""
        html = templates.render("en", "staff/unavailable.html", session=None, markets={}, retry=request.url.path)
        headers = {"cache-control": "no-store, private", "retry-after": str(RETRY_AFTER_SECONDS)}
        return HTMLResponse(html, status_code=503, headers=headers)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]), *staff.routes(), *CasePages(staff).routes()]
    if settings.metrics_token:
        gauges = WorkGauges(database, index.current.key_id if index else None)
        routes.append(Route("/metrics", MetricsEndpoint(settings.metrics_token, gauges).respond, methods=["GET"]))
    for form in forms:
        for path in form.paths().values():
            routes += [
                Route(path, form.show, methods=["GET", "HEAD"]),
                Route(path, form.submit, methods=["POST"]),
                Route(path + "sent/", form.sent, methods=["GET", "HEAD"]),
            ]
    if settings.serve_site:
        routes.append(Mount("/", SiteFiles(settings.site_dir, {c.prefix: c.languages for c in config.builds()})))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sender = asyncio.create_task(notifier.run()) if notifier else None
        # Rows stored before the index existed, or under a key since rotated out, get their terms in the background.
        indexer = asyncio.create_task(asyncio.to_thread(reindex, database, cipher, index)) if index else None
        # Submissions stored before casework.toml existed get their case type and deadlines.
        classifier = asyncio.create_task(asyncio.to_thread(casework.classify_unclassified, database))
        yield
        await asyncio.wait([classifier], timeout=30)
        if sender:
            sender.cancel()
        if indexer:
            await asyncio.wait([indexer], timeout=30)
        await database.close()

    app = Starlette(
        routes=routes,
        exception_handlers={StorageUnavailable: storage_unavailable},
        middleware=[
            Middleware(RequestTimer, form_paths=tuple(path for form in forms for path in form.paths().values())),
            Middleware(SecurityHeaders, trusted_proxies=settings.trusted_proxies),
        ],
        lifespan=lifespan,
    )
    app.state.submissions = submissions
    app.state.database = database
    app.state.storage_watch = watch
    app.state.settings = settings
    app.state.notifier = notifier
    app.state.casework = casework
    app.state.templates = templates
    app.state.config = config
    return app


def refuse_shared_data_files(settings: Settings) -> None:
    """Production never starts on a data folder or database that other users of the machine can read."""
    files = [settings.data_dir, settings.data_dir / "local-secrets.toml"]
    if settings.database_url.startswith("sqlite:///"):
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        files += [database.parent, database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    shared = readable_by_others(files)
    if shared:
        raise SettingsError(
            f"other users can read private data: {', '.join(shared)}; run chmod 700 on the folder and 600 on its files"
        )


def staff_email(templates: Templates, settings: Settings, config: SiteConfig, reference: str) -> tuple[str, str]:
    """Subject and body of the team's notification: the reference and a link, nothing about the member."""
    link = f"{(settings.public_base_url or config.base_url).rstrip('/')}/staff/inquiries/{reference}"
    return f"New Tell Us inquiry {reference}", templates.render(
        "en", "staff/notification.txt", reference=reference, link=link
    )


def staff_digest(
    templates: Templates, settings: Settings, config: SiteConfig, digest: Digest, due_soon_days: int
) -> tuple[str, str]:
    """Subject and body of one staff member's daily digest: counts and links, nothing about any member."""
    base_url = (settings.public_base_url or config.base_url).rstrip("/")
    context = {"digest": digest, "base_url": base_url, "due_soon_days": due_soon_days}
    return templates.render("en", "staff/digest_subject.txt", **context).strip(), templates.render(
        "en", "staff/digest.txt", **context
    )


def __getattr__(name: str) -> Starlette:
    """`uvicorn forms_backend.app:app`: built on first use from the environment, so importing
    this module (as tests do, to call create_app) has no side effects."""
    if name == "app":
        built = create_app()
        globals()["app"] = built  # later lookups find it without calling this again
        return built
    raise AttributeError(name)
