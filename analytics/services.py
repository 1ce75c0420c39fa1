"""Writes of the analytics app: requesting, computing and storing result snapshots."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from surveys.models import Survey
from surveys.selectors import survey_schema_get

from .disclosure import results_protect
from .models import JobStatus, ResultSnapshot
from .results import results_tables_build
from .selectors import Filters, answer_counts_get, filter_key, responses_watermark

logger = logging.getLogger(__name__)

# A snapshot queued but not started after this long is queued again: its message may have been
# lost with a broker that restarted empty. A duplicate is harmless, as the task is idempotent.
PENDING_STALE_AFTER = timedelta(minutes=2)
# A snapshot still computing after this long is taken to be lost (a worker died) and re-queued.
STALE_AFTER = timedelta(minutes=10)
BROKER_DOWN = "broker-unavailable"


def _enqueue(snapshot_id: int) -> None:
    from .tasks import compute_results

    try:
        compute_results.delay(snapshot_id)
    except Exception as exc:  # kombu and redis raise several types; every one means "not queued"
        logger.warning("Results task for snapshot %s not queued: %s", snapshot_id, exc)
        ResultSnapshot.objects.filter(pk=snapshot_id, status=JobStatus.PENDING).update(
            status=JobStatus.ERROR, error=BROKER_DOWN
        )


def results_request(*, survey: Survey, filters: Filters) -> ResultSnapshot:
    """The snapshot for this filter: as it is when still current, else queued to be computed."""
    count, last = responses_watermark(survey=survey)
    now = timezone.now()
    with transaction.atomic():
        snapshot, created = ResultSnapshot.objects.select_for_update().get_or_create(
            survey=survey,
            filter_key=filter_key(filters),
            defaults={"filters": filters, "requested_at": now},
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


def snapshot_compute(*, snapshot_id: int) -> None:
    """Compute a snapshot's tables; running it again when it is current changes nothing."""
    with transaction.atomic():
        snapshot = (
            ResultSnapshot.objects.select_for_update().select_related("survey").get(pk=snapshot_id)
        )
        count, last = responses_watermark(survey=snapshot.survey)
        if (
            snapshot.status == JobStatus.COMPLETE
            and (snapshot.source_count, snapshot.source_last) == (count, last)
            and snapshot.protected is not None
        ):
            return
        ResultSnapshot.objects.filter(pk=snapshot_id).update(status=JobStatus.RUNNING)
    survey = snapshot.survey
    schema = survey_schema_get(survey=survey)
    counts = answer_counts_get(survey=survey, schema=schema, filters=snapshot.filters)
    # Exact tables for microdata users; the protected ones for everybody else, from the same
    # counts, so both describe exactly the responses the snapshot says it covers.
    tables = results_tables_build(schema=schema, counts=counts, k=None)
    protected = results_protect(
        schema=schema,
        counts=counts,
        total=count,
        k=survey.min_cell_size,
        filtered=bool(snapshot.filters),
    )
    ResultSnapshot.objects.filter(pk=snapshot_id).update(
        status=JobStatus.COMPLETE,
        tables=tables,
        protected=protected,
        respondents=counts.respondents,
        source_count=count,
        source_last=last,
        computed_at=timezone.now(),
        error="",
    )


def snapshot_fail(*, snapshot_id: int, error: str) -> None:
    ResultSnapshot.objects.filter(pk=snapshot_id).update(status=JobStatus.ERROR, error=error)


# A snapshot nobody asked for in this long is deleted; asking again recomputes it.
SNAPSHOT_KEPT = timedelta(days=30)


def snapshots_purge(*, now: datetime | None = None) -> int:
    """Delete result snapshots not requested for `SNAPSHOT_KEPT`; idempotent."""
    cutoff = (now or timezone.now()) - SNAPSHOT_KEPT
    deleted, _by_model = ResultSnapshot.objects.filter(requested_at__lt=cutoff).delete()
    return deleted
