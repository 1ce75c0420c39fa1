"""The two access levels, role by role and URL by URL, and the grants that move a user between them.

Microdata (the owner, a researcher share, a grant by name, superusers): raw exports and the
admin's response pages. Aggregates only (a results-admin share): the results pages and their
table downloads, never a single response. See `accounts.permissions` and `accounts.access`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accounts.access import (
    GrantRefused,
    MicrodataRefused,
    microdata_grant,
    microdata_revoke,
)
from accounts.models import AuditEvent, MicrodataGrant, SurveyShare
from accounts.permissions import AGGREGATES, MICRODATA, survey_access_level
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from analytics.models import ExportJob, JobStatus
from analytics.services import results_request
from analytics.snapshots import snapshot_compute
from surveys.models import Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill
from tests.surveys.admin_support import form_data

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "results_admin",  # a results-admin share of A: aggregates only
    "granted",  # the same, plus a microdata grant on A
    "researcher_shared",  # a researcher share of A
    "owner",  # owns A
    "researcher_b",  # owns only B
    "superuser",
)
LOGIN, ADMIN_LOGIN = "login", "admin login"  # a redirect to that sign-in page
TAG = "f" * 64  # a draft's invitation tag: never on an admin page

RESULTS = (LOGIN, 200, 200, 200, 200, 404, 200)
MICRODATA_ONLY = (LOGIN, 403, 200, 200, 200, 404, 200)
# name -> (method, path template, expected status by role in ROLES order)
MATRIX: dict[str, tuple[str, str, tuple[int | str, ...]]] = {
    "results index": ("get", "/results/", (LOGIN, 200, 200, 200, 200, 200, 200)),
    "results": ("get", "/results/{a}/", RESULTS),
    "crosstab": ("get", "/results/{a}/crosstab/?q=barriers&by=level", RESULTS),
    "tables.csv": ("get", "/results/{a}/tables.csv", RESULTS),
    "tables.xlsx": ("get", "/results/{a}/tables.xlsx", RESULTS),
    "export start": ("post", "/results/{a}/exports/", (LOGIN, 403, 302, 302, 302, 404, 302)),
    "export status": ("get", "/results/{a}/exports/{job}/", MICRODATA_ONLY),
    "export download": ("get", "/results/{a}/exports/{job}/download/", MICRODATA_ONLY),
    # researcher_b has microdata on B, so the changelist opens, without A's responses.
    "admin responses": (
        "get",
        "/admin/surveys/response/",
        (ADMIN_LOGIN, 403, 200, 200, 200, 200, 200),
    ),
    "admin response": (
        "get",
        "/admin/surveys/response/{response}/change/",
        (ADMIN_LOGIN, 403, 200, 200, 200, 404, 200),
    ),
    "admin draft": (
        "get",
        "/admin/surveys/response/{draft}/change/",
        (ADMIN_LOGIN, 403, 200, 200, 200, 404, 200),
    ),
    # Answers have no admin of their own: only the read-only inline of a response.
    "admin answers": ("get", "/admin/surveys/answer/", (ADMIN_LOGIN, 404, 404, 404, 404, 404, 404)),
    "invitation rates": ("get", "/invitations/{a}/rates/", (LOGIN, 404, 404, 200, 200, 404, 200)),
}


def _user(username: str, group: str | None = None, **flags: object):
    user = get_user_model().objects.create_user(username, password="pw-123456", **flags)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


@pytest.fixture
def world(mini_survey, settings, tmp_path) -> dict:
    """Survey A (mini, twelve complete responses and one draft, computed tables, one finished
    export), survey B with one response, and a user of each role."""
    settings.MEDIA_ROOT = tmp_path
    users = {
        "results_admin": _user("results_admin", RESULTS_ADMIN, is_staff=True),
        "granted": _user("granted", RESULTS_ADMIN, is_staff=True),
        "researcher_shared": _user("researcher_shared", RESEARCHER, is_staff=True),
        "owner": _user("owner", RESEARCHER, is_staff=True),
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
    responses = [
        response_create(
            survey=a,
            data=answers_fill(schema, level="central" if i % 2 else "local"),
            language="kk",
            source="web",
            schema=schema,
        )
        for i in range(12)
    ]
    # A draft: the one kind of response that still holds its resume key.
    draft = Response.objects.create(survey=a, language="ru", source="web", invitation_tag=TAG)
    response_b = Response.objects.create(survey=b, language="kk", source="web")
    snapshot_compute(snapshot_id=results_request(survey=a, filters={}).pk)
    job = ExportJob.objects.create(
        survey=a,
        kind=ExportJob.Kind.RESPONSES,
        format="csv",
        language="ru",
        status=JobStatus.COMPLETE,
    )
    job.file.save("mini.csv", ContentFile(b"language\nkk\n"))
    paths = {"a": a.slug, "job": job.pk, "response": responses[0].pk, "draft": draft.pk}
    return {
        "users": users,
        "a": a,
        "b": b,
        "responses": responses,
        "draft": draft,
        "response_b": response_b,
        "paths": paths,
    }


def client_for(world: dict, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize(
    ("name", "role"),
    [pytest.param(name, role, id=f"{name}-{role}") for name in MATRIX for role in ROLES],
)
def test_each_level_gets_its_answer_from_each_url(world, name, role):
    method, template, expected = MATRIX[name]
    url = template.format(**world["paths"])
    data = {"format": "csv"} if method == "post" else {}

    response = getattr(client_for(world, role), method)(url, data)

    want = expected[ROLES.index(role)]
    if want in (LOGIN, ADMIN_LOGIN):
        assert response.status_code == 302
        login = "/admin/login/" if want == ADMIN_LOGIN else "login"
        assert login in response["Location"] and "next=" in response["Location"]
    else:
        assert response.status_code == want
    if want == 302:  # an export was started, and the user is taken to it
        assert response["Location"].startswith(f"/results/{world['a'].slug}/exports/")
    if name.startswith("admin") and want == 200:
        draft = world["draft"]
        assert str(draft.key) not in response.text and draft.key.hex not in response.text
        assert TAG not in response.text
        for field in ("key", "record_key", "invitation_tag"):
            assert f"field-{field}" not in response.text


def test_the_levels_are_what_the_rules_say(world):
    a, users = world["a"], world["users"]
    levels = {name: survey_access_level(user=user, survey=a) for name, user in users.items()}

    assert levels == {
        "results_admin": AGGREGATES,
        "granted": MICRODATA,
        "researcher_shared": MICRODATA,
        "owner": MICRODATA,
        "researcher_b": None,
        "superuser": MICRODATA,
    }


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("granted", {"a"}),
        ("researcher_shared", {"a"}),
        ("owner", {"a"}),
        ("researcher_b", {"b"}),
        ("superuser", {"a", "b"}),
    ],
)
def test_the_response_list_holds_only_surveys_with_microdata(world, role, seen):
    page = client_for(world, role).get("/admin/surveys/response/")

    shown = {r.pk for r in page.context["cl"].result_list}
    a_ids = {r.pk for r in world["responses"]} | {world["draft"].pk}
    expected = (a_ids if "a" in seen else set()) | (
        {world["response_b"].pk} if "b" in seen else set()
    )
    assert shown == expected


# The changelist accepts no lookup but its own filters': a key, tag or record key is never a
# question one can put to it, not even "is there a response whose key starts with...".


@pytest.mark.parametrize(
    "query",
    [
        "key={key}",
        "key__startswith={prefix}",
        "record_key=3",
        "record_key__lt=100",
        "invitation_tag__startswith=f",
        "invitation_tag={tag}",
        "survey__owner__username=owner",
        "answers__value_text__contains=a",
        "submitted_at__gte=2000-01-01",
    ],
)
def test_no_lookup_beyond_the_filters_is_allowed(world, query):
    key = world["draft"].key
    url = "/admin/surveys/response/?" + query.format(key=key, prefix=str(key)[:4], tag=TAG)

    response = client_for(world, "owner").get(url)

    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    ["survey__id__exact={a}", "status__exact=draft", "language__exact=ru", "source__exact=web"],
)
def test_the_filters_themselves_work(world, query):
    url = "/admin/surveys/response/?" + query.format(a=world["a"].pk)

    response = client_for(world, "owner").get(url)

    assert response.status_code == 200 and response.context["cl"].result_count >= 1


def test_a_response_cannot_be_looked_up_by_its_key(world):
    draft = world["draft"]
    client = client_for(world, "owner")

    by_key = client.get(f"/admin/surveys/response/{draft.key}/change/?_to_field=key")

    assert by_key.status_code == 400
    by_tag = client.get(f"/admin/surveys/response/{TAG}/change/?_to_field=invitation_tag")
    assert by_tag.status_code == 400


def test_a_results_admin_has_no_response_permission_left(world):
    analyst = get_user_model().objects.get(username="results_admin")

    assert not analyst.has_perm("surveys.view_response")
    assert "/admin/surveys/response/" not in client_for(world, "results_admin").get("/admin/").text
    # ...while a grant opens the responses even without the role's permission.
    assert "/admin/surveys/response/" in client_for(world, "granted").get("/admin/").text


# The services: only the owner and superusers grant and revoke, and every change is audited.


def _events(action: str) -> list[tuple[str, int | None, dict]]:
    rows = AuditEvent.objects.filter(action=action).order_by("id")
    return [(e.username, e.survey_id, e.detail) for e in rows]


def test_the_owner_grants_and_the_grant_is_audited(world):
    a, users = world["a"], world["users"]

    grant = microdata_grant(survey=a, user=users["results_admin"], by=users["owner"])

    assert (grant.survey, grant.user, grant.granted_by) == (
        a,
        users["results_admin"],
        users["owner"],
    )
    assert survey_access_level(user=users["results_admin"], survey=a) == MICRODATA
    assert _events(AuditEvent.Action.MICRODATA_GRANT)[-1] == (
        "owner",
        a.pk,
        {"user": "results_admin"},
    )


def test_granting_twice_keeps_one_grant_and_one_audit_row(world):
    a, users = world["a"], world["users"]
    before = AuditEvent.objects.count()

    first = microdata_grant(survey=a, user=users["results_admin"], by=users["owner"])
    again = microdata_grant(survey=a, user=users["results_admin"], by=users["superuser"])

    assert first.pk == again.pk
    assert MicrodataGrant.objects.filter(survey=a, user=users["results_admin"]).count() == 1
    assert AuditEvent.objects.count() == before + 1


def test_a_superuser_grants_too(world):
    a, users = world["a"], world["users"]

    microdata_grant(survey=a, user=users["results_admin"], by=users["superuser"])

    assert _events(AuditEvent.Action.MICRODATA_GRANT)[-1][0] == "root"


@pytest.mark.parametrize("actor", ["researcher_shared", "granted", "results_admin", "researcher_b"])
def test_only_the_owner_or_a_superuser_grants_and_revokes(world, actor):
    a, users = world["a"], world["users"]
    before = AuditEvent.objects.count()

    with pytest.raises(MicrodataRefused):
        microdata_grant(survey=a, user=users["results_admin"], by=users[actor])
    with pytest.raises(MicrodataRefused):
        microdata_revoke(survey=a, user=users["granted"], by=users[actor])

    assert not MicrodataGrant.objects.filter(user=users["results_admin"]).exists()
    assert MicrodataGrant.objects.filter(user=users["granted"]).exists()
    assert AuditEvent.objects.count() == before


def test_an_inactive_user_a_stranger_or_the_owner_gets_no_grant(world):
    a, users = world["a"], world["users"]
    inactive = users["results_admin"]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    before = AuditEvent.objects.count()

    for grantee, code in (
        (inactive, "inactive"),
        (users["researcher_b"], "no_share"),  # no share of A: the results pages would not open
        (users["owner"], "owner"),
    ):
        with pytest.raises(GrantRefused) as refused:
            microdata_grant(survey=a, user=grantee, by=users["owner"])
        assert refused.value.code == code and grantee.username in refused.value.messages[0]

    assert MicrodataGrant.objects.filter(survey=a).count() == 1  # the world's own grant
    assert AuditEvent.objects.count() == before


def test_revoking_is_audited_and_a_second_revoke_changes_nothing(world):
    a, users = world["a"], world["users"]

    assert microdata_revoke(survey=a, user=users["granted"], by=users["owner"]) is True
    assert microdata_revoke(survey=a, user=users["granted"], by=users["owner"]) is False

    assert survey_access_level(user=users["granted"], survey=a) == AGGREGATES
    assert _events(AuditEvent.Action.MICRODATA_REVOKE) == [("owner", a.pk, {"user": "granted"})]
    response = world["responses"][0]
    page = client_for(world, "granted").get(f"/admin/surveys/response/{response.pk}/change/")
    assert page.status_code == 403
    assert client_for(world, "granted").post(f"/results/{a.slug}/exports/").status_code == 403


# The survey admin's grants inline: the owner's and superusers' only, written by the services.

GRANTS = "microdata_grants"


def _survey_page(world: dict, role: str):
    client = client_for(world, role)
    url = f"/admin/surveys/survey/{world['a'].pk}/change/"
    return client, url, client.get(url)


@pytest.mark.parametrize("role", ["owner", "superuser"])
def test_the_owner_and_superusers_see_the_grants_inline(world, role):
    _client, _url, page = _survey_page(world, role)

    assert page.status_code == 200
    assert f'name="{GRANTS}-INITIAL_FORMS" value="1"' in page.text
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.prefix == GRANTS)
    choices = {str(user) for user in inline.formset.empty_form.fields["user"].queryset}
    # The users with a share of A, less its owner; not researcher_b, who has none.
    assert choices == {"results_admin", "granted", "researcher_shared"}


def test_a_researcher_share_sees_the_survey_without_the_grants(world):
    _client, _url, page = _survey_page(world, "researcher_shared")

    assert page.status_code == 200 and f'name="{GRANTS}-TOTAL_FORMS"' not in page.text


def test_a_results_admin_cannot_open_the_survey_page_at_all(world):
    _client, _url, page = _survey_page(world, "results_admin")

    assert page.status_code == 403 and GRANTS not in page.text


def test_the_owner_grants_through_the_admin_and_it_is_audited(world):
    client, url, page = _survey_page(world, "owner")
    analyst = world["users"]["results_admin"]
    data = form_data(page)
    total = int(data[f"{GRANTS}-TOTAL_FORMS"])
    data |= {f"{GRANTS}-TOTAL_FORMS": str(total + 1), f"{GRANTS}-{total}-user": str(analyst.pk)}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    grant = MicrodataGrant.objects.get(user=analyst)
    assert (grant.survey, grant.granted_by) == (world["a"], world["users"]["owner"])
    assert _events(AuditEvent.Action.MICRODATA_GRANT)[-1] == (
        "owner",
        world["a"].pk,
        {"user": "results_admin"},
    )
    assert client_for(world, "results_admin").get("/admin/surveys/response/").status_code == 200


def test_the_owner_revokes_through_the_admin_and_it_is_audited(world):
    client, url, page = _survey_page(world, "owner")
    data = form_data(page)
    data[f"{GRANTS}-0-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert not MicrodataGrant.objects.exists()
    assert _events(AuditEvent.Action.MICRODATA_REVOKE) == [
        ("owner", world["a"].pk, {"user": "granted"})
    ]


def test_a_grant_to_someone_without_a_share_is_refused_on_the_page(world):
    client, url, page = _survey_page(world, "owner")
    stranger = world["users"]["researcher_b"]
    data = form_data(page)
    total = int(data[f"{GRANTS}-TOTAL_FORMS"])
    data |= {f"{GRANTS}-TOTAL_FORMS": str(total + 1), f"{GRANTS}-{total}-user": str(stranger.pk)}
    before = AuditEvent.objects.count()

    response = client.post(url, data)

    assert response.status_code == 200  # the page again, with the error
    assert not MicrodataGrant.objects.filter(user=stranger).exists()
    assert AuditEvent.objects.count() == before


def test_removing_a_share_revokes_its_grant(world):
    client, url, page = _survey_page(world, "owner")
    data = form_data(page)
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.prefix == "shares")
    index = next(
        n for n, f in enumerate(inline.formset.forms) if f.instance.user.username == "granted"
    )
    data[f"shares-{index}-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    granted = world["users"]["granted"]
    assert not SurveyShare.objects.filter(user=granted).exists()
    assert not MicrodataGrant.objects.filter(user=granted).exists()
    assert _events(AuditEvent.Action.MICRODATA_REVOKE) == [
        ("owner", world["a"].pk, {"user": "granted"})
    ]


def test_handing_a_share_to_someone_else_revokes_its_grant(world):
    client, url, page = _survey_page(world, "owner")
    data = form_data(page)
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.prefix == "shares")
    index = next(
        n for n, f in enumerate(inline.formset.forms) if f.instance.user.username == "granted"
    )
    newcomer = _user("newcomer", RESULTS_ADMIN, is_staff=True)
    data[f"shares-{index}-user"] = str(newcomer.pk)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert SurveyShare.objects.filter(user=newcomer, survey=world["a"]).exists()
    assert not MicrodataGrant.objects.exists()
    assert survey_access_level(user=newcomer, survey=world["a"]) == AGGREGATES


def test_a_superuser_deleting_a_share_revokes_its_grant(world):
    share = SurveyShare.objects.get(user=world["users"]["granted"])

    response = client_for(world, "superuser").post(
        f"/admin/accounts/surveyshare/{share.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not MicrodataGrant.objects.exists()
    assert _events(AuditEvent.Action.MICRODATA_REVOKE) == [
        ("root", world["a"].pk, {"user": "granted"})
    ]


def test_superusers_list_the_grants_read_only(world):
    root = client_for(world, "superuser")
    grant = MicrodataGrant.objects.get()

    listing = root.get("/admin/accounts/microdatagrant/")
    assert listing.status_code == 200 and "granted" in listing.text
    change = root.get(f"/admin/accounts/microdatagrant/{grant.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.text
    assert root.get("/admin/accounts/microdatagrant/add/").status_code == 403
    delete = root.post(f"/admin/accounts/microdatagrant/{grant.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403 and MicrodataGrant.objects.exists()
    assert client_for(world, "owner").get("/admin/accounts/microdatagrant/").status_code == 403


def test_the_export_links_follow_the_level(world):
    """The results page offers raw exports to microdata users only (checked by the views)."""
    url = reverse("analytics:export_start", args=[world["a"].slug])

    assert client_for(world, "granted").post(url, {"format": "csv"}).status_code == 302
    assert client_for(world, "results_admin").post(url, {"format": "csv"}).status_code == 403
    assert ExportJob.objects.filter(survey=world["a"]).count() == 2
