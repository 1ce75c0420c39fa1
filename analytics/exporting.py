"""Raw response exports built by a worker, then downloaded (`services.export_request` asks).

Each carries the survey's codebook (`surveys.formats.codebook`): an XLSX gets it as a second
sheet, after the responses (which the response import reads, as it reads the first sheet); a CSV
export is a zip of `<slug>-responses.csv` and `<slug>-codebook.csv`. The .sav has its own labels.
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from surveys.formats.codebook import Row, codebook_csv, codebook_rows, codebook_sheet_add
from surveys.formats.io import responses_export
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

from .exports import responses_sav
from .models import ExportJob, JobStatus
from .selectors import responses_selected
from .weighting.exports import (
    codebook_weight_row,
    export_weights,
    weight_label,
)
from .weighting.selectors import refusal_text
from .weighting.services import weights_compute

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1000


def export_build(*, job_id: int) -> None:
    """Write the export file to storage; a job already complete is left as it is.

    The file is written to a temporary file in the worker's temp dir, then saved to the storage
    under its final name in one `save()`: pyreadstat writes .sav by path (C code, no file object)
    and openpyxl and zipfile seek back in what they write, so none of them can stream to an object
    store; S3's save (upload_fileobj) sends a large file up in multipart chunks from the disk, never
    all in memory, and an object appears only when complete, so no partial file is ever visible.
    """
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

    def progress(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(done=count)

    scheme = job.weighting
    if scheme is not None:
        weighted_export_build(job=job, schema=schema, responses=responses, name=name)
        return
    # The directory goes with everything in it whatever happens (TemporaryDirectory's cleanup).
    with tempfile.TemporaryDirectory(prefix="saualnama-export-") as folder:
        local = Path(folder) / f"export.{extension}"
        if job.format == ExportJob.Format.SAV:
            written = responses_sav(
                survey=survey,
                schema=schema,
                responses=responses,
                language=job.language,
                path=local,
                on_record=progress,
            )
        elif job.format == ExportJob.Format.CSV:
            written = _csv_zip_write(
                survey=survey, schema=schema, responses=responses, path=local, on_record=progress
            )
        else:
            written = _xlsx_write(
                survey=survey, schema=schema, responses=responses, path=local, on_record=progress
            )
        # A run after a crash may find its own earlier file: replaced, not saved beside it
        # (FileSystemStorage would pick another name).
        saved = _store(local, name)
    _complete(job_id, saved, written)


def _store(local: Path, name: str) -> str:
    default_storage.delete(name)
    with local.open("rb") as content:
        return default_storage.save(name, File(content, name=name))


def _complete(job_id: int, saved: str, written: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(
        status=JobStatus.COMPLETE,
        file=saved,
        done=written,
        total=written,
        finished_at=timezone.now(),
        error="",
    )


def export_file_response(*, job: ExportJob) -> HttpResponseBase:
    """The download of a complete job's file, after the caller's permission checks and audit.

    A redirect (302) to a presigned URL valid S3_SIGNED_URL_SECONDS, with the download's name in
    its Content-Disposition, when S3_SIGNED_URLS is on and the storage signs URLs; otherwise the
    file streamed from the storage through this response (either storage).
    """
    storage = job.file.storage
    if not job.file or not storage.exists(job.file.name):
        raise Http404  # removed by retention or by hand since the job completed
    name, content_type = export_file_name(job=job)
    if settings.S3_SIGNED_URLS and _signs_urls(storage):
        url = storage.url(
            job.file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(
                    as_attachment=True, filename=name
                ),
                **({"ResponseContentType": content_type} if content_type else {}),
            },
            expire=settings.S3_SIGNED_URL_SECONDS,
        )
        return HttpResponseRedirect(url)
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )


def _signs_urls(storage: Storage) -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages is a dependency, but local storage does without it
        return False
    return isinstance(storage, S3Storage)


def exports_purge(*, now: datetime | None = None) -> int:
    """Delete export jobs past EXPORT_RETENTION_DAYS with their files; how many jobs.

    Finished jobs count from when they finished, others from when they were asked for. The files
    go by the post_delete signal (analytics.signals), as when a job is deleted any other way;
    deleting a file already gone is fine, so two beats running this at once do no harm.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    old = ExportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, requested_at__lt=cutoff)
    )
    deleted, _by_model = old.delete()
    return deleted


