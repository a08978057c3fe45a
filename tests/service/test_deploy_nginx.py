"""Production shape, for real: nginx serves site/ and proxies to two backend workers on PostgreSQL."""

from __future__ import annotations

import os
import re
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from forms_backend.keys.crypto import new_key_spec
from tests.backend import GOOD, submit
from tests.conftest import ROOT
from tests.servers import UvicornServer, free_port

NGINX = "/usr/sbin/nginx"


class Nginx:
    def __init__(self, run_dir: Path, site: Path, backend_port: int) -> None:
        self.port = free_port()
        self.run_dir = run_dir
        values = {
            "RUN_DIR": str(run_dir),
            "MIME_TYPES": "/etc/nginx/mime.types",
            "DEPLOY_DIR": str(ROOT / "deploy"),
            "USER_DIRECTIVE": "user root;" if os.geteuid() == 0 else "",
            "UPSTREAM_SERVERS": f"server 127.0.0.1:{backend_port};",
            "LISTEN": f"127.0.0.1:{self.port}",
            "SERVER_NAME": "localhost 127.0.0.1",
            "SITE_DIR": str(site),
        }
        # safe_substitute: nginx's own $uri-style variables stay as they are
        config = string.Template((ROOT / "deploy" / "nginx.conf").read_text()).safe_substitute(values)
        assert "${" not in config, "a ${VALUE} in deploy/nginx.conf has no value"
        self.config = run_dir / "nginx.conf"
        self.config.write_text(config)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Nginx:
        subprocess.run([NGINX, "-t", "-c", str(self.config)], check=True, capture_output=True)
        subprocess.run([NGINX, "-c", str(self.config)], check=True, capture_output=True)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run([NGINX, "-c", str(self.config), "-s", "quit"], capture_output=True)


def behind_nginx(site: Path, data: Path, database_url: str) -> dict[str, str]:
    """The backend's environment as deploy/ runs it: nginx serves the site and is the one trusted proxy."""
    return {
        "SITE_DIR": str(site),
        "DATA_DIR": str(data),
        "DATABASE_URL": database_url,
        "SECRET_KEYS": "deploy-test",
        "ENCRYPTION_KEYS": new_key_spec(),
        "MIN_FILL_SECONDS": "0",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SERVE_SITE": "false",
    }


@pytest.fixture
def stack(tmp_path: Path, built_site: Path, postgres_url: str) -> Iterator[tuple[Nginx, UvicornServer]]:
    env = behind_nginx(built_site, tmp_path, postgres_url)
    with (
        UvicornServer(env, tmp_path / "backend.log", workers=2) as backend,
        Nginx(tmp_path, built_site, backend.port) as nginx,
    ):
        yield nginx, backend


def test_form_submission_through_nginx_reaches_two_workers_on_postgres(stack: tuple[Nginx, UvicornServer]) -> None:
    nginx, backend = stack
    with httpx.Client(base_url=nginx.url) as client:
        references = set()
        for lang in ("en", "es", "en", "es"):
            response = submit(client, lang, GOOD)
            assert response.status_code == 303
            confirmation = client.get(response.headers["location"])
            references.add(re.search(r'<p class="reference">([0-9A-Z-]+)</p>', confirmation.text).group(1))  # type: ignore[union-attr]
    assert len(references) == 4
    import psycopg

    with psycopg.connect(backend.env["DATABASE_URL"]) as conn:
        stored = {row[0] for row in conn.execute("SELECT reference FROM submissions")}
    assert references <= stored
    processes = re.findall(r"Started server process \[(\d+)\]", backend.logs())
    assert len(set(processes)) >= 2, "expected two uvicorn workers"


def test_nginx_serves_the_site_with_types_compression_caching_and_language_404s(
    stack: tuple[Nginx, UvicornServer],
) -> None:
    nginx, _ = stack
    with httpx.Client(base_url=nginx.url) as client:
        page = client.get("/es/gestion-de-uso/", headers={"accept-encoding": "gzip"})
        assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-encoding"] == "gzip" and "Gestión de uso" in page.text
        assert page.headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        css_path = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', page.text).group(1)  # type: ignore[union-attr]
        css = client.get(css_path)
        assert css.headers["content-type"].startswith("text/css") and "immutable" in css.headers["cache-control"]
        missing_es = client.get("/es/no-existe/")
        assert missing_es.status_code == 404 and "No encontramos la página" in missing_es.text
        missing_en = client.get("/en/missing/")
        assert missing_en.status_code == 404 and "Page not found" in missing_en.text
        assert client.get("/sitemap.xml").headers["content-type"].startswith("text/xml")
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/staff/", follow_redirects=False).headers["location"].startswith("/staff/login")


