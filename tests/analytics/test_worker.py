"""A real Celery worker on Redis computes the same tables as the in-process path."""

import json
import threading
import time

import pytest
from celery.signals import task_prerun

from analytics.models import JobStatus, ResultSnapshot
from analytics.results import results_tables_build
from analytics.selectors import answer_counts_get
from analytics.services import results_request
from config.celery import app
from surveys.services import response_create
from tests.redis_dbs import redis_test_url

# The worker runs in a thread of its own, so it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

# A database number of its own, so a developer's Redis keeps its keys.
BROKER = redis_test_url("broker")
ANSWERS = {
    "level": "central", "body": "finance", "years": "7", "channels.meeting": "5",
    "channels.phone": "4", "barriers": "perception language", "general": "4",
}  # fmt: skip


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker():
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {BROKER} (start redis-server)")
    from celery.contrib.testing.worker import start_worker

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    reset_connections()
    with app.connection_for_write() as connection:
        connection.default_channel.client.flushdb()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.update(saved)
        reset_connections()


def reset_connections() -> None:
    # The app keeps its connection and producer pools; after a broker change they must go.
    from kombu import pools

    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools outlive the app's


def wait_complete(snapshot_id: int, seconds: float = 30) -> ResultSnapshot:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        snapshot = ResultSnapshot.objects.get(pk=snapshot_id)
        if snapshot.status in (JobStatus.COMPLETE, JobStatus.ERROR):
            return snapshot
        time.sleep(0.2)
    raise AssertionError("the worker did not finish the results task in time")


@pytest.mark.parametrize("filters", [{}, {"level": ["central"]}])
def test_a_worker_computes_the_same_tables_as_the_in_process_path(
    worker, mini_survey, mini_schema, filters
):
    for changes in ({}, {"barriers": "gender"}, {"level": "local", "body": None}):
        response_create(
            survey=mini_survey, data={**ANSWERS, **changes}, language="kk", source="web"
        )
    counts = answer_counts_get(survey=mini_survey, schema=mini_schema, filters=filters)
    expected = json.loads(
        json.dumps(results_tables_build(schema=mini_schema, counts=counts, k=None))
    )

    ran_in: list[str] = []

    def record(**kwargs):
        ran_in.append(threading.current_thread().name)

    task_prerun.connect(record, weak=False)
    try:
        snapshot = results_request(survey=mini_survey, filters=filters)
        done = wait_complete(snapshot.pk)
    finally:
        task_prerun.disconnect(record)
    # Queued on Redis and run by the worker's thread, not in this one.
    assert ran_in and threading.current_thread().name not in ran_in
    assert done.status == JobStatus.COMPLETE, done.error
    assert done.tables == expected
    assert done.respondents == counts.respondents
