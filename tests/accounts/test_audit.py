"""The audit log: every tables download, export request and export download leaves one row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.access import microdata_grant
from accounts.audit import audit_record
from accounts.models import AuditEvent, SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from analytics.models import ExportJob
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

pytestmark = pytest.mark.django_db

CENTRAL = "?f=level:central"


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client


@pytest.fixture
def analyst(mini_survey):
    """A results admin the mini survey is shared with: seven responses of central bodies and
    five of local ones, so that a filter on either leaves at least k in and out of it."""
    schema = survey_schema_get(survey=mini_survey)
    for i in range(12):
        data = answers_fill(schema, level="central" if i < 7 else "local")
        response_create(survey=mini_survey, data=data, language="kk", source="web", schema=schema)
    user = get_user_model().objects.create_user("ana", password="pw-123456", is_staff=True)
    user.groups.add(roles_ensure()[RESULTS_ADMIN])
    SurveyShare.objects.create(survey=mini_survey, user=user, role=RESULTS_ADMIN)
    return user


def url(name: str, *args: object) -> str:
    return reverse(f"analytics:{name}", args=["mini", *args])


@pytest.mark.parametrize(("fmt", "language"), [("csv", "ru"), ("xlsx", "kk")])
def test_a_tables_download_is_logged_with_its_format_and_filters(
    analyst, mini_survey, fmt, language, settings, django_capture_on_commit_callbacks
):
    client = _client(analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url("results") + CENTRAL)  # the tables are computed after this request

    response = client.get(url("tables", fmt) + CENTRAL)

    assert response.status_code == 200 and response["Content-Disposition"].startswith("attach")
    event = AuditEvent.objects.get()
    assert (event.user, event.username, event.survey) == (analyst, "ana", mini_survey)
    assert event.action == AuditEvent.Action.TABLES_DOWNLOAD
    assert event.detail == {"format": fmt, "filters": {"level": ["central"]}, "language": language}


def test_an_export_request_and_its_download_are_logged(
    analyst, mini_survey, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = _client(analyst)
    # Raw exports are microdata: refused to a results admin until the owner grants it by name.
    assert client.post(url("export_start"), {"format": "sav"}).status_code == 403
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    microdata_grant(survey=mini_survey, user=analyst, by=root)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url("export_start"), {"format": "sav", "f": "level:central"})
    job = ExportJob.objects.get()
    assert started["Location"] == url("export", job.pk)
    client.get(started["Location"])  # looking at the export's page is not a download

    download = client.get(url("export_download", job.pk))

    assert download.status_code == 200
    b"".join(download.streaming_content)
    taken = AuditEvent.objects.exclude(action=AuditEvent.Action.MICRODATA_GRANT).order_by("id")
    events = list(taken.values("action", "user", "survey", "detail"))
    detail = {
        "format": "sav",
        "filters": {"level": ["central"]},
        "language": "ru",
        "export": job.pk,
    }
    assert events == [
        {
            "action": "export_request",
            "user": analyst.pk,
            "survey": mini_survey.pk,
            "detail": detail,
        },
        {
            "action": "export_download",
            "user": analyst.pk,
            "survey": mini_survey.pk,
            "detail": detail,
        },
    ]


def test_viewing_results_writes_nothing(analyst, django_capture_on_commit_callbacks):
    client = _client(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url("results")).status_code == 200
    assert client.get(url("results")).status_code == 200
    assert client.get(url("crosstab") + "?q=barriers&by=level").status_code == 200
    assert client.get(reverse("analytics:index")).status_code == 200

    assert not AuditEvent.objects.exists()


def test_a_refused_download_writes_nothing(analyst, mini_survey):
    stranger = get_user_model().objects.create_user("sam", password="pw-123456", is_staff=True)
    stranger.groups.add(roles_ensure()[RESULTS_ADMIN])  # the group, but no share

    assert _client(stranger).get(url("tables", "csv")).status_code == 404
    assert _client(stranger).post(url("export_start"), {"format": "csv"}).status_code == 404
    assert not AuditEvent.objects.exists() and not ExportJob.objects.exists()


def test_the_log_outlives_the_survey_and_the_user(analyst):
    gone = Survey.objects.create(slug="gone", title_kk="Т", title_ru="Т")
    audit_record(user=analyst, action=AuditEvent.Action.TABLES_DOWNLOAD, survey=gone, detail={})

    gone.delete()
    analyst.delete()

    event = AuditEvent.objects.get()
    assert (event.survey, event.user, event.username) == (None, None, "ana")


@pytest.fixture
def logged(analyst, mini_survey) -> AuditEvent:
    detail = {"format": "xlsx", "filters": {"level": ["central"]}, "language": "kk"}
    return audit_record(
        user=analyst, action=AuditEvent.Action.TABLES_DOWNLOAD, survey=mini_survey, detail=detail
    )


def test_a_superuser_reads_the_audit_log_in_the_admin(logged):
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    client = _client(root)

    assert "/admin/accounts/auditevent/" in client.get("/admin/").text
    changelist = client.get("/admin/accounts/auditevent/?action=tables_download")
    assert changelist.status_code == 200
    assert "ana" in changelist.text and "level: central" in changelist.text
    change = client.get(f"/admin/accounts/auditevent/{logged.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.text  # read-only


def test_nobody_writes_the_audit_log_through_the_admin(logged):
    client = _client(get_user_model().objects.create_superuser("root", password="pw-123456"))

    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{logged.pk}/change/", {}).status_code == 403
    delete = client.post(f"/admin/accounts/auditevent/{logged.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=logged.pk).exists()


@pytest.mark.parametrize("group", [RESEARCHER, RESULTS_ADMIN, None])
def test_other_users_are_refused_the_audit_log(logged, mini_survey, group):
    user = get_user_model().objects.create_user("other", password="pw-123456", is_staff=True)
    if group:
        user.groups.add(roles_ensure()[group])
    mini_survey.owner = user
    mini_survey.save(update_fields=["owner"])  # even the survey's owner
    client = _client(user)

    assert "/admin/accounts/auditevent/" not in client.get("/admin/").text
    assert client.get("/admin/accounts/auditevent/").status_code == 403
    assert client.get(f"/admin/accounts/auditevent/{logged.pk}/change/").status_code == 403
