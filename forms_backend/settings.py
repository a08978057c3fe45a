"""Settings from the environment. Secrets never have defaults in production; local runs get
generated ones, kept in the data directory (mode 0600) so stored rows stay readable."""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import CommaSeparatedStrings, Secret

from forms_backend.keys.crypto import new_key_spec
from forms_backend.keys.search_index import new_search_key_spec
from forms_backend.private_files import private_folder

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """The environment is missing something the server cannot run without."""


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    site_dir: Path
    data_dir: Path
    database_url: str
    secret_keys: tuple[str, ...]  # oldest first; the last one signs
    encryption_keys: str
    search_keys: str = ""  # the blind index's secrets (SEARCH_KEYS); see keys/search_index.py
    production: bool = False
    trusted_proxies: frozenset[str] = frozenset()
    allowed_origins: frozenset[str] = frozenset()
    rate_limit_count: int = 10
    rate_limit_seconds: float = 60.0
    login_rate_limit_count: int = 20
    login_rate_limit_seconds: float = 300.0
    min_fill_seconds: float = 3.0
    token_max_age: int = 2 * 60 * 60
    max_body_bytes: int = 32 * 1024
    serve_site: bool = True
    staff_idle_minutes: int = 15
    retention_days: int = 730
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    notify_to: str = ""
    notify_from: str = "tell-us@localhost"
    notify_retry_seconds: float = 30.0
    public_base_url: str = ""  # for links in staff emails; defaults to the config's base_url
    metrics_token: str = ""  # /metrics answers only with this bearer token; without one it is not served at all
    database_timeout: float = 5.0  # seconds any one wait on PostgreSQL may take (connection, statement, lock)

    @property
    def notifications_enabled(self) -> bool:
        return bool(self.smtp_host and self.notify_to)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    config = Config(environ=environ if environ is not None else os.environ)
    production = config("FORMS_ENV", default="local") == "production"
    project_dir = Path(config("PROJECT_DIR", default=str(PROJECT_ROOT)))
    data_dir = Path(config("DATA_DIR", default=str(project_dir / "data")))
    secret_keys = list(config("SECRET_KEYS", cast=CommaSeparatedStrings, default=""))
    encryption = str(config("ENCRYPTION_KEYS", cast=Secret, default=""))
    search = str(config("SEARCH_KEYS", cast=Secret, default=""))
    if production and (not secret_keys or not encryption or not search):
        raise SettingsError(
            "FORMS_ENV=production needs SECRET_KEYS, ENCRYPTION_KEYS and SEARCH_KEYS in the environment"
        )
    if not secret_keys or not encryption or not search:
        local = local_secrets(data_dir)
        secret_keys = secret_keys or [local["secret_key"]]
        encryption = encryption or local["encryption_keys"]
        search = search or local["search_keys"]
    count, seconds = _rate(config("RATE_LIMIT", default="10/60"))
    login_count, login_seconds = _rate(config("LOGIN_RATE_LIMIT", default="20/300"))
    return Settings(
        project_dir=project_dir,
        site_dir=Path(config("SITE_DIR", default=str(project_dir / "site"))),
        data_dir=data_dir,
        database_url=config("DATABASE_URL", default=f"sqlite:///{data_dir / 'inquiries.db'}"),
        secret_keys=tuple(secret_keys),
        encryption_keys=encryption,
        search_keys=search,
        production=production,
        trusted_proxies=frozenset(config("TRUSTED_PROXIES", cast=CommaSeparatedStrings, default="")),
        allowed_origins=frozenset(
            o.rstrip("/") for o in config("ALLOWED_ORIGINS", cast=CommaSeparatedStrings, default="")
        ),
        rate_limit_count=count,
        rate_limit_seconds=seconds,
        login_rate_limit_count=login_count,
        login_rate_limit_seconds=login_seconds,
        min_fill_seconds=config("MIN_FILL_SECONDS", cast=float, default=3.0),
        token_max_age=config("TOKEN_MAX_AGE", cast=int, default=7200),
        max_body_bytes=config("MAX_BODY_BYTES", cast=int, default=32 * 1024),
        serve_site=config("SERVE_SITE", cast=bool, default=True),
        staff_idle_minutes=config("STAFF_IDLE_MINUTES", cast=int, default=15),
        retention_days=config("RETENTION_DAYS", cast=int, default=730),
        smtp_host=config("SMTP_HOST", default=""),
        smtp_port=config("SMTP_PORT", cast=int, default=25),
        smtp_user=config("SMTP_USER", default=""),
        smtp_password=str(config("SMTP_PASSWORD", cast=Secret, default="")),
        smtp_starttls=config("SMTP_STARTTLS", cast=bool, default=False),
        notify_to=config("NOTIFY_TO", default=""),
        notify_from=config("NOTIFY_FROM", default="tell-us@localhost"),
        notify_retry_seconds=config("NOTIFY_RETRY_SECONDS", cast=float, default=30.0),
        public_base_url=config("PUBLIC_BASE_URL", default=""),
        metrics_token=str(config("METRICS_TOKEN", cast=Secret, default="")),
        database_timeout=config("DATABASE_TIMEOUT", cast=float, default=5.0),
    )


def _rate(text: str) -> tuple[int, float]:
    """'10/60' → 10 requests per 60 seconds."""
    count, _, seconds = text.partition("/")
    return int(count), float(seconds or 60)


def local_secrets(data_dir: Path) -> dict[str, str]:
    """Read, or create once, the generated secrets for a local run."""
    path = data_dir / "local-secrets.toml"
    generators: dict[str, Callable[[], str]] = {
        "secret_key": lambda: secrets.token_urlsafe(32),
        "encryption_keys": lambda: new_key_spec("local1"),
        "search_keys": lambda: new_search_key_spec("local1"),
    }
    if path.exists():
        values = {k: str(v) for k, v in tomllib.loads(path.read_text()).items()}
        missing = {name: make() for name, make in generators.items() if name not in values}
        if missing:  # a file from an older version: add the secrets it lacks, keep the rest
            with path.open("a") as handle:
                handle.writelines(f'{key} = "{value}"\n' for key, value in missing.items())
        return {**values, **missing}
    private_folder(data_dir)
    values = {name: make() for name, make in generators.items()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(
            "# Generated for local runs only. Production takes SECRET_KEYS, ENCRYPTION_KEYS and SEARCH_KEYS from the environment.\n"
        )
        for key, value in values.items():
            handle.write(f'{key} = "{value}"\n')
    return values
