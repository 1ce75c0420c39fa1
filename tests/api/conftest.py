"""A world for the API's tests: survey A (mini questionnaire, twelve complete responses, a draft)
with a user of every access level and a token each, and survey B of another researcher."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.access import microdata_grant
from accounts.models import ApiToken, SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from accounts.tokens import api_token_create, api_token_revoke
from surveys.models import Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

# Access level of each role on survey A.
ROLES = (
    "owner",
    "researcher_shared",  # a researcher share: microdata
    "granted",  # a results-admin share with a microdata grant
    "results_admin",  # a results-admin share: aggregates only
    "researcher_b",  # owns only B
    "superuser",
)


def NOON_30_DAYS_AGO():
    """Noon, 30 days ago: the survey is anonymous, so submission times are kept to the day."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return noon - timedelta(days=30)


def _user(username: str, group: str | None = None, **flags: object):
    user = get_user_model().objects.create_user(username, password="pw-123456", **flags)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


class Api:
    """Requests as one user, with that user's token (or none, or a bad one)."""

    def __init__(self, token: str | None, language: str = "kk") -> None:
        headers: dict[str, str] = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Token {token}"
        self.client = Client(**headers)

    def get(self, path: str, **params: Any):
        return self.client.get(path, params)

    def post(self, path: str, body: Any):
        return self.client.post(path, body, content_type="application/json")


@pytest.fixture
def on_commit_now(monkeypatch):
    """Run on-commit work (results and export tasks, eager in tests) at once, as after a real
    commit: the test's own transaction never commits."""
    monkeypatch.setattr(
        "django.db.transaction.on_commit", lambda func, using=None, robust=False: func()
    )


@pytest.fixture
def world(mini_survey, settings, tmp_path, on_commit_now) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    users = {
        "owner": _user("owner", RESEARCHER, is_staff=True),
        "researcher_shared": _user("researcher_shared", RESEARCHER, is_staff=True),
        "granted": _user("granted", RESULTS_ADMIN, is_staff=True),
        "results_admin": _user("results_admin", RESULTS_ADMIN, is_staff=True),
        "researcher_b": _user("researcher_b", RESEARCHER, is_staff=True),
        "superuser": get_user_model().objects.create_superuser("root", password="pw-123456"),
    }
    a = mini_survey
    Survey.objects.filter(pk=a.pk).update(owner=users["owner"])
    a.refresh_from_db()
    b = Survey.objects.create(slug="bravo", title_kk="Б", title_ru="Б", owner=users["researcher_b"])
    for name, role in (
        ("results_admin", RESULTS_ADMIN),
        ("granted", RESULTS_ADMIN),
        ("researcher_shared", RESEARCHER),
    ):
        SurveyShare.objects.create(survey=a, user=users[name], role=role)
    microdata_grant(survey=a, user=users["granted"], by=users["owner"])
    schema = survey_schema_get(survey=a)
    start = NOON_30_DAYS_AGO()
    for i in range(12):
        response_create(
            survey=a,
            data=answers_fill(schema, level="central" if i % 2 else "local"),
            language="kk" if i % 3 else "ru",
            source="import",
            schema=schema,
            submitted_at=start + timedelta(days=i),
        )
    Response.objects.create(survey=a, language="ru", source="web")  # a draft: never in the API
    tokens = {name: api_token_create(user=user, name="test")[1] for name, user in users.items()}
    revoked_token, revoked = api_token_create(user=users["owner"], name="revoked")
    api_token_revoke(user=users["owner"], token_id=revoked_token.pk)
    expired_token, expired = api_token_create(user=users["owner"], name="expired")
    ApiToken.objects.filter(pk=expired_token.pk).update(expires_at=timezone.now())
    tokens |= {"revoked": revoked, "expired": expired, "anonymous": None}
    return {"users": users, "a": a, "b": b, "schema": schema, "tokens": tokens}


@pytest.fixture
def as_(world):
    """`as_("owner")` -> an Api client acting with the owner's token."""

    def make(role: str, language: str = "kk") -> Api:
        return Api(world["tokens"][role], language)

    return make