def export_file_name(*, job: ExportJob) -> tuple[str, str | None]:
    """The name a download of the job's file gets, and its content type (None: from the name)."""
    slug = job.survey.slug
    if job.format == ExportJob.Format.DOCX:  # a Word report (analytics.report)
        return f"{slug}-report-{job.language}.docx", None
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
    codebook: list[Row] | None = None,
    weights: Iterable[float] | None = None,
) -> int:
    """The responses CSV streamed into the zip as it is written, then the codebook CSV.

    `codebook` defaults to the schema's rows; `weights` (in response id order) add the
    responses file's last column `weight`.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The size is unknown until the end: zip64 lets the entry pass 2 GiB if it must.
        entry = archive.open(f"{survey.slug}-responses.csv", "w", force_zip64=True)
        with io.TextIOWrapper(entry, encoding="utf-8", newline="") as out:  # the writer adds a BOM
            written = responses_export(
                survey=survey,
                fmt="csv",
                out=out,
                responses=responses,
                on_record=on_record,
                weights=weights,
            )
        rows = codebook_rows(schema=schema) if codebook is None else codebook
        entry = archive.open(f"{survey.slug}-codebook.csv", "w")
        with io.TextIOWrapper(entry, encoding="utf-8", newline="") as out:
            codebook_csv(rows=rows, out=out)
    return written


def _xlsx_write(
    *,
    survey: Survey,
    schema: SurveySchema,
    responses: QuerySet[Response],
    path: Path,
    on_record: Callable[[int], None],
    codebook: list[Row] | None = None,
    weights: Iterable[float] | None = None,
) -> int:
    """The responses sheet as `responses_export` writes it, then the codebook sheet.

    `codebook` and `weights` as for `_csv_zip_write`.
    """
    rows = codebook_rows(schema=schema) if codebook is None else codebook
    with path.open("wb") as out:
        return responses_export(
            survey=survey,
            fmt="xlsx",
            out=out,
            responses=responses,
            on_record=on_record,
            more_sheets=lambda workbook: codebook_sheet_add(workbook=workbook, rows=rows),
            weights=weights,
        )


def weighted_export_build(
    *, job: ExportJob, schema: SurveySchema, responses: QuerySet[Response], name: str
) -> None:
    """The export with a last column `weight` (`weighting.exports`), and its codebook row.

    CSV and XLSX get the weights as they write the responses (`responses_export(weights=)`),
    the .sav too (`responses_sav(weights=)`), in one pass: no file is read back, and the
    weights are streamed beside the records, never all held.
    """
    survey = job.survey
    # Weights of the responses as they are now (a no-op when current), read in id order.
    scheme = weights_compute(scheme_id=job.weighting_id)
    if scheme.status == scheme.Status.ERROR:
        with translation.override(job.language):
            export_fail(job_id=job.pk, error=refusal_text(scheme))
        return
    weights = export_weights(scheme=scheme, responses=responses)

    def progress(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(done=count)

    rows = [*codebook_rows(schema=schema), codebook_weight_row(scheme=scheme)]
    with tempfile.TemporaryDirectory(prefix="saualnama-export-") as folder:
        local = Path(folder) / Path(name).name
        if job.format == ExportJob.Format.SAV:
            written = responses_sav(
                survey=survey,
                schema=schema,
                responses=responses,
                language=job.language,
                path=local,
                on_record=progress,
                weights=weights,
                weight_label=weight_label(scheme=scheme, language=job.language),
            )
        elif job.format == ExportJob.Format.CSV:
            written = _csv_zip_write(
                survey=survey,
                schema=schema,
                responses=responses,
                path=local,
                on_record=progress,
                codebook=rows,
                weights=weights,
            )
        else:
            written = _xlsx_write(
                survey=survey,
                schema=schema,
                responses=responses,
                path=local,
                on_record=progress,
                codebook=rows,
                weights=weights,
            )
        saved = _store(local, name)
    _complete(job.pk, saved, written)
