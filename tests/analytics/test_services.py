"""Snapshots: computed once, reused while current, recomputed after new responses, and a broker
that is down leaves a clear state instead of an error page."""

from datetime import timedelta
from unittest import mock

import pytest

from analytics.models import JobStatus, ResultSnapshot
from analytics.selectors import FilterError, filters_normalize
from analytics.services import BROKER_DOWN, results_request
from analytics.snapshots import snapshot_compute
from surveys.services import response_create

pytestmark = pytest.mark.django_db

ANSWERS = {
    "level": "central",
    "body": "finance",
    "years": "7",
    "channels.meeting": "5",
    "channels.phone": "4",
    "barriers": "perception language",
    "general": "4",
}


def answer(survey, **changes):
    return response_create(survey=survey, data={**ANSWERS, **changes}, language="kk", source="web")


def test_first_request_computes_the_tables_on_commit(
    mini_survey, django_capture_on_commit_callbacks
):
    answer(mini_survey)
    answer(mini_survey, barriers="perception")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = results_request(survey=mini_survey, filters={})
    assert len(callbacks) == 1
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.COMPLETE and snapshot.respondents == 2
    barriers = snapshot.tables["barriers"]
    assert barriers["answers"] == 3
    assert {o["code"]: o["count"] for o in barriers["options"]}["perception"] == 2
    assert snapshot.tables["years"]["type"] == "number"


def test_a_current_snapshot_is_returned_at_once_without_a_task(
    mini_survey, django_capture_on_commit_callbacks
):
    answer(mini_survey)
    with django_capture_on_commit_callbacks(execute=True):
        results_request(survey=mini_survey, filters={})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = results_request(survey=mini_survey, filters={})
    assert callbacks == []
    assert snapshot.status == JobStatus.COMPLETE


def test_a_new_response_makes_the_next_request_recompute(
    mini_survey, django_capture_on_commit_callbacks
):
    answer(mini_survey)
    with django_capture_on_commit_callbacks(execute=True):
        results_request(survey=mini_survey, filters={})
    answer(mini_survey)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results_request(survey=mini_survey, filters={})
    assert len(callbacks) == 1
    assert ResultSnapshot.objects.get().respondents == 2


def test_computing_twice_changes_nothing(mini_survey, django_capture_on_commit_callbacks):
    answer(mini_survey)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = results_request(survey=mini_survey, filters={})
    snapshot.refresh_from_db()
    computed_at = snapshot.computed_at
    snapshot_compute(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.computed_at == computed_at
    assert ResultSnapshot.objects.count() == 1


def test_an_unreachable_broker_marks_the_snapshot_and_raises_nothing(
    mini_survey, django_capture_on_commit_callbacks
):
    answer(mini_survey)
    down = mock.patch("analytics.tasks.compute_results.delay", side_effect=OSError("refused"))
    with down, django_capture_on_commit_callbacks(execute=True):
        results_request(survey=mini_survey, filters={})
    snapshot = ResultSnapshot.objects.get()
    assert snapshot.status == JobStatus.ERROR and snapshot.error == BROKER_DOWN
    # When the broker is back, the next request queues the task again and computes.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results_request(survey=mini_survey, filters={})
    assert len(callbacks) == 1
    snapshot.refresh_from_db()
    assert snapshot.status == JobStatus.COMPLETE


def test_a_filtered_snapshot_is_exact_and_protected_for_the_aggregates_only_viewer(
    mini_survey, django_capture_on_commit_callbacks
):
    for _ in range(6):
        answer(mini_survey)
    answer(mini_survey, level="local", body=None, barriers="gender")
    with django_capture_on_commit_callbacks(execute=True):
        central = results_request(survey=mini_survey, filters={"level": ["central"]})
        everyone = results_request(survey=mini_survey, filters={})
    central.refresh_from_db()
    everyone.refresh_from_db()
    assert central.respondents == 6 and everyone.respondents == 7
    # Unfiltered totals stay exact, small cells and all.
    gender = {o["code"]: o for o in everyone.tables["barriers"]["options"]}["gender"]
    assert gender["count"] == 1
    # The unfiltered survey is shown to aggregates-only viewers, from perturbed counts: the
    # lone "gender" answer is shown as 0 or 5, never as 1.
    assert everyone.protected["refused"] is None
    shown = {o["code"]: o for o in everyone.protected["tables"]["barriers"]["options"]}
    assert shown["gender"]["count"] in (0, 5)
    # 6 central respondents leave 1 outside: refused to them, with no figure at all.
    assert central.protected == {"refused": "small_rest", "respondents": None, "tables": None}
    # A filtered group of 1: exact for microdata users, refused to everybody else.
    with django_capture_on_commit_callbacks(execute=True):
        local = results_request(survey=mini_survey, filters={"level": ["local"]})
    local.refresh_from_db()
    assert local.respondents == 1
    gender = {o["code"]: o for o in local.tables["barriers"]["options"]}["gender"]
    assert gender["count"] == 1
    assert local.protected == {"refused": "small_group", "respondents": None, "tables": None}


def test_filters_name_real_choice_questions_and_options(mini_schema):
    assert filters_normalize(schema=mini_schema, raw={"level": ["local", "central"]}) == {
        "level": ["central", "local"]
    }
    assert filters_normalize(schema=mini_schema, raw={"level": ["central,local"]}) == {
        "level": ["central", "local"]
    }
    with pytest.raises(FilterError):
        filters_normalize(schema=mini_schema, raw={"years": ["5"]})
    with pytest.raises(FilterError):
        filters_normalize(schema=mini_schema, raw={"level": ["regional"]})


@pytest.mark.parametrize(
    ("status", "minutes", "requeued"),
    [
        (JobStatus.PENDING, 1, False),
        (JobStatus.PENDING, 3, True),  # its message was lost: queued again soon
        (JobStatus.RUNNING, 3, False),  # a worker is computing it
        (JobStatus.RUNNING, 11, True),  # that worker died
    ],
)
def test_a_snapshot_lost_in_flight_is_queued_again(
    mini_survey, django_capture_on_commit_callbacks, status, minutes, requeued
):
    answer(mini_survey)
    never_run = mock.patch("analytics.tasks.compute_results.delay")
    with never_run, django_capture_on_commit_callbacks(execute=True):
        results_request(survey=mini_survey, filters={})
    ResultSnapshot.objects.update(
        status=status,
        requested_at=ResultSnapshot.objects.get().requested_at - timedelta(minutes=minutes),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = results_request(survey=mini_survey, filters={})
    assert len(callbacks) == (1 if requeued else 0)
    snapshot.refresh_from_db()
    assert (snapshot.status == JobStatus.COMPLETE) is requeued


def test_snapshots_not_requested_for_a_month_are_purged(
    mini_survey, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from analytics.models import ResultSnapshot
    from analytics.snapshots import snapshots_purge

    with django_capture_on_commit_callbacks(execute=True):
        old = results_request(survey=mini_survey, filters={})
        fresh = results_request(survey=mini_survey, filters={"level": ["central"]})
    ResultSnapshot.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - timedelta(days=31)
    )
    assert snapshots_purge() == 1
    assert list(ResultSnapshot.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert snapshots_purge() == 0
