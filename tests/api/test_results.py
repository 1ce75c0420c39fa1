"""The results endpoint: the `manage.py results` contract, exact for microdata users, through the
disclosure control for aggregates-only users, its refusals, filters and languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import AuditEvent
from analytics.disclosure import refusal_message
from analytics.services import results_request
from analytics.snapshots import snapshot_compute

pytestmark = pytest.mark.django_db
URL = "/api/v1/surveys/{slug}/results/"


def test_microdata_users_get_the_exact_tables(world, as_):
    body = as_("owner").get(URL.format(slug=world["a"].slug)).json()
    assert body["survey"] == "mini" and body["respondents"] == 12 and body["access"] == "microdata"
    level = {o["code"]: o["count"] for o in body["tables"]["level"]["options"]}
    assert level == {"central": 6, "local": 6}
    assert "protection" not in body and body["up_to_date"] is True
    snapshot = results_request(survey=world["a"], filters={})
    assert body["tables"]["level"]["respondents"] == snapshot.tables["level"]["respondents"]


def test_aggregates_only_users_get_what_the_page_shows(world, as_):
    api = as_("results_admin")
    body = api.get(URL.format(slug=world["a"].slug)).json()
    snapshot = results_request(survey=world["a"], filters={})
    assert body["access"] == "aggregates" and body["protection"]
    assert body["respondents"] == snapshot.protected["respondents"]
    shown = {o["code"]: o["count"] for o in body["tables"]["level"]["options"]}
    protected = snapshot.protected["tables"]["level"]["options"]
    assert shown == {o["code"]: o["count"] for o in protected}


def test_a_group_too_small_is_refused_with_no_figure(world, as_):
    """Six central respondents with k = 7: the page's refusal, as a 403 with no figure."""
    survey = world["a"]
    survey.min_cell_size = 7
    survey.save(update_fields=["min_cell_size"])
    for language in ("kk", "ru"):
        answer = as_("results_admin", language).get(URL.format(slug=survey.slug), f="level:central")
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["code"] == "group_too_small"
        assert "6" not in error["message"] and "respondents" not in answer.json()
        snapshot = results_request(survey=survey, filters={"level": ["central"]})
        with translation.override(language):
            assert error["message"] == refusal_message(snapshot.protected["refused"], k=7)
    # The owner sees the same group exactly.
    exact = as_("owner").get(URL.format(slug=survey.slug), f="level:central").json()
    assert exact["respondents"] == 6


def test_labels_follow_the_language(world, as_):
    url = URL.format(slug=world["a"].slug)
    kk = as_("owner", "kk").get(url).json()["tables"]["level"]["options"]
    ru = as_("owner").get(url, language="ru").json()["tables"]["level"]["options"]
    assert {o["label"] for o in kk} == {"Орталық", "Жергілікті"}
    assert {o["label"] for o in ru} == {"Центральный", "Местный"}
    assert as_("owner").get(url, language="en").status_code == 400


def test_bad_filters_are_400_in_the_callers_language(world, as_):
    url = URL.format(slug=world["a"].slug)
    for params, code in (({"f": "nope:x"}, "invalid_filter"), ({"f": "level"}, "invalid_filter")):
        answer = as_("results_admin").get(url, **params)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    answer = as_("owner", "ru").get(url, f="level:nowhere")
    assert "nowhere" in answer.json()["error"]["message"]


def test_a_result_not_yet_computed_answers_202_with_retry_after(world, as_, monkeypatch):
    monkeypatch.setattr("analytics.services.compute_results.delay", lambda *a: None)
    answer = as_("owner").get(URL.format(slug=world["a"].slug), f="level:local")
    assert answer.status_code == 202 and answer["Retry-After"]
    assert answer.json()["status"] == "pending"
    snapshot = results_request(survey=world["a"], filters={"level": ["local"]})
    snapshot_compute(snapshot_id=snapshot.pk)
    assert as_("owner").get(URL.format(slug=world["a"].slug), f="level:local").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("granted", 200),
        ("results_admin", 200),
        ("researcher_b", 404),
        ("anonymous", 401),
        ("revoked", 401),
    ],
)
def test_results_access(world, as_, role, status):
    assert as_(role).get(URL.format(slug=world["a"].slug)).status_code == status


def test_results_reads_are_audited(world, as_):
    as_("results_admin").get(URL.format(slug=world["a"].slug), f="level:local")
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_RESULTS)
    assert event.user == world["users"]["results_admin"]
    assert (
        event.detail["filters"] == {"level": ["local"]} and event.detail["access"] == "aggregates"
    )
