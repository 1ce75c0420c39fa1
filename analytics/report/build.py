"""The worker's side of a report job: gather the content, lay it out, store the file.

A report is an `ExportJob` of kind REPORT (exact figures, microdata users) or REPORT_PROTECTED
(aggregates-only viewers): queued, re-queued, purged and downloaded as the raw exports are.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from surveys.selectors import survey_schema_get

from ..models import ExportJob, JobStatus
from .content import report_content, report_steps
from .document import report_docx

REPORT_KINDS = (ExportJob.Kind.REPORT, ExportJob.Kind.REPORT_PROTECTED)


def report_build(*, job_id: int) -> None:
    """Write the job's .docx to storage; a job already complete is left as it is."""
    with transaction.atomic():
        # Only the job's row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of
        # the outer join that brings its weighting scheme.
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("survey", "weighting")
            .get(pk=job_id)
        )
        if job.status == JobStatus.COMPLETE:
            return
        ExportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, done=0)
    survey = job.survey
    schema = survey_schema_get(survey=survey)
    # One step for the tables themselves (a snapshot may have to be computed), then the parts.
    total = report_steps(schema=schema) + 1
    ExportJob.objects.filter(pk=job_id).update(total=total)
    content = report_content(
        survey=survey,
        schema=schema,
        filters=job.filters,
        language=job.language,
        exact=job.kind == ExportJob.Kind.REPORT,
        weights=job.weighting.name if job.weighting is not None else None,
    )

    def step() -> None:
        ExportJob.objects.filter(pk=job_id).update(done=F("done") + 1)

    step()
    data = report_docx(content=content, on_step=step)
    name = f"exports/{survey.slug}-{job.pk}.docx"
    # A run after a crash may find its own earlier file: replaced, not saved beside it.
    default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data, name=name))
    ExportJob.objects.filter(pk=job_id).update(
        status=JobStatus.COMPLETE,
        file=saved,
        done=total,
        total=total,
        finished_at=timezone.now(),
        error="",
    )
