"""Celery tasks of the builder: call a service, safe to run twice.

Here, not in `surveys.tasks`: the core of `surveys` imports no interface
(tests/test_architecture.py); config/celery.py discovers this module by name.
"""

from __future__ import annotations

from celery import shared_task

from config.tasks import TASK_OPTIONS

from .stash import import_stash_purge as import_stash_purge_run


@shared_task(name="surveys.builder.tasks.import_stash_purge", **TASK_OPTIONS)
def import_stash_purge() -> int:
    """Delete stashed import files past their hour (surveys.builder.stash); returns how many."""
    return import_stash_purge_run()
