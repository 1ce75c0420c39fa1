"""Raw response exports built by a worker, then downloaded (`services.export_request` asks).

Each carries the survey's codebook (`surveys.formats.codebook`): an XLSX gets it as a second
sheet, after the responses (which the response import reads, as it reads the first sheet); a CSV
export is a zip of `<slug>-responses.csv` and `<slug>-codebook.csv`. The .sav has its own labels.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from surveys.formats.codebook import codebook_csv, codebook_rows, codebook_sheet_add
from surveys.formats.io import responses_export
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
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
    extension = "csv.zip" if job.format == ExportJob.Format.CSV else job.format
    name = f"exports/{survey.slug}-{job.pk}.{extension}"
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
        written = _csv_zip_write(
            survey=survey, schema=schema, responses=responses, path=partial, on_record=progress
        )
    else:
        written = _xlsx_write(
            survey=survey, schema=schema, responses=responses, path=partial, on_record=progress
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


def export_file_name(*, job: ExportJob) -> tuple[str, str | None]:
    """The name a download of the job's file gets, and its content type (None: from the name)."""
    slug = job.survey.slug
    if job.file.name.endswith(".zip"):  # a CSV export with its codebook; older ones are bare
        return f"{slug}-responses-{job.format}.zip", "application/zip"
    return f"{slug}-responses.{job.format}", None


def export_fail(*, job_id: int, error: str) -> None:
    ExportJob.objects.filter(pk=job_id).update(status=JobStatus.ERROR, error=error)


def _csv_zip_write(
    *,
    survey: Survey,
    schema: SurveySchema,
    responses: QuerySet[Response],
    path: Path,
    on_record: Callable[[int], None],
) -> int:
    """The responses CSV streamed into the zip as it is written, then the codebook CSV."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The size is unknown until the end: zip64 lets the entry pass 2 GiB if it must.
        entry = archive.open(f"{survey.slug}-responses.csv", "w", force_zip64=True)
        with io.TextIOWrapper(entry, encoding="utf-8", newline="") as out:  # the writer adds a BOM
            written = responses_export(
                survey=survey, fmt="csv", out=out, responses=responses, on_record=on_record
            )
        entry = archive.open(f"{survey.slug}-codebook.csv", "w")
        with io.TextIOWrapper(entry, encoding="utf-8", newline="") as out:
            codebook_csv(rows=codebook_rows(schema=schema), out=out)
    return written


def _xlsx_write(
    *,
    survey: Survey,
    schema: SurveySchema,
    responses: QuerySet[Response],
    path: Path,
    on_record: Callable[[int], None],
) -> int:
    """The responses sheet as `responses_export` writes it, then the codebook sheet."""
    rows = codebook_rows(schema=schema)
    with path.open("wb") as out:
        return responses_export(
            survey=survey,
            fmt="xlsx",
            out=out,
            responses=responses,
            on_record=on_record,
            more_sheets=lambda workbook: codebook_sheet_add(workbook=workbook, rows=rows),
        )