def test_nginx_sends_hsts_on_every_static_answer_and_keeps_redirects_on_the_asked_host(
    stack: tuple[Nginx, UvicornServer],
) -> None:
    nginx, _ = stack
    with httpx.Client(base_url=nginx.url) as client:
        page = client.get("/en/utilization-management/")
        css_path = re.search(r'href="(/static/site\.[0-9a-f]+\.css)"', page.text).group(1)  # type: ignore[union-attr]
        for response in (page, client.get(css_path), client.get("/en/missing/"), client.get("/")):
            assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        redirect = client.get("/staff", headers={"host": "localhost"}, follow_redirects=False)
        assert redirect.status_code == 301 and redirect.headers["location"] == "/staff/"
        with pytest.raises(httpx.RemoteProtocolError):  # another host name: nginx closes without answering
            client.get("/staff", headers={"host": "evil.example"}, follow_redirects=False)


def test_the_deploy_docs_state_the_security_properties_the_config_has() -> None:
    docs = (ROOT / "docs" / "DEPLOY.md").read_text()
    config = (ROOT / "deploy" / "nginx.conf").read_text() + (ROOT / "deploy" / "security_headers.conf").read_text()
    assert "absolute_redirect off" in config and "Strict-Transport-Security" in config
    for property_ in ("HSTS", "absolute_redirect off", "0700", "0600", "relative"):
        assert property_ in docs


def markets_site_behind_nginx(tmp_path: Path, database_url: str) -> tuple[Path, dict[str, str]]:
    """The three-market fixture project, built, and its backend's environment behind nginx."""
    from tests.conftest import run_build
    from tests.engine.test_markets import markets_project

    project = markets_project(tmp_path / "project")
    assert run_build(project, project / "site").code == 0
    site = project / "site"
    return site, {"PROJECT_DIR": str(project), **behind_nginx(site, tmp_path, database_url)}


def test_nginx_serves_market_trees_with_their_own_404s_and_proxies_their_forms(
    tmp_path: Path, postgres_url: str
) -> None:
    site, env = markets_site_behind_nginx(tmp_path, postgres_url)
    with (
        UvicornServer(env, tmp_path / "backend.log") as backend,
        Nginx(tmp_path, site, backend.port) as nginx,
        httpx.Client(base_url=nginx.url) as client,
    ):
        assert "Georgia Medicaid" in client.get("/").text
        assert "1-855-555-0201" in client.get("/ga/plans/medicaid/es/gestion-de-uso/").text
        missing = client.get("/ga/plans/medicaid/es/no-existe/")
        assert (
            missing.status_code == 404
            and "No encontramos la página" in missing.text
            and "1-855-555-0201" in missing.text
        )
        top = client.get("/no-such-plan/")
        assert top.status_code == 404 and "Wisconsin Marketplace" in top.text
        form = client.get("/wi/plans/marketplace/en/tell-us/")
        assert (
            form.status_code == 200
            and "1-833-555-0301" in form.text
            and form.headers["cache-control"].startswith("no-store")
        )
        assert client.get("/ga/plans/medicaid/.build-id").status_code == 404


def test_with_the_backend_stopped_nginx_answers_the_form_with_the_markets_own_page(
    tmp_path: Path, postgres_url: str
) -> None:
    site, env = markets_site_behind_nginx(tmp_path, postgres_url)
    backend = UvicornServer(env, tmp_path / "backend.log").start()
    with Nginx(tmp_path, site, backend.port) as nginx, httpx.Client(base_url=nginx.url) as client:
        assert client.get("/ga/plans/medicaid/es/cuentenos/").status_code == 200
        backend.stop()
        cases = [
            ("GET", "/ga/plans/medicaid/es/cuentenos/", "El formulario Cuéntenos no funciona", "tel:+18555550201"),
            ("POST", "/ga/plans/medicaid/es/cuentenos/", "su mensaje no se envió", "tel:+18555550201"),
            ("GET", "/wi/plans/marketplace/en/tell-us/", "The Tell Us form is not working", "tel:+18335550301"),
            ("POST", "/in/plans/medicaid/en/tell-us/", "your message was not sent", "tel:+18445550101"),
        ]
        for method, path, sentence, line in cases:
            answer = client.request(method, path, data={"first_name": "Ana"} if method == "POST" else None)
            assert answer.status_code == 503, path
            assert sentence in answer.text and line in answer.text, path
            assert answer.headers["retry-after"] == "120"
            assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["content-security-policy"]


def test_with_the_backend_stopped_the_single_plan_form_gets_its_page_in_each_language(
    tmp_path: Path, built_site: Path
) -> None:
    closed_port = free_port()  # nothing listens there: a backend that is down
    with Nginx(tmp_path, built_site, closed_port) as nginx, httpx.Client(base_url=nginx.url) as client:
        for path, sentence in (("/en/tell-us/", "The Tell Us form is not working"), ("/es/cuentenos/", "no funciona")):
            answer = client.get(path)
            assert answer.status_code == 503
            assert sentence in answer.text and "tel:+18446072829" in answer.text
