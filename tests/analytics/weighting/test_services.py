"""Saving a scheme (checks against the questionnaire), computing its weights (idempotent, again
when the responses change), and the weighted snapshot's key."""

import pytest
from django.utils import translation

from analytics.selectors import filter_key
from analytics.services import results_request
from analytics.weighting.models import ResponseWeight, WeightingScheme
from analytics.weighting.services import (
    SchemeError,
    targets_check,
    targets_csv_parse,
    weighted_filter_key,
    weighting_scheme_save,
    weights_compute,
)
from surveys.services import response_create
from tests.analytics.test_views import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(mini_survey):
    for level in ["central"] * 3 + ["local"]:
        data = {**BASE, "level": level, "body": "finance" if level == "central" else None}
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


def test_targets_are_checked_against_the_questionnaire(mini_schema):
    assert targets_check(schema=mini_schema, raw={"level": {"central": "1", "local": 2}}) == {
        "level": {"central": 1.0, "local": 2.0}
    }
    cases = [
        {"barriers": {"gender": 1}},  # a multiple choice
        {"nope": {"x": 1}},
        {"level": {"nowhere": 1}},
        {"level": {"central": "many"}},
        {"level": {"central": -1}},
        {"level": {"central": 0, "local": 0}},
        {},
    ]
    for raw in cases:
        with pytest.raises(SchemeError):
            targets_check(schema=mini_schema, raw=raw)


def test_csv_lines_are_parsed_with_errors_per_line_in_russian():
    text = "question,option,total\nlevel,central,1 200,5\nlevel,local,7\nlevel,local,8\n"
    with translation.override("ru"), pytest.raises(SchemeError) as error:
        targets_csv_parse(text=text)
    assert len(error.value.messages) == 2
    with translation.override("ru"):
        first = translation.gettext("Line %(line)d: write three values, question,option,total.")
        twice = translation.gettext("Line %(line)d: “%(option)s” of “%(code)s” is given twice.")
    assert error.value.messages == [
        first % {"line": 2},
        twice % {"line": 4, "option": "local", "code": "level"},
    ]
    assert first.startswith("Строка")
    assert targets_csv_parse(text='\ufefflevel,central,"1 200,5"\n') == {
        "level": {"central": "1200.5"}
    }


def test_weights_are_computed_once_and_again_when_responses_change(answered):
    scheme = weighting_scheme_save(
        survey=answered, name="lvl", label="", targets={"level": {"central": 1, "local": 1}}
    )
    assert scheme.status == WeightingScheme.Status.COMPLETE
    assert ResponseWeight.objects.filter(scheme=scheme).count() == 4
    version = scheme.version
    assert weights_compute(scheme_id=scheme.pk).version == version  # nothing changed
    response_create(survey=answered, data=BASE, language="kk", source="web")
    again = weights_compute(scheme_id=scheme.pk)
    assert again.version > version and again.summary["n"] == 5
    assert ResponseWeight.objects.filter(scheme=scheme).count() == 5


def test_a_name_is_unique_in_a_survey_and_bounds_are_checked(answered):
    targets = {"level": {"central": 1, "local": 1}}
    weighting_scheme_save(survey=answered, name="a", label="", targets=targets)
    for kwargs in ({"name": "a"}, {"name": "b", "trim_low": 2}, {"name": "c", "trim_high": 0.5}):
        with pytest.raises(SchemeError):
            weighting_scheme_save(survey=answered, label="", targets=targets, **kwargs)


def test_a_respondent_without_the_answer_gets_weight_zero(answered):
    # `body` is asked of central respondents only: the local one is left out.
    scheme = weighting_scheme_save(
        survey=answered, name="body", label="", targets={"body": {"finance": 10}}
    )
    assert scheme.summary["left_out"] == 1 and scheme.summary["n"] == 3
    assert sorted(
        ResponseWeight.objects.filter(scheme=scheme).values_list("weight", flat=True)
    ) == [
        0.0,
        1.0,
        1.0,
        1.0,
    ]


def test_the_weighted_snapshot_is_its_own_and_changes_with_the_scheme(answered, settings):
    scheme = weighting_scheme_save(
        survey=answered, name="lvl", label="", targets={"level": {"central": 1, "local": 1}}
    )
    snapshot = results_request(survey=answered, filters={}, weighting=scheme)
    assert snapshot.filter_key == weighted_filter_key({}, scheme) != filter_key({})
    assert snapshot.weighting == scheme
    changed = weighting_scheme_save(
        survey=answered,
        name="lvl",
        label="",
        targets={"level": {"central": 1, "local": 3}},
        scheme=scheme,
    )
    assert weighted_filter_key({}, changed) != snapshot.filter_key


def test_a_results_request_never_rakes_the_task_does(answered, monkeypatch):
    """Raking a million responses takes minutes: never in the web request that asks."""
    from analytics.models import ResultSnapshot
    from analytics.snapshots import snapshot_compute
    from analytics.weighting import services

    scheme = weighting_scheme_save(
        survey=answered, name="lvl", label="", targets={"level": {"central": 1, "local": 1}}
    )
    response_create(survey=answered, data=BASE, language="kk", source="web")
    raked = []
    original = services.weights_compute
    monkeypatch.setattr(
        services, "weights_compute", lambda **kw: raked.append(kw) or original(**kw)
    )
    snapshot = results_request(survey=answered, filters={}, weighting=scheme)
    assert raked == [] and ResponseWeight.objects.filter(scheme=scheme).count() == 4
    snapshot_compute(snapshot_id=snapshot.pk)
    snapshot = ResultSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.status == "complete" and snapshot.respondents == 5
    assert ResponseWeight.objects.filter(scheme=scheme).count() == 5
    assert snapshot.weighting_version == WeightingScheme.objects.get(pk=scheme.pk).version


def test_weights_refused_after_the_responses_changed_fail_the_snapshot_with_the_reason(answered):
    from analytics.models import ResultSnapshot
    from analytics.snapshots import snapshot_compute
    from surveys.models import Response

    scheme = weighting_scheme_save(
        survey=answered, name="lvl", label="", targets={"level": {"central": 1, "local": 1}}
    )
    snapshot = results_request(survey=answered, filters={}, weighting=scheme)
    # The one local respondent is erased: a positive total now has nobody to carry it.
    Response.objects.filter(survey=answered, answers__option__code="local").delete()
    snapshot_compute(snapshot_id=snapshot.pk)
    snapshot = ResultSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.status == "error"
    with translation.override("kk"):
        scheme.refresh_from_db()
        from analytics.weighting.selectors import refusal_text

        assert snapshot.error == refusal_text(scheme) != ""
