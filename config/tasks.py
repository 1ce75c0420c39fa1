"""What every Celery task of the project shares: its options and how a failure is recorded.

Tasks take ids, call a service and are safe to run twice (accounts, analytics, surveys tasks).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError

# A worker killed mid-task leaves the message unacknowledged: another worker runs it again.
# Only a lost database connection is worth a retry; anything else is recorded as the job's error.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


def task_run(work: Callable[[], object], fail: Callable[[str], None]) -> None:
    """Run `work`; on an error other than a lost connection, record it with `fail` and re-raise."""
    try:
        work()
    except OperationalError:
        raise
    except Exception as exc:
        fail(f"{type(exc).__name__}: {exc}")
        raise
