"""The worker's heartbeat, read by the readiness check (health.checks.worker_check).

Written when a worker starts and then by a periodic task from beat: a heartbeat that a worker
took off the queue proves the whole path (beat, broker, a worker consuming) and not only that a
worker process exists.
"""

from __future__ import annotations

import contextlib

from celery import shared_task
from celery.signals import worker_ready

from health.checks import heartbeat_record


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    heartbeat_record()


@worker_ready.connect
def _worker_ready(**_kwargs: object) -> None:
    # A new worker is ready before beat's next tick: it says so at once.
    # An unreachable cache must not stop the worker from starting.
    with contextlib.suppress(Exception):
        heartbeat_record()
