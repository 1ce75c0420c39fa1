"""The security baseline: headers on every page, CSRF on every POST, no inline script, and the
production and e-mail settings read from the environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
APPS = ("accounts", "analytics", "config", "surveys")
PRODUCTION_SECRET = "k" * 20 + "-a-long-random-production-secret-0123456789"


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_a_page_carries_a_content_security_policy_without_inline_script(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password_reset/", "/admin/login/"])
def test_pages_forbid_sniffing_framing_and_leaking_the_referrer(client, url):
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_no_inline_script_or_event_handler(path):
    text = path.read_text()
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S | re.I):
        assert "src=" in attributes and not body.strip(), f"inline script in {path}"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, re.I), f"event handler in {path}"
    assert "javascript:" not in text.lower(), f"javascript: URL in {path}"


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_post_form_carries_a_csrf_token(path):
    text = path.read_text()
    for form in re.findall(r"<form\b[^>]*>.*?</form>", text, re.S | re.I):
        opening = form[: form.index(">") + 1]
        if re.search(r"method\s*=\s*[\"']?post", opening, re.I):
            assert "{% csrf_token %}" in form, f"POST form without csrf_token in {path}"


def test_no_view_opts_out_of_csrf():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            assert "csrf_exempt" not in source.read_text(), f"csrf_exempt in {source}"


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(django_user_model):
    django_user_model.objects.create_user(username="aigerim", password="steppe-wind-2022")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "aigerim", "password": "steppe-wind-2022"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def settings_in(module: str, names: list[str], **env: str) -> dict:
    """The named settings as the module sees them, from a fresh process with this environment."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL")
    }
    environ.update(DJANGO_SETTINGS_MODULE=module, **env)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_cookies_are_secure_and_throttling_is_on():
    values = settings_in(
        "config.settings.production",
        [
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "CSRF_COOKIE_HTTPONLY",
            "SECURE_HSTS_SECONDS",
            "SECURE_SSL_REDIRECT",
            "AXES_ENABLED",
            "DEBUG",
        ],
        SECRET_KEY=PRODUCTION_SECRET,
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "AXES_ENABLED": True,
        "DEBUG": False,
    }


EMAIL_SETTINGS = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
]


def test_mail_goes_to_the_console_unless_configured():
    values = settings_in("config.settings.local", EMAIL_SETTINGS)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_smtp_comes_from_email_url():
    values = settings_in(
        "config.settings.production",
        EMAIL_SETTINGS,
        SECRET_KEY=PRODUCTION_SECRET,
        EMAIL_URL="smtp+tls://survey%40example.kz:s3cret@mail.example.kz:587",
        DEFAULT_FROM_EMAIL="Saualnama <survey@example.kz>",
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.kz",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "survey@example.kz",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "Saualnama <survey@example.kz>",
    }
