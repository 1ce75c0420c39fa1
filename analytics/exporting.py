"""Raw response exports built by a worker, then downloaded (`services.export_request` asks)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from surveys.formats.io import responses_export
from surveys.selectors import survey_schema_get

from .exports import responses_sav
from .models import ExportJob, JobStatus
from .selectors import responses_selected

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1000


def export_build(*, job_id: int) -> None:
    """Write the export file; a job already complete is left as it is."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("survey").get(pk=job_id)
        if job.status == JobStatus.COMPLETE:
            return
        ExportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, done=0)
    survey = job.survey
    schema = survey_schema_get(survey=survey)
    responses = responses_selected(survey=survey, schema=schema, filters=job.filters)
    name = f"exports/{survey.slug}-{job.pk}.{job.format}"
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")

    def progress(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(done=count)

    if job.format == ExportJob.Format.SAV:
        written = responses_sav(
            survey=survey,
            schema=schema,
            responses=responses,
            language=job.language,
            path=partial,
            on_record=progress,
        )
    elif job.format == ExportJob.Format.CSV:
        with partial.open("w", encoding="utf-8", newline="") as out:  # the writer adds a BOM
            written = responses_export(
                survey=survey, fmt="csv", out=out, responses=responses, on_record=progress
            )
    else:
        with partial.open("wb") as out:
            written = responses_export(
                survey=survey, fmt="xlsx", out=out, responses=responses, on_record=progress
            )
    partial.replace(target)
    ExportJob.objects.filter(pk=job_id).update(
        status=JobStatus.COMPLETE,
        file=name,
        done=written,
        total=written,
        finished_at=timezone.now(),
        error="",
    )


def export_fail(*, job_id: int, error: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(status=JobStatus.ERROR, error=error)
