"""Beat's re-queue of lost work: snapshots and exports whose task never ran are queued again and
finish; fresh, running-on-time and complete ones are left alone; running it twice is harmless."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import ExportJob, JobStatus, ResultSnapshot
from analytics.periodic import stale_jobs_requeue_all
from analytics.selectors import filter_key
from analytics.services import BROKER_DOWN, stale_jobs_requeue
from config.celery import app
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(mini_survey, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    schema = survey_schema_get(survey=mini_survey)
    for _ in range(3):
        response_create(survey=mini_survey, data=answers_fill(schema), language="kk", source="web")
    return mini_survey


def _snapshot(survey, filters, status, age, error=""):
    return ResultSnapshot.objects.create(
        survey=survey,
        filters=filters,
        filter_key=filter_key(filters),
        status=status,
        error=error,
        requested_at=timezone.now() - age,
    )


def _job(survey, status, age, error=""):
    job = ExportJob.objects.create(
        survey=survey, kind="responses", format="csv", language="kk", status=status, error=error
    )
    ExportJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - age)
    return job


def test_lost_work_is_queued_again_and_finishes(survey, django_capture_on_commit_callbacks):
    lost = _snapshot(survey, {}, JobStatus.PENDING, timedelta(minutes=5))
    dead = _snapshot(survey, {"level": ["local"]}, JobStatus.RUNNING, timedelta(minutes=30))
    down = _snapshot(survey, {"level": ["central"]}, JobStatus.ERROR, timedelta(0), BROKER_DOWN)
    fresh = _snapshot(survey, {"years": ["1"]}, JobStatus.PENDING, timedelta(seconds=10))
    failed = _snapshot(survey, {"body": ["finance"]}, JobStatus.ERROR, timedelta(hours=1), "bug")
    old_job = _job(survey, JobStatus.PENDING, timedelta(hours=1))
    down_job = _job(survey, JobStatus.ERROR, timedelta(0), BROKER_DOWN)
    new_job = _job(survey, JobStatus.PENDING, timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = stale_jobs_requeue()
    assert counts == (3, 2)
    for snapshot in (lost, dead, down):
        snapshot.refresh_from_db()
        assert snapshot.status == JobStatus.COMPLETE and snapshot.tables, snapshot.filters
    for snapshot, status in ((fresh, JobStatus.PENDING), (failed, JobStatus.ERROR)):
        snapshot.refresh_from_db()
        assert snapshot.status == status
    for job in (old_job, down_job):
        job.refresh_from_db()
        assert job.status == JobStatus.COMPLETE and job.file
    new_job.refresh_from_db()
    assert new_job.status == JobStatus.PENDING
    # Nothing is lost any more: a second run finds nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_jobs_requeue() == (0, 0)


def test_beat_runs_it():
    entry = app.conf.beat_schedule["stale-jobs-requeue"]
    assert entry["task"] == stale_jobs_requeue_all.name
    assert stale_jobs_requeue_all.name in app.tasks
