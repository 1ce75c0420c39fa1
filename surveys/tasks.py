"""Celery tasks: call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from config.tasks import TASK_OPTIONS
from surveys.drafts import drafts_purge as drafts_purge_run


@shared_task(name="surveys.tasks.drafts_purge", **TASK_OPTIONS)
def drafts_purge() -> int:
    """Delete the expired drafts with their answers; returns how many."""
    return drafts_purge_run()
