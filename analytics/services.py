"""Requests for the analytics worker: a result snapshot or a raw export, queued after the commit.

The work itself lives below the tasks (`snapshots`, `exporting`), so that `tasks` imports it and
this module imports `tasks` with no circle between them: a request stands above the worker.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from surveys.models import Survey
from surveys.selectors import survey_schema_get

from .exporting import export_fail
from .models import ExportJob, JobStatus, ResultSnapshot
from .selectors import (
    Filters,
    responses_selected,
    responses_watermark_recent,
)
from .tasks import build_export, compute_results
from .weighting.models import WeightingScheme
from .weighting.selectors import weighting_usable_check
from .weighting.services import snapshot_key_for

logger = logging.getLogger(__name__)

# A snapshot queued but not started after this long is queued again: its message may have been
# lost with a broker that restarted empty. A duplicate is harmless, as the task is idempotent.
PENDING_STALE_AFTER = timedelta(minutes=2)
# A snapshot still computing after this long is taken to be lost (a worker died) and re-queued.
STALE_AFTER = timedelta(minutes=10)
BROKER_DOWN = "broker-unavailable"


def _enqueue(snapshot_id: int) -> None:
    try:
        compute_results.delay(snapshot_id)
    except Exception as exc:  # kombu and redis raise several types; every one means "not queued"
        logger.warning("Results task for snapshot %s not queued: %s", snapshot_id, exc)
        ResultSnapshot.objects.filter(pk=snapshot_id, status=JobStatus.PENDING).update(
            status=JobStatus.ERROR, error=BROKER_DOWN
        )


def results_request(
    *, survey: Survey, filters: Filters, weighting: WeightingScheme | None = None
) -> ResultSnapshot:
    """The snapshot for this filter: as it is when still current, else queued to be computed.

    With a weighting scheme the snapshot is the one of (filter, scheme's targets); its task
    rakes the weights of the responses it counts (`snapshots.snapshot_compute`).
    """
    key, extra = snapshot_key_for(filters=filters, weighting=weighting)
    count, last = responses_watermark_recent(survey=survey)
    now = timezone.now()
    with transaction.atomic():
        snapshot, created = ResultSnapshot.objects.select_for_update().get_or_create(
            survey=survey,
            filter_key=key,
            defaults={"filters": filters, "requested_at": now, **extra},
        )
        # A snapshot from before the disclosure control has no protected tables: not current.
        current = (snapshot.source_count, snapshot.source_last) == (count, last)
        current = current and snapshot.protected is not None
        if snapshot.status == JobStatus.COMPLETE and current:
            return snapshot
        in_flight = snapshot.status in (JobStatus.PENDING, JobStatus.RUNNING)
        patience = PENDING_STALE_AFTER if snapshot.status == JobStatus.PENDING else STALE_AFTER
        if in_flight and not created and now - snapshot.requested_at < patience:
            return snapshot
        if snapshot.status == JobStatus.COMPLETE:
            # Keep showing the old tables while the new ones are computed.
            snapshot.status = JobStatus.PENDING
        else:
            snapshot.status, snapshot.error = JobStatus.PENDING, ""
        snapshot.requested_at = now
        snapshot.save(update_fields=["status", "error", "requested_at"])
        snapshot_id = snapshot.pk
        transaction.on_commit(lambda: _enqueue(snapshot_id))
    snapshot.refresh_from_db()
    return snapshot


def export_request(
    *,
    survey: Survey,
    fmt: str,
    language: str,
    filters: Filters,
    user: object,
    weighting: WeightingScheme | None = None,
) -> ExportJob:
    schema = survey_schema_get(survey=survey)
    # No group threshold: only microdata users export, and they see every response anyway.
    total = responses_selected(survey=survey, schema=schema, filters=filters).count()
    if weighting is not None:
        # Refused now if its last raking was refused; the job rakes the weights of the
        # responses it exports (`exporting.weighted_export_build`), not this request.
        weighting_usable_check(scheme=weighting)
    with transaction.atomic():
        job = ExportJob.objects.create(
            survey=survey,
            kind=ExportJob.Kind.RESPONSES,
            format=fmt,
            language=language,
            filters=filters,
            total=total,
            requested_by=user if getattr(user, "pk", None) else None,
            weighting=weighting,
        )
        transaction.on_commit(lambda: _export_enqueue(job.pk))
    return job


def report_request(
    *,
    survey: Survey,
    language: str,
    filters: Filters,
    user: object,
    exact: bool,
    weighting: WeightingScheme | None = None,
) -> ExportJob:
    """A Word report job (analytics.report): exact figures for a microdata user, else protected.

    The figures are chosen when the job is asked for, by who asks: the kind says which, and
    only the asker's kind of report opens for an aggregates-only viewer (analytics.views).
    """
    kind = ExportJob.Kind.REPORT if exact else ExportJob.Kind.REPORT_PROTECTED
    with transaction.atomic():
        job = ExportJob.objects.create(
            survey=survey,
            kind=kind,
            format=ExportJob.Format.DOCX,
            language=language,
            filters=filters,
            weighting=weighting,
            requested_by=user if getattr(user, "pk", None) else None,
        )
        transaction.on_commit(lambda: _export_enqueue(job.pk))
    return job


def _export_enqueue(job_id: int) -> None:
    try:
        build_export.delay(job_id)
    except Exception as exc:  # any broker failure means the job was not queued
        logger.warning("Export %s not queued: %s", job_id, exc)
        export_fail(job_id=job_id, error=BROKER_DOWN)


# An export still waiting or building after this long is taken to be lost: longer than the slowest
# build (an XLSX of 1M responses, ~15 min) and as long as the broker's visibility timeout.
EXPORT_STALE_AFTER = timedelta(minutes=30)


def stale_jobs_requeue(*, now: datetime | None = None) -> tuple[int, int]:
    """Queue again the snapshots and exports whose task was lost (a broker that restarted empty,
    a worker that died, a broker down when they were asked for); how many of each.

    Beat runs it (analytics.periodic); a request of the results page does the same for its own
    snapshot. Safe twice and alongside the workers: a task finds a complete job done already.
    """
    now = now or timezone.now()
    lost = (
        Q(status=JobStatus.PENDING, requested_at__lt=now - PENDING_STALE_AFTER)
        | Q(status=JobStatus.RUNNING, requested_at__lt=now - STALE_AFTER)
        | Q(status=JobStatus.ERROR, error=BROKER_DOWN)
    )
    with transaction.atomic():
        snapshots = list(
            ResultSnapshot.objects.select_for_update(skip_locked=True)
            .filter(lost)
            .values_list("pk", flat=True)
        )
        ResultSnapshot.objects.filter(pk__in=snapshots).update(
            status=JobStatus.PENDING, error="", requested_at=now
        )
        for snapshot_id in snapshots:
            transaction.on_commit(lambda snapshot_id=snapshot_id: _enqueue(snapshot_id))
    exports = list(
        ExportJob.objects.filter(
            Q(status__in=(JobStatus.PENDING, JobStatus.RUNNING))
            & Q(requested_at__lt=now - EXPORT_STALE_AFTER)
            | Q(status=JobStatus.ERROR, error=BROKER_DOWN)
        ).values_list("pk", flat=True)
    )
    ExportJob.objects.filter(pk__in=exports).update(status=JobStatus.PENDING, error="")
    for job_id in exports:
        _export_enqueue(job_id)
    return len(snapshots), len(exports)
