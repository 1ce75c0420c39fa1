"""The worker's side of result snapshots: computing them, recording a failure, purging old ones.

Requested by `services.results_request`, run by `tasks.compute_results`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation

from surveys.selectors import survey_schema_get

from .disclosure import results_protect
from .models import JobStatus, ResultSnapshot
from .results import results_tables_build
from .selectors import answer_counts_get, responses_watermark
from .weighting.results import weighted_tables_add
from .weighting.selectors import refusal_text
from .weighting.services import weights_compute


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
    weighting = None
    if snapshot.weighting_id is not None:
        # Weights of the same responses as the counts (a no-op when they are current).
        weighting = weights_compute(scheme_id=snapshot.weighting_id)
        if weighting.status == weighting.Status.ERROR:
            with translation.override(survey.default_language):
                snapshot_fail(snapshot_id=snapshot_id, error=refusal_text(weighting))
            return
    counts = answer_counts_get(
        survey=survey,
        schema=schema,
        filters=snapshot.filters,
        **({"weighting": weighting.pk} if weighting else {}),
    )
    # Exact tables for microdata users; the protected ones for everybody else, from the same
    # counts, so both describe exactly the responses the snapshot says it covers.
    tables = results_tables_build(schema=schema, counts=counts, k=None)
    if weighting is not None:
        tables = weighted_tables_add(
            schema=schema, counts=counts, tables=tables, name=weighting.name
        )
    protected = results_protect(
        schema=schema,
        counts=counts,
        total=count,
        k=survey.min_cell_size,
        filtered=bool(snapshot.filters),
        **(
            {"weighting": weighting.name, "design_effect": weighting.design_effect}
            if weighting
            else {}
        ),
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
        **({"weighting_version": weighting.version} if weighting else {}),
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
