"""Celery tasks: take ids, call a service, safe to run twice.

They import the work (`snapshots`, `exporting`), never the requests that queue them (`services`).
"""

from __future__ import annotations

from celery import shared_task

from config.tasks import TASK_OPTIONS, task_run

from .exporting import export_build, export_fail
from .exporting import exports_purge as exports_purge_run
from .models import ExportJob
from .report.build import REPORT_KINDS, report_build
from .snapshots import snapshot_compute, snapshot_fail
from .snapshots import snapshots_purge as snapshots_purge_run


@shared_task(**TASK_OPTIONS)
def compute_results(snapshot_id: int) -> None:
    task_run(
        lambda: snapshot_compute(snapshot_id=snapshot_id),
        lambda error: snapshot_fail(snapshot_id=snapshot_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def build_export(job_id: int) -> None:
    # A Word report is queued, re-queued and purged as an export is; only its building differs.
    report = ExportJob.objects.filter(pk=job_id, kind__in=REPORT_KINDS).exists()
    build = report_build if report else export_build
    task_run(
        lambda: build(job_id=job_id),
        lambda error: export_fail(job_id=job_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def snapshots_purge() -> int:
    """Beat: old result snapshots (config/celery.py)."""
    return snapshots_purge_run()


@shared_task(**TASK_OPTIONS)
def exports_purge() -> int:
    """Beat: export jobs past EXPORT_RETENTION_DAYS, with their files (config/celery.py)."""
    return exports_purge_run()
