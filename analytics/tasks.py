"""Celery tasks: take ids, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .services import snapshot_compute, snapshot_fail


@shared_task(
    acks_late=True,
    # A worker killed mid-task leaves the message unacknowledged: another worker runs it again.
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def compute_results(snapshot_id: int) -> None:
    try:
        snapshot_compute(snapshot_id=snapshot_id)
    except OperationalError:
        raise
    except Exception as exc:
        snapshot_fail(snapshot_id=snapshot_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def build_export(job_id: int) -> None:
    from .exporting import export_build, export_fail

    try:
        export_build(job_id=job_id)
    except OperationalError:
        raise
    except Exception as exc:
        export_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise
