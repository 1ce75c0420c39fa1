"""Beat's task that re-queues lost work. Apart from analytics.tasks because it calls the services
(which stand above the tasks they queue): here, nothing imports it back, so no circle forms."""

from __future__ import annotations

from celery import shared_task

from config.tasks import TASK_OPTIONS

from .services import stale_jobs_requeue


@shared_task(**TASK_OPTIONS)
def stale_jobs_requeue_all() -> list[int]:
    """Beat: snapshots and exports whose task was lost, queued again (config/celery.py)."""
    return list(stale_jobs_requeue())
