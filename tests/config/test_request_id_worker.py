"""A task published during a request logs, in a real worker process, with that request's id."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.request_id import request_id_var
from tests.redis_dbs import redis_test_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = redis_test_url("keys")

pytestmark = pytest.mark.services


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")


def _lines(log: Path) -> list[dict]:
    found = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
    return found


def _wait_for(log: Path, predicate, seconds: float = 60) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = [x for x in _lines(log) if predicate(x)]
        if lines:
            return lines
        time.sleep(0.3)
    pytest.fail(f"not in the worker's log within {seconds}s:\n{log.read_text()[-3000:]}")


def test_the_worker_logs_a_task_with_the_id_of_the_request_that_enqueued_it(tmp_path):
    _redis_or_skip()
    from celery import Celery

    queue = f"request-id-test-{uuid.uuid4().hex}"  # this run's own queue: parallel runs apart
    log = tmp_path / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "tests.config.worker_probe", "worker",
        "--pool", "solo", "--loglevel", "INFO", "-Q", queue,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    }
    with log.open("a") as output:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(log, lambda x: x.get("logger") == "celery.apps.worker")  # "ready"
        producer = Celery("producer", broker=REDIS_TEST_URL)
        token = request_id_var.set("abcdefgh-web-request-1")
        try:
            producer.send_task("tests.config.worker_probe.probe", args=["one"], queue=queue)
        finally:
            request_id_var.reset(token)
        producer.send_task("tests.config.worker_probe.probe", args=["two"], queue=queue)
        two = _wait_for(log, lambda x: x.get("message") == "probe two ran")
        one = [x for x in _lines(log) if x.get("message") == "probe one ran"]
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        import redis

        redis.Redis.from_url(REDIS_TEST_URL).delete(queue, f"_kombu.binding.{queue}")
    assert one[0]["request_id"] == "abcdefgh-web-request-1"
    # The next task, published outside any request, does not inherit the previous task's id.
    assert two[0]["request_id"] == "-"
