"""Who may call the API: tokens in a header or as a Basic password, the session, and the refusals.

Refusals are JSON `{"error": {"code", "message"}}`; the expected message is our msgid through
gettext in the request's language, so the tests hold before and after the catalogues carry it.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import ApiToken
from accounts.roles import RESEARCHER, roles_ensure
from accounts.tokens import api_token_create, api_token_revoke
from api.throttling import TokenRateThrottle
from surveys.models import Survey

pytestmark = pytest.mark.django_db

SURVEYS = "/api/v1/surveys/"
PASSWORD = "pw-123456"
INVALID = "The API token is not valid: it is unknown, revoked or expired."
ANONYMOUS = "Sign in, or send a personal API token: Authorization: Token snm_..."


def in_language(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return gettext(msgid)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def call(authorization: str | None = None, lang: str = "kk"):
    headers = {"HTTP_ACCEPT_LANGUAGE": lang}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    return Client(**headers).get(SURVEYS)


@pytest.fixture
def owner(mini_survey):
    """A researcher who owns the mini survey, so a token's answer shows whose it is."""
    user = get_user_model().objects.create_user("aigerim", password=PASSWORD, is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    Survey.objects.filter(pk=mini_survey.pk).update(owner=user)
    return user


@pytest.fixture
def text(owner) -> str:
    return api_token_create(user=owner, name="script")[1]


def error(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


def slugs(response) -> list[str]:
    return [survey["slug"] for survey in response.json()["results"]]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_credentials_are_asked_for_in_the_callers_language(lang):
    response = call(lang=lang)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response["Content-Language"] == lang
    assert error(response) == {"code": "not_authenticated", "message": in_language(lang, ANONYMOUS)}


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token"])
def test_a_token_in_the_header_acts_as_its_user(text, mini_survey, keyword):
    response = call(f"{keyword} {text}")
    assert response.status_code == 200
    assert slugs(response) == [mini_survey.slug]


@pytest.mark.parametrize("username", ["", "aigerim", "anything at all"])
def test_basic_with_the_token_as_password_is_accepted(text, mini_survey, username):
    response = call(basic(username, text))
    assert response.status_code == 200
    assert slugs(response) == [mini_survey.slug]


def test_basic_with_the_accounts_password_is_refused(owner):
    response = call(basic("aigerim", PASSWORD))
    assert response.status_code == 401
    assert error(response)["code"] == "authentication_failed"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_garbage_revoked_and_expired_tokens_are_refused_alike(owner, text, lang):
    revoked, revoked_text = api_token_create(user=owner, name="revoked")
    api_token_revoke(user=owner, token_id=revoked.pk)
    expired, expired_text = api_token_create(user=owner, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    prefix = text[: len("snm_") + 8]
    refused = [
        call(f"Token {attempt}", lang)
        for attempt in ("garbage", f"{prefix}_wrong-secret", revoked_text, expired_text)
    ]
    refused += [call("Token ", lang), call(basic("x", "garbage"), lang), call("Basic %%%", lang)]
    for response in refused:
        assert response.status_code == 401
        assert response["Content-Language"] == lang
        assert error(response) == {
            "code": "authentication_failed",
            "message": in_language(lang, INVALID),
        }


def test_a_signed_in_browser_needs_no_token(owner, mini_survey):
    client = Client()
    client.force_login(owner)
    response = client.get(SURVEYS)
    assert response.status_code == 200
    assert slugs(response) == [mini_survey.slug]


@pytest.fixture
def three_a_minute(settings, monkeypatch):
    """A rate of 3 a minute; the throttle class bound DRF's rates when it was defined."""
    rates = {"token": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def test_the_fourth_request_in_a_minute_waits(owner, text, three_a_minute):
    assert [call(f"Token {text}").status_code for _ in range(3)] == [200, 200, 200]
    response = call(f"Token {text}", "ru")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert error(response)["code"] == "throttled"


def test_each_token_has_its_own_count(owner, text, three_a_minute):
    other = api_token_create(user=owner, name="another script")[1]
    assert [call(f"Token {text}").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert call(f"Token {other}").status_code == 200
    assert call(basic("", other)).status_code == 200
