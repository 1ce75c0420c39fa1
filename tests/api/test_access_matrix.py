"""Every API address for every kind of caller: the API never shows more than the pages do.

Microdata (owner, researcher share, grant by name, superuser): everything. Aggregates only (a
results-admin share): the survey, its codebook and its protected results; never a response.
Another researcher: the survey does not exist (404). No or a dead token: 401.
"""

from __future__ import annotations

import pytest

from accounts.models import SurveyShare

pytestmark = pytest.mark.django_db

ROLES = ("owner", "researcher_shared", "granted", "superuser", "results_admin", "researcher_b")
ALL = (200, 200, 200, 200, 200, 404)
MICRODATA = (200, 200, 200, 200, 403, 404)
ADDRESSES = {
    "survey": ("/api/v1/surveys/mini/", ALL),
    "codebook": ("/api/v1/surveys/mini/codebook/", ALL),
    "codebook.csv": ("/api/v1/surveys/mini/codebook.csv", ALL),
    "results": ("/api/v1/surveys/mini/results/", ALL),
    "results filtered": ("/api/v1/surveys/mini/results/?f=level:local", ALL),
    "responses": ("/api/v1/surveys/mini/responses/", MICRODATA),
    "exports": ("/api/v1/surveys/mini/exports/", MICRODATA),
    "odata service": ("/api/v1/odata/mini.svc", MICRODATA),
    "odata metadata": ("/api/v1/odata/mini.svc/$metadata", MICRODATA),
    "odata responses": ("/api/v1/odata/mini.svc/Responses", MICRODATA),
}


@pytest.mark.parametrize("name", list(ADDRESSES))
def test_each_address_by_role(world, as_, name):
    path, expected = ADDRESSES[name]
    got = tuple(as_(role).client.get(path).status_code for role in ROLES)
    assert got == expected, dict(zip(ROLES, got, strict=True))
    for dead in ("anonymous", "revoked", "expired"):
        assert as_(dead).client.get(path).status_code == 401, dead


def test_a_share_removed_closes_the_api_at_once(world, as_):
    """Access is decided per request, from the shares as they are now, not from the token."""
    api = as_("researcher_shared")
    assert api.get("/api/v1/surveys/mini/responses/").status_code == 200
    SurveyShare.objects.filter(user=world["users"]["researcher_shared"]).delete()
    assert api.get("/api/v1/surveys/mini/responses/").status_code == 404
    assert api.get("/api/v1/surveys/").json()["results"] == []


def test_a_grant_needs_its_share_through_the_api_too(world, as_):
    """A microdata grant left behind by a deleted share opens nothing, as on the pages."""
    SurveyShare.objects.filter(user=world["users"]["granted"]).delete()
    assert as_("granted").get("/api/v1/surveys/mini/responses/").status_code == 404


def test_an_inactive_users_token_stops_working(world, as_):
    user = world["users"]["owner"]
    user.is_active = False
    user.save()
    assert as_("owner").get("/api/v1/surveys/").status_code == 401
