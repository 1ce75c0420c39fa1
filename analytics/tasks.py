"""Celery tasks: take ids, call a service, safe to run twice."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task
from django.db import OperationalError

from .exporting import export_build, export_fail
from .services import snapshot_compute, snapshot_fail
from .services import snapshots_purge as snapshots_purge_run

# A worker killed mid-task leaves the message unacknowledged: another worker runs it again.
# Only a lost database connection is worth a retry; anything else is recorded as the job's error.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


def _run(work: Callable[[], None], fail: Callable[[str], None]) -> None:
    try:
        work()
    except OperationalError:
        raise
    except Exception as exc:
        fail(f"{type(exc).__name__}: {exc}")
        raise


@shared_task(**TASK_OPTIONS)
def compute_results(snapshot_id: int) -> None:
    _run(
        lambda: snapshot_compute(snapshot_id=snapshot_id),
        lambda error: snapshot_fail(snapshot_id=snapshot_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def build_export(job_id: int) -> None:
    _run(
        lambda: export_build(job_id=job_id),
        lambda error: export_fail(job_id=job_id, error=error),
    )


@shared_task
def snapshots_purge() -> int:
    """Beat: old result snapshots (config/celery.py)."""
    return snapshots_purge_run()
