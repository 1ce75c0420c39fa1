"""What every Celery task of the project shares: its options, how a failure is recorded, and the
request id that follows a task from the request that enqueued it to the worker that runs it.

Tasks take ids, call a service and are safe to run twice (accounts, analytics, surveys tasks).
Every task module imports this one, so the signal receivers below are connected in the web
process (which publishes) and in the worker (which runs) alike.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Token
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.db import OperationalError

from config.request_id import request_id_var

# A worker killed mid-task leaves the message unacknowledged: another worker runs it again.
# Only a lost database connection is worth a retry; anything else is recorded as the job's error.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}

# The message header carrying the id; a retry re-publishes from the worker, where the id is set.
REQUEST_ID_HEADER = "saualnama_request_id"


def task_run(work: Callable[[], object], fail: Callable[[str], None]) -> None:
    """Run `work`; on an error other than a lost connection, record it with `fail` and re-raise."""
    try:
        work()
    except OperationalError:
        raise
    except Exception as exc:
        fail(f"{type(exc).__name__}: {exc}")
        raise


@before_task_publish.connect
def _request_id_publish(headers: dict[str, Any] | None = None, **kwargs: object) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


# The context tokens of running tasks by task id, to restore the id when each ends.
_tokens: dict[str, Token] = {}


def task_request_id(*, task: Any) -> str | None:
    """The id a task was published with: a message header (worker) or the caller's (eager)."""
    request = getattr(task, "request", None)
    found = getattr(request, REQUEST_ID_HEADER, None) if request is not None else None
    if not found and request is not None:
        found = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    # Run eagerly, in the request's own process, the id is already set: keep it.
    return found or request_id_var.get()


@task_prerun.connect
def _request_id_enter(task_id: str | None = None, task: Any = None, **kwargs: object) -> None:
    if task_id is not None:
        _tokens[task_id] = request_id_var.set(task_request_id(task=task))


@task_postrun.connect
def _request_id_leave(task_id: str | None = None, **kwargs: object) -> None:
    token = _tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (a thread pool): clear it instead
            request_id_var.set(None)
