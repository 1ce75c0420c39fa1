"""Export files go with their jobs: by retention (beat), by deleting a job or its survey; a build
re-run after a crash replaces its file; temporary files never outlive a build."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from analytics import exporting
from analytics.exporting import export_build
from analytics.models import ExportJob, JobStatus
from analytics.tasks import exports_purge
from config.celery import app
from tests.analytics.test_views import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(mini_survey, settings, tmp_path):
    from surveys.services import response_create

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_RETENTION_DAYS = 7
    response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    return mini_survey


def job_with_file(survey, name: str, *, days_ago: float | None) -> ExportJob:
    saved = default_storage.save(f"exports/{name}", ContentFile(b"data"))
    finished = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    job = ExportJob.objects.create(
        survey=survey, kind="responses", format="csv", language="ru", file=saved,
        status=JobStatus.COMPLETE if finished else JobStatus.RUNNING, finished_at=finished,
    )  # fmt: skip
    return job


def test_the_purge_removes_old_jobs_and_their_files_keeps_recent_ones_and_runs_twice(survey):
    old = job_with_file(survey, "old.csv.zip", days_ago=8)
    recent = job_with_file(survey, "recent.csv.zip", days_ago=6)
    stuck = job_with_file(survey, "stuck.csv.zip", days_ago=None)
    ExportJob.objects.filter(pk=stuck.pk).update(requested_at=timezone.now() - timedelta(days=9))
    fresh_running = job_with_file(survey, "running.csv.zip", days_ago=None)

    assert exports_purge.delay().get() == 2  # the Celery task, eager in tests
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {recent.pk, fresh_running.pk}
    assert not default_storage.exists(old.file.name) and not default_storage.exists(stuck.file.name)
    assert default_storage.exists(recent.file.name)
    assert exports_purge.delay().get() == 0  # a second beat finds nothing left to do
    assert default_storage.exists(recent.file.name)


def test_the_retention_follows_the_setting(survey, settings):
    job = job_with_file(survey, "a.csv.zip", days_ago=2)
    settings.EXPORT_RETENTION_DAYS = 1
    assert exporting.exports_purge() == 1
    assert not default_storage.exists(job.file.name)


def test_a_file_already_gone_does_not_stop_the_purge(survey):
    job = job_with_file(survey, "gone.csv.zip", days_ago=30)
    default_storage.delete(job.file.name)  # another beat, or an operator, was first
    assert exporting.exports_purge() == 1


def test_deleting_a_job_one_or_in_bulk_deletes_its_file(survey):
    one = job_with_file(survey, "one.csv.zip", days_ago=0)
    two = job_with_file(survey, "two.csv.zip", days_ago=0)
    three = job_with_file(survey, "three.csv.zip", days_ago=0)
    one.delete()
    assert not default_storage.exists(one.file.name) and default_storage.exists(two.file.name)
    ExportJob.objects.filter(pk=two.pk).delete()  # as the admin's bulk action deletes
    assert not default_storage.exists(two.file.name) and default_storage.exists(three.file.name)


def test_the_purges_are_on_the_beat_schedule():
    app.loader.import_default_modules()  # what a worker or beat does on start: autodiscovery
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"analytics.tasks.exports_purge", "surveys.builder.tasks.import_stash_purge"} <= tasks
    assert "analytics.tasks.exports_purge" in app.tasks
    assert "surveys.builder.tasks.import_stash_purge" in app.tasks


def test_a_rerun_after_a_crash_replaces_its_file_under_the_same_name(survey):
    job = ExportJob.objects.create(survey=survey, kind="responses", format="xlsx", language="ru")
    export_build(job_id=job.pk)
    job.refresh_from_db()
    name = job.file.name
    # The worker died after saving, before marking the job complete: the next run builds again.
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    with default_storage.open(name, "wb") as file:
        file.write(b"left by the crashed run")
    export_build(job_id=job.pk)
    job.refresh_from_db()
    assert job.file.name == name and job.status == JobStatus.COMPLETE
    with default_storage.open(name, "rb") as file:
        assert file.read(2) == b"PK"  # a new workbook, not the crashed run's bytes
    assert default_storage.listdir("exports")[1] == [Path(name).name]
    # A complete job is left as it is.
    export_build(job_id=job.pk)
    assert default_storage.listdir("exports")[1] == [Path(name).name]


def test_a_failed_build_leaves_no_temporary_file_and_nothing_in_storage(
    survey, monkeypatch, tmp_path
):
    temp = tmp_path / "worker-temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    def broken(**kwargs):
        Path(kwargs["path"]).write_bytes(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporting, "_csv_zip_write", broken)
    job = ExportJob.objects.create(survey=survey, kind="responses", format="csv", language="ru")
    with pytest.raises(RuntimeError):
        export_build(job_id=job.pk)
    assert list(temp.iterdir()) == []
    assert not default_storage.exists("exports") or default_storage.listdir("exports")[1] == []
