"""Every role against every protected URL, and the sharing rules behind them.

Refusals follow `accounts.permissions`: anonymous visitors are sent to sign in (the draft
preview answers them 404, as any respondent); a survey the user may not see answers 404; an admin
page the user's role does not include answers 403.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import SurveyShare
from accounts.permissions import (
    survey_edit_allowed,
    survey_results_allowed,
    surveys_editable_by,
    surveys_with_results_for,
)
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from analytics import urls as analytics_urls
from analytics.models import ExportJob, JobStatus
from analytics.services import results_request
from analytics.snapshots import snapshot_compute
from analytics.weighting.models import WeightingScheme
from analytics.weighting.services import weighting_scheme_save
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill
from tests.surveys.admin_support import form_data, ru

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "staff_without_role",
    "researcher_owner",
    "researcher_shared",
    "researcher_unshared",
    "results_admin_shared",
    "results_admin_unshared",
    "superuser",
)
LOGIN, ADMIN_LOGIN = "login", "admin login"  # a redirect to that sign-in page
RESULTS = (LOGIN, 404, 200, 200, 404, 200, 404, 200)
# Raw exports are microdata: a results admin sees the survey's results but gets 403 here
# (the two access levels in full: tests/accounts/test_access_levels.py).
MICRODATA = (LOGIN, 404, 200, 200, 404, 403, 404, 200)
# A questionnaire admin page of any survey: the researchers' role, not the results admins'.
ADMIN_EDIT = (ADMIN_LOGIN, 403, 200, 200, 200, 403, 403, 200)
# One survey's admin page: 404 to a researcher it is not shared with.
ADMIN_OBJECT = (ADMIN_LOGIN, 403, 200, 200, 404, 403, 403, 200)

# name -> (method, path template, expected status by role in ROLES order)
MATRIX: dict[str, tuple[str, str, tuple[int | str, ...]]] = {
    "analytics:index": ("get", "{index}", (LOGIN, 200, 200, 200, 200, 200, 200, 200)),
    "analytics:results": ("get", "{results}", RESULTS),
    "analytics:crosstab": ("get", "{crosstab}", RESULTS),
    "analytics:tables.csv": ("get", "{tables_csv}", RESULTS),
    "analytics:tables.xlsx": ("get", "{tables_xlsx}", RESULTS),
    "analytics:export_start": (
        "post",
        "{export_start}",
        (LOGIN, 404, 302, 302, 404, 403, 404, 302),
    ),
    "analytics:export": ("get", "{export}", MICRODATA),
    "analytics:export_download": ("get", "{export_download}", MICRODATA),
    # Everybody who sees the results may ask for the Word report (protected for aggregates-only).
    "analytics:report_start": (
        "post",
        "{report_start}",
        (LOGIN, 404, 302, 302, 404, 302, 404, 302),
    ),
    # Weighting schemes are defined by microdata users; anyone who sees results may use them.
    "analytics:weighting": ("get", "{weighting}", MICRODATA),
    "analytics:weighting_new": ("get", "{weighting_new}", MICRODATA),
    "analytics:weighting_edit": ("get", "{weighting_edit}", MICRODATA),
    "analytics:weighting_delete": (
        "post",
        "{weighting_delete}",
        (LOGIN, 404, 302, 302, 404, 403, 404, 302),
    ),
    "admin:survey_changelist": ("get", "/admin/surveys/survey/", ADMIN_EDIT),
    "admin:survey_change": ("get", "/admin/surveys/survey/{survey}/change/", ADMIN_OBJECT),
    "admin:survey_change_post": ("post", "/admin/surveys/survey/{survey}/change/", ADMIN_OBJECT),
    "admin:question_change": ("get", "/admin/surveys/question/{question}/change/", ADMIN_OBJECT),
    "admin:option_changelist": ("get", "/admin/surveys/option/", ADMIN_EDIT),
    # Responses need microdata on some survey (researcher_unshared owns "other"), not the role.
    "admin:response_changelist": ("get", "/admin/surveys/response/", ADMIN_EDIT),
    "admin:response_change": ("get", "/admin/surveys/response/{response}/change/", ADMIN_OBJECT),
    "admin:question_import": ("get", "/admin/surveys/question/import/", ADMIN_EDIT),
    "admin:question_export": ("get", "/admin/surveys/question/export/", ADMIN_EDIT),
    "admin:option_import": ("get", "/admin/surveys/option/import/", ADMIN_EDIT),
    "admin:option_export": ("get", "/admin/surveys/option/export/", ADMIN_EDIT),
    # Editors are sent on to the builder's preview, which stores nothing.
    "surveys:welcome (draft preview)": (
        "get",
        "{preview}",
        (404, 404, 302, 302, 404, 404, 404, 302),
    ),
}


def _user(username: str, group: str | None = None, **flags: object):
    user = get_user_model().objects.create_user(username, password="pw-123456", **flags)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


@pytest.fixture
def world(mini_survey, settings, tmp_path) -> dict[str, object]:
    """The mini survey as a draft with a response, its tables and one finished export; another
    survey; and a user of every role, named after it."""
    settings.MEDIA_ROOT = tmp_path
    users = {
        "staff_without_role": _user("staff_without_role", is_staff=True),
        "researcher_owner": _user("researcher_owner", RESEARCHER, is_staff=True),
        "researcher_shared": _user("researcher_shared", RESEARCHER, is_staff=True),
        "researcher_unshared": _user("researcher_unshared", RESEARCHER, is_staff=True),
        "results_admin_shared": _user("results_admin_shared", RESULTS_ADMIN, is_staff=True),
        "results_admin_unshared": _user("results_admin_unshared", RESULTS_ADMIN, is_staff=True),
        "superuser": get_user_model().objects.create_superuser("superuser", password="pw-123456"),
    }
    survey = mini_survey
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.DRAFT, owner=users["researcher_owner"]
    )
    survey.refresh_from_db()
    other = Survey.objects.create(
        slug="other", title_kk="Басқа", title_ru="Другой", owner=users["researcher_unshared"]
    )
    for name, target, role in (
        ("researcher_shared", survey, RESEARCHER),
        ("results_admin_shared", survey, RESULTS_ADMIN),
        ("results_admin_unshared", other, RESULTS_ADMIN),
    ):
        SurveyShare.objects.create(survey=target, user=users[name], role=role)
    # k responses: fewer, and the whole survey's tables are withheld from aggregates-only users.
    schema = survey_schema_get(survey=survey)
    response, *_others = (
        response_create(survey=survey, data=answers_fill(schema), language="kk", source="web")
        for _ in range(survey.min_cell_size)
    )
    snapshot_compute(snapshot_id=results_request(survey=survey, filters={}).pk)
    job = ExportJob.objects.create(
        survey=survey,
        kind=ExportJob.Kind.RESPONSES,
        format="csv",
        language="ru",
        status=JobStatus.COMPLETE,
    )
    job.file.save("mini.csv", ContentFile(b"language\nkk\n"))
    weighting_scheme_save(
        survey=survey, name="levels", label="", targets={"level": {"central": 1, "local": 1}}
    )
    slug = survey.slug
    paths = {
        "index": reverse("analytics:index"),
        "results": reverse("analytics:results", args=[slug]),
        "crosstab": reverse("analytics:crosstab", args=[slug]),
        "tables_csv": reverse("analytics:tables", args=[slug, "csv"]),
        "tables_xlsx": reverse("analytics:tables", args=[slug, "xlsx"]),
        "export_start": reverse("analytics:export_start", args=[slug]),
        "export": reverse("analytics:export", args=[slug, job.pk]),
        "export_download": reverse("analytics:export_download", args=[slug, job.pk]),
        "report_start": reverse("analytics:report_start", args=[slug]),
        "weighting": reverse("analytics:weighting", args=[slug]),
        "weighting_new": reverse("analytics:weighting_new", args=[slug]),
        "weighting_edit": reverse("analytics:weighting_edit", args=[slug, "levels"]),
        "weighting_delete": reverse("analytics:weighting_delete", args=[slug, "levels"]),
        "preview": reverse("surveys:welcome", args=[slug]),
        "survey": survey.pk,
        "question": survey.questions.get(code="level").pk,
        "response": response.pk,
    }
    return {"users": users, "survey": survey, "other": other, "paths": paths}


def client_for(world: dict, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize(
    ("name", "role"),
    [pytest.param(name, role, id=f"{name}-{role}") for name in MATRIX for role in ROLES],
)
def test_each_role_gets_its_answer_from_each_protected_url(world, name, role):
    method, template, expected = MATRIX[name]
    url = template.format(**world["paths"])
    data = {"format": "csv"} if name == "analytics:export_start" else {}
    data = {"language": "ru"} if name == "analytics:report_start" else data

    response = getattr(client_for(world, role), method)(url, data)

    want = expected[ROLES.index(role)]
    if want in (LOGIN, ADMIN_LOGIN):
        assert response.status_code == 302
        login = "/admin/login/" if want == ADMIN_LOGIN else "login"
        assert login in response["Location"] and "next=" in response["Location"]
    else:
        assert response.status_code == want
    if want == 302 and name in ("analytics:export_start", "analytics:report_start"):
        # The user is taken to the job's page.
        assert response["Location"].startswith(world["paths"]["results"] + "exports/")
    elif want == 302 and name == "analytics:weighting_delete":
        assert response["Location"] == world["paths"]["weighting"]
        assert not WeightingScheme.objects.filter(name="levels").exists()
    elif want == 302:
        assert response["Location"] == reverse("preview:start", args=[world["survey"].slug, "ru"])


def test_the_matrix_covers_every_results_url_pattern():
    covered = {name.split(".")[0].split(" ")[0] for name in MATRIX}

    for pattern in analytics_urls.urlpatterns:
        assert f"analytics:{pattern.name}" in covered


# name -> (page, text that shows the mini survey or one of its parts on it)
LISTINGS = {
    "analytics:index": ("{index}", 'href="{results}"'),
    "admin:survey_changelist": ("/admin/surveys/survey/", "/survey/{survey}/change/"),
    "admin:option_changelist": ("/admin/surveys/option/", ">central<"),
    "admin:response_changelist": ("/admin/surveys/response/", "/response/{response}/change/"),
}
# Who sees it, besides the superuser.
SEES = {
    "analytics:index": {"researcher_owner", "researcher_shared", "results_admin_shared"},
    "admin:survey_changelist": {"researcher_owner", "researcher_shared"},
    "admin:option_changelist": {"researcher_owner", "researcher_shared"},
    "admin:response_changelist": {"researcher_owner", "researcher_shared"},
}
LISTING_ROLES = [r for r in ROLES if r not in ("anonymous", "staff_without_role")]


@pytest.mark.parametrize(
    ("name", "role"),
    [pytest.param(n, r, id=f"{n}-{r}") for n in LISTINGS for r in LISTING_ROLES],
)
def test_each_listing_shows_only_the_surveys_of_the_role(world, name, role):
    template, marker = LISTINGS[name]
    response = client_for(world, role).get(template.format(**world["paths"]))
    if response.status_code == 403:  # the role has no such page at all
        assert role not in SEES[name]
        return

    shown = marker.format(**world["paths"]) in response.text

    assert shown == (role in SEES[name] or role == "superuser")


@pytest.mark.parametrize("role", ROLES)
def test_rules_and_querysets_agree(world, role):
    user = world["users"].get(role) or AnonymousUser()
    survey = world["survey"]
    may_see = RESULTS[ROLES.index(role)] == 200
    may_edit = ADMIN_OBJECT[ROLES.index(role)] == 200

    assert survey_results_allowed(user=user, survey=survey) is may_see
    assert survey_edit_allowed(user=user, survey=survey) is may_edit
    assert surveys_with_results_for(user=user).filter(pk=survey.pk).exists() is may_see
    assert surveys_editable_by(user=user).filter(pk=survey.pk).exists() is may_edit


def test_a_results_admin_group_without_a_share_sees_no_survey(world):
    user = world["users"]["results_admin_unshared"]

    assert list(surveys_with_results_for(user=user)) == [world["other"]]
    assert not surveys_editable_by(user=user).exists()


def test_survey_lists_are_one_query_however_many_shares(world, django_assert_num_queries):
    user = world["users"]["researcher_shared"]
    for i in range(5):
        extra = Survey.objects.create(slug=f"extra{i}", title_kk="Т", title_ru="Т")
        SurveyShare.objects.create(survey=extra, user=user, role=RESULTS_ADMIN)

    with django_assert_num_queries(1):
        seen = list(surveys_with_results_for(user=user))
    with django_assert_num_queries(1):
        edited = list(surveys_editable_by(user=user))

    assert len(seen) == 6 and edited == [world["survey"]]


# The questionnaire admin, beyond the status codes.

OPTIONS_CSV = (
    "survey,question,position,code,label_kk,label_ru,is_other,is_exclusive\n"
    "mini,level,3,regional,Облыстық,Областной,0,0\n"
)


def _import_options(client: Client) -> object:
    upload = SimpleUploadedFile("options.csv", OPTIONS_CSV.encode(), content_type="text/csv")
    return client.post(
        "/admin/surveys/option/import/", {"resource": "0", "format": "0", "import_file": upload}
    )


def test_an_import_into_a_survey_not_shared_reads_as_an_unknown_survey(world):
    response = _import_options(client_for(world, "researcher_unshared"))

    assert response.status_code == 200 and response.context.get("confirm_form") is None
    assert ru("There is no survey with the slug “%(value)s”.", value="mini") in response.text
    assert not world["survey"].questions.get(code="level").options.filter(code="regional").exists()


def test_the_owner_imports_into_their_survey(world):
    response = _import_options(client_for(world, "researcher_owner"))

    assert response.status_code == 200 and response.context["confirm_form"] is not None


@pytest.mark.parametrize(
    ("role", "shown"), [("researcher_owner", True), ("researcher_unshared", False)]
)
def test_an_export_holds_only_the_users_surveys(world, role, shown):
    client = client_for(world, role)
    form = client.get("/admin/surveys/option/export/").context["form"]
    data = {"resource": "0", "format": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("optionresource_")}

    text = client.post("/admin/surveys/option/export/", data).content.decode("utf-8-sig")

    assert text.startswith("survey,question")
    assert ("mini,level,1,central" in text) is shown


def test_new_questions_can_go_only_into_the_users_surveys(world):
    page = client_for(world, "researcher_unshared").get("/admin/surveys/question/add/")

    choices = {str(survey) for survey in page.context["adminform"].form.fields["survey"].queryset}
    assert choices == {"other"}


def test_a_researcher_creating_a_survey_becomes_its_owner(world):
    client = client_for(world, "researcher_unshared")
    data = form_data(client.get("/admin/surveys/survey/add/"))
    assert "owner" not in data  # read-only: a researcher cannot hand a survey to someone else
    data |= {"slug": "fresh", "title_kk": "Жаңа", "title_ru": "Новый", "owner": "1"}

    response = client.post("/admin/surveys/survey/add/", data)

    assert response.status_code == 302, response.context["errors"]
    fresh = Survey.objects.get(slug="fresh")
    assert fresh.owner == world["users"]["researcher_unshared"]


def test_only_the_owner_and_superusers_manage_the_shares(world):
    url = f"/admin/surveys/survey/{world['survey'].pk}/change/"
    shared = client_for(world, "researcher_shared").get(url)
    assert shared.status_code == 200 and 'name="shares-TOTAL_FORMS"' not in shared.text
    owner = client_for(world, "researcher_owner")
    page = owner.get(url)
    assert 'name="shares-INITIAL_FORMS" value="2"' in page.text  # the two shares of the world
    data = form_data(page)
    newcomer = _user("newcomer", RESULTS_ADMIN, is_staff=True)
    total = int(data["shares-TOTAL_FORMS"])
    data |= {
        "shares-TOTAL_FORMS": str(total + 1),
        f"shares-{total}-user": str(newcomer.pk),
        f"shares-{total}-role": RESULTS_ADMIN,
    }

    response = owner.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert SurveyShare.objects.get(user=newcomer).survey == world["survey"]
    assert survey_results_allowed(user=newcomer, survey=world["survey"])


def test_the_demo_analyst_sees_only_the_shared_2022_results(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-42")
    survey = Survey.objects.create(
        slug="civil-service-communication-2022", title_kk="Т", title_ru="Т"
    )
    Survey.objects.create(slug="elsewhere", title_kk="Т", title_ru="Т")
    out = StringIO()

    call_command("demo_accounts", stdout=out)
    call_command("demo_accounts", stdout=StringIO())  # a reset keeps exactly one share

    users = {u.username: u for u in get_user_model().objects.all()}
    assert list(surveys_with_results_for(user=users["analyst"])) == [survey]
    assert not surveys_editable_by(user=users["analyst"]).exists()
    assert list(surveys_editable_by(user=users["researcher"])) == [survey]
    assert "may see" in out.getvalue() and "edits nothing" in out.getvalue()
