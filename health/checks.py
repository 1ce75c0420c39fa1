"""Whether the services the platform stands on answer: for the load balancer and the operator.

Each check returns a result, never raises: a status code (`ok`, `failed`, `in_process`) that the
readiness endpoint may publish, and a detail (the exception's short text) that only the operator's
console shows, since it can name hosts and versions. The checks run side by side, each in a thread
of its own, and whatever has not answered by the deadline counts as failed: a dependency that hangs
must not hang the probe that is meant to notice it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connections
from django.utils.translation import gettext as _

OK = "ok"
FAILED = "failed"
IN_PROCESS = "in_process"  # no broker and no worker: tasks run in the calling process

HEARTBEAT_KEY = "health:worker-heartbeat"
STORAGE_PROBE = "health/probe"
DETAIL_MAX = 200


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str = ""  # for the operator only; never sent over HTTP

    @property
    def passed(self) -> bool:
        return self.status in (OK, IN_PROCESS)


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:DETAIL_MAX]


def tasks_in_process() -> bool:
    """Tasks run in the calling process: no broker to reach, no worker to wait for."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)) or broker.startswith(
        "memory://"
    )


def database_check() -> str:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # The check runs in a thread of its own: its connection must not outlive it.
        connection.close()
    return OK


def cache_check() -> str:
    # A value read back, not only a set that succeeded: a cache told to ignore its errors
    # (django-redis' IGNORE_EXCEPTIONS) answers every call and remembers nothing.
    cache = caches["default"]
    key, value = f"health:probe:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    read = cache.get(key)
    cache.delete(key)
    if read != value:
        raise RuntimeError(_("the cache did not return the value just written"))
    return OK


def broker_check(*, timeout: float) -> str:
    if tasks_in_process():
        return IN_PROCESS
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
        )
        try:
            client.ping()
        finally:
            client.close()
        return OK
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)
    return OK


def storage_check() -> str:
    # Read-only: a HEAD on object storage, a stat on a disk. Whether the name exists is beside
    # the point; reaching the storage is what is checked.
    storages["default"].exists(STORAGE_PROBE)
    return OK


def heartbeat_record(*, now: float | None = None) -> None:
    """Note that a worker is alive and consuming tasks (health.tasks, on start and from beat)."""
    max_age = settings.HEALTH_WORKER_MAX_AGE
    caches["default"].set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=max_age * 10)


def worker_check() -> str:
    if tasks_in_process():
        return IN_PROCESS
    seen = caches["default"].get(HEARTBEAT_KEY)
    if seen is None:
        raise RuntimeError(_("no worker heartbeat has been recorded"))
    age = time.time() - float(seen)
    if age > settings.HEALTH_WORKER_MAX_AGE:
        raise RuntimeError(_("the last worker heartbeat is %(seconds)d s old") % {"seconds": age})
    return OK


def _checks(*, timeout: float) -> dict[str, Callable[[], str]]:
    return {
        "database": database_check,
        "cache": cache_check,
        "broker": lambda: broker_check(timeout=timeout),
        "storage": storage_check,
        "worker": worker_check,
    }


def _run(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(name, check())
    except Exception as exc:  # a check reports, it never raises
        return CheckResult(name, FAILED, _failure(exc))


def services_check(*, timeout: float | None = None) -> list[CheckResult]:
    """Every check, in a fixed order, within `timeout` seconds (HEALTH_CHECK_TIMEOUT) in all."""
    timeout = settings.HEALTH_CHECK_TIMEOUT if timeout is None else timeout
    checks = _checks(timeout=timeout)
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    futures = {name: executor.submit(_run, name, check) for name, check in checks.items()}
    futures_wait(futures.values(), timeout=timeout)
    # A hung check's thread is left to finish on its own (every client here has its own
    # timeouts too); the answer does not wait for it.
    executor.shutdown(wait=False, cancel_futures=True)
    late = _("did not answer within %(seconds)s s") % {"seconds": f"{timeout:g}"}
    return [
        future.result() if future.done() else CheckResult(name, FAILED, late)
        for name, future in futures.items()
    ]


_recent_lock = threading.Lock()
_recent: tuple[float, list[CheckResult]] | None = None


def services_check_recent(*, max_age: float | None = None) -> list[CheckResult]:
    """`services_check`, answered from this process's last run when it is younger than `max_age`
    seconds (HEALTH_READY_CACHE_SECONDS).

    The readiness endpoint is public: without this, every request opens a database connection,
    writes to the cache and the storage and asks the broker, so a client hammering it would load
    every service for nothing. Requests arriving together wait for one run and share it.
    """
    global _recent
    max_age = settings.HEALTH_READY_CACHE_SECONDS if max_age is None else max_age
    with _recent_lock:
        now = time.monotonic()
        if _recent is None or max_age <= 0 or now - _recent[0] >= max_age:
            _recent = (now, services_check())
        return _recent[1]


def services_passed(*, results: list[CheckResult]) -> bool:
    required = [r for r in results if r.name != "worker" or settings.HEALTH_WORKER_REQUIRED]
    return all(result.passed for result in required)
