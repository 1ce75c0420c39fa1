"""Celery tasks: call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .drafts import drafts_purge as drafts_purge_run

# Run by the beat schedule (config/celery.py). Deleting is idempotent, so a worker lost midway
# only leaves the rest for the next run; a lost database connection is worth a retry.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(name="surveys.tasks.drafts_purge", **TASK_OPTIONS)
def drafts_purge() -> int:
    """Delete the expired drafts with their answers; returns how many."""
    return drafts_purge_run()
