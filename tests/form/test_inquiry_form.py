"""The Tell Us form in both languages: shown like the site, validated kindly, stored before it is confirmed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from forms_backend.app import create_app
from tests.backend import FORM, GOOD, make_settings, submit
from tests.text import main_text


@pytest.fixture
def client(tmp_path: Path, built_site: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, built_site))) as test_client:
        yield test_client


@pytest.mark.parametrize("lang", ["en", "es"])
def test_form_page_looks_like_the_site(client: TestClient, lang: str) -> None:
    page = client.get(FORM[lang])
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert 'class="skip-link"' in page.text and "1-844-607-2829" in page.text
    other = "es" if lang == "en" else "en"
    assert f'<a href="{FORM[other]}" hreflang="{other}"' in page.text


def test_every_field_has_a_visible_label_and_required_ones_say_so(client: TestClient) -> None:
    html = client.get(FORM["en"]).text
    for field in ("first_name", "last_name", "member_id", "phone", "email", "topic", "message"):
        assert re.search(
            rf'<label for="{field}">[^<]+<span class="required">\((required|optional)\)</span></label>', html
        ), field
    assert html.count("(required)") == 6


@pytest.mark.parametrize("lang", ["en", "es"])
def test_valid_submission_is_stored_then_redirected_to_a_confirmation(client: TestClient, lang: str) -> None:
    response = submit(client, lang)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(FORM[lang] + "sent/?r=")
    confirmation = client.get(location)
    reference = re.search(r'<p class="reference">([0-9A-Z-]+)</p>', confirmation.text).group(1)  # type: ignore[union-attr]
    stored = client.portal.call(client.app.state.submissions.get, reference)  # type: ignore[attr-defined]
    assert stored is not None and stored.lang == lang and stored.fields["message"] == GOOD["message"]
    assert "1-844-607-2829" in confirmation.text
    assert confirmation.headers["cache-control"].startswith("no-store")


def test_errors_come_back_in_spanish_with_input_kept_and_linked_summary(client: TestClient) -> None:
    fields = dict(
        GOOD,
        first_name="",
        email="no-at-sign",
        contact_method="email",
        message="Necesito ayuda <script>alert(1)</script>",
    )
    response = submit(client, "es", fields)
    assert response.status_code == 400
    html = response.text
    assert "<title>Error: Cuéntenos: envíenos una pregunta | CareSource</title>" in html
    assert '<li><a href="#first_name">Nombre: Escriba esta información.</a></li>' in html
    assert (
        '<li><a href="#email">Correo electrónico: Escriba un correo electrónico como nombre@ejemplo.com.</a></li>'
        in html
    )
    assert 'id="email" name="email" value="no-at-sign"' in html
    assert 'aria-describedby="first_name-error" aria-invalid="true"' in html
    assert '<span class="error-message" id="email-error">Error: Escriba un correo electrónico' in html
    assert "Necesito ayuda &lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in html
    assert (
        'value="maria@example.org"' not in html and 'value="María José"' not in html
    )  # the wrong values, kept as typed
    assert 'name="last_name" value="O&#39;Brien-Núñez"' in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Enter a 10-digit phone number"),
        ({"dob_year": "2999"}, "date_of_birth", "Date of birth must be in the past."),
        ({"dob_month": "2", "dob_day": "30"}, "date_of_birth", "Date of birth must be a real date."),
        ({"phone": "", "email": ""}, "phone", "Give us a phone number or an email address"),
        ({"contact_method": "email", "email": ""}, "email", "You asked us to email you."),
        ({"topic": "lottery"}, "topic", "Choose one of the options."),
        ({"message": "x" * 2001}, "message", "This is too long."),
        ({"member_id": "12"}, "member_id", "6 to 20 letters and numbers"),
    ],
)
def test_each_invalid_field_gets_a_kind_message_next_to_it(
    client: TestClient, change: dict[str, str], field: str, message: str
) -> None:
    response = submit(client, "en", dict(GOOD, **change))
    assert response.status_code == 400
    error = re.search(rf'<span class="error-message" id="{field}-error">Error: ([^<]+)</span>', response.text)
    assert error and message in error.group(1)


def test_confirmation_page_cannot_be_forged(client: TestClient) -> None:
    response = client.get(FORM["en"] + "sent/?r=ABCD-EFGH-JKMN")
    assert response.status_code == 404
    assert "We could not find this confirmation" in main_text(response.text)


def test_health_endpoint_reports_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_static_site_is_served_with_a_language_aware_404(client: TestClient) -> None:
    assert client.get("/es/gestion-de-uso/").status_code == 200
    missing = client.get("/es/no-existe/")
    assert missing.status_code == 404 and "No encontramos la página" in missing.text
    css = next(p for p in client.app.state.settings.site_dir.glob("static/*.css"))  # type: ignore[attr-defined]
    asset = client.get(f"/static/{css.name}")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_security_headers_are_on_every_response(client: TestClient) -> None:
    for path in (FORM["en"], "/en/utilization-management/", "/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in headers  # plain HTTP here


def test_hsts_is_sent_over_https(tmp_path: Path, built_site: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, built_site)), base_url="https://testserver") as client:
        assert client.get(FORM["en"]).headers["strict-transport-security"].startswith("max-age=31536000")
