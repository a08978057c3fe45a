"""/metrics: Prometheus text for the hosting team's alerts, added up across workers, behind a bearer token,
with no member data in it; parsed here by prometheus_client's own parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from forms_backend.app import create_app
from forms_backend.keys.crypto import new_key_spec
from tests.backend import STAFF_PASSWORD, make_settings, staff_login
from tests.conftest import ROOT
from tests.servers import UvicornServer
from tests.service.test_real_server import PHI, PHI_MARKERS, server_env
from tests.service.test_storage_failures import post_form

TOKEN = "metrics-test-token-4f8a"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels (the parser rejects anything not in the text format)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_are_not_served_without_a_configured_token(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"authorization": "Bearer "}).status_code == 404


def test_metrics_add_up_across_two_workers_and_need_the_token(tmp_path: Path, built_site: Path) -> None:
    multiprocess = tmp_path / "prometheus"
    multiprocess.mkdir()
    db = tmp_path / "data" / "inquiries.db"
    env = {
        **server_env(tmp_path, built_site, f"sqlite:///{db}", new_key_spec("k1")),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiprocess),
    }
    subprocess.run(
        [sys.executable, "-m", "forms_backend", "users", "add", "ana", "--role", "admin", "--password-stdin"],
        input=STAFF_PASSWORD,
        env={**env, "PROJECT_DIR": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    with (
        UvicornServer(env, tmp_path / "server.log", workers=2) as server,
        # A new connection per request, so that both workers answer some of them.
        httpx.Client(base_url=server.url, limits=httpx.Limits(max_keepalive_connections=0)) as client,
    ):
        for _ in range(3):
            assert post_form(client, "en").status_code == 303
        invalid = client.get("/es/cuentenos/")
        token = invalid.text.split('name="token" value="', 1)[1].split('"', 1)[0]
        refused = client.post(
            "/es/cuentenos/", data={**PHI, "email": "not an address", "token": token}, headers={"origin": server.url}
        )
        assert refused.status_code == 400
        with httpx.Client(base_url=server.url) as staff:
            assert staff_login(staff, "ana", "wrong password").status_code == 401
            assert staff_login(staff, "ana").status_code == 303

        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 404
        assert client.get("/metrics", headers={"authorization": TOKEN}).status_code == 404
        scrapes = [client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"}) for _ in range(6)]

    for scrape in scrapes:  # whichever worker answers, the counts are the whole server's
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        found = samples(scrape.text)
        assert found[("tellus_submissions_stored_total", ())] == 3
        assert found[("tellus_submissions_refused_total", (("reason", "validation"),))] == 1
        assert found[("tellus_staff_sign_ins_total", (("outcome", "failed"),))] == 1
        assert found[("tellus_staff_sign_ins_total", (("outcome", "ok"),))] == 1
        assert found[("tellus_request_duration_seconds_count", (("route", "form"), ("status", "3xx")))] == 3
        assert found[("tellus_request_duration_seconds_count", (("route", "form"), ("status", "4xx")))] == 1
        assert found[("tellus_request_duration_seconds_count", (("route", "form"), ("status", "2xx")))] == 4
        assert found[("tellus_cases_open", ())] == 3
        assert found[("tellus_cases_overdue", ())] == 0
        assert found[("tellus_outbox_depth", ())] == 0
        assert found[("tellus_submissions_unindexed", ())] == 0
        for marker in PHI_MARKERS:
            assert marker not in scrape.text
