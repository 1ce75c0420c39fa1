"""/health/live and /health/ready with each dependency stopped in turn."""

import json
import time

import pytest
from django.db import OperationalError, connections
from django.test import override_settings

from health import checks
from health.checks import heartbeat_record
from health.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db

ALL_UP = {
    "database": "ok",
    "cache": "ok",
    "broker": "in_process",
    "storage": "ok",
    "worker": "in_process",
}
BROKEN_CACHE = {"default": {"BACKEND": "tests.health.doubles.BrokenCache"}}
DUMMY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def storages_with(backend: str) -> dict:
    return {
        "default": {"BACKEND": backend},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def ready(client) -> tuple[int, dict]:
    response = client.get("/health/ready")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies, "a probe must not create a session or a CSRF cookie"
    return response.status_code, json.loads(response.content)


def failing_only(body: dict, name: str) -> None:
    assert body["status"] == "failing"
    assert body["checks"] == {**ALL_UP, name: "failed"}


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError('could not connect to server: host "db.internal.example"')

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)


@pytest.fixture
def with_worker(monkeypatch):
    """Tasks go to a broker (stubbed as reachable: the broker has its own tests)."""
    monkeypatch.setattr(checks, "broker_check", lambda *, timeout: checks.OK)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://x/0"):
        yield


def test_live_answers_without_checking_anything(client, database_down):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_ready_with_everything_up(client):
    status, body = ready(client)
    assert status == 200
    assert body == {"status": "ok", "checks": ALL_UP}


def test_ready_answers_head_and_refuses_post(client):
    assert client.head("/health/ready").status_code == 200
    assert client.post("/health/ready").status_code == 405


def test_database_down(client, database_down):
    status, body = ready(client)
    assert status == 503
    failing_only(body, "database")


@pytest.mark.parametrize("caches", [BROKEN_CACHE, DUMMY_CACHE], ids=["raises", "forgets"])
def test_cache_down(client, caches):
    with override_settings(CACHES=caches):
        status, body = ready(client)
    assert status == 503
    failing_only(body, "cache")


def test_broker_down(client, closed_port):
    heartbeat_record()  # a worker was seen: only the broker is down
    url = f"redis://127.0.0.1:{closed_port}/0"
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=url):
        started = time.monotonic()
        status, body = ready(client)
    assert time.monotonic() - started < 2
    assert status == 503
    assert body["checks"] == {**ALL_UP, "broker": "failed", "worker": "ok"}


def test_storage_down(client):
    with override_settings(STORAGES=storages_with("tests.health.doubles.BrokenStorage")):
        status, body = ready(client)
    assert status == 503
    failing_only(body, "storage")


def test_a_hanging_dependency_does_not_hang_the_probe(client):
    with override_settings(
        STORAGES=storages_with("tests.health.doubles.HangingStorage"), HEALTH_CHECK_TIMEOUT=0.3
    ):
        started = time.monotonic()
        status, body = ready(client)
    assert time.monotonic() - started < 1.5
    assert status == 503
    failing_only(body, "storage")


def test_worker_never_seen(client, with_worker):
    status, body = ready(client)
    assert status == 503
    assert body["checks"] == {**ALL_UP, "broker": "ok", "worker": "failed"}


def test_worker_heartbeat_too_old(client, with_worker):
    heartbeat_record(now=time.time() - 121)
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["worker"] == "failed"


def test_worker_heartbeat_from_the_task(client, with_worker):
    worker_heartbeat.apply()
    status, body = ready(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {**ALL_UP, "broker": "ok", "worker": "ok"}}


def test_a_missing_worker_can_be_reported_without_failing_readiness(client, with_worker):
    with override_settings(HEALTH_WORKER_REQUIRED=False):
        status, body = ready(client)
    assert status == 200
    assert body["checks"]["worker"] == "failed"


def test_the_body_reveals_no_configuration(client, closed_port, database_down, settings):
    secret_url = f"redis://:hunter2-password@127.0.0.1:{closed_port}/7"
    settings.SECRET_KEY = "a-secret-key-that-must-not-leak"
    settings.REDIS_URL = secret_url
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_URL=secret_url,
        CACHES=BROKEN_CACHE,
        STORAGES=storages_with("tests.health.doubles.BrokenStorage"),
    ):
        response = client.get("/health/ready")
    text = response.content.decode()
    assert response.status_code == 503
    database = settings.DATABASES["default"]
    forbidden = [
        settings.SECRET_KEY, secret_url, "hunter2", str(closed_port), "127.0.0.1",
        str(database["NAME"]), "OperationalError", "ConnectionError", "OSError", "RuntimeError",
        "internal.example", "Traceback",
    ]  # fmt: skip
    forbidden += [str(database[key]) for key in ("HOST", "USER", "PASSWORD") if database.get(key)]
    assert [word for word in forbidden if word in text] == []
    assert set(json.loads(text)["checks"].values()) == {"failed"}


def test_a_starting_worker_is_seen_at_once(client, with_worker):
    from celery.signals import worker_ready

    worker_ready.send(sender=None)
    status, body = ready(client)
    assert (status, body["checks"]["worker"]) == (200, "ok")


def test_readiness_hammered_checks_the_services_once_per_interval(client, monkeypatch):
    runs = []

    def counted():
        runs.append(time.monotonic())
        return [checks.CheckResult("database", checks.OK)]

    monkeypatch.setattr(checks, "services_check", counted)
    monkeypatch.setattr(checks, "_recent", None)
    with override_settings(HEALTH_READY_CACHE_SECONDS=60):
        for _ in range(20):
            assert ready(client)[0] == 200
    assert len(runs) == 1
    # A result older than the interval is not reused: a stopped service shows at the next probe.
    monkeypatch.setattr(checks, "_recent", (time.monotonic() - 61, checks._recent[1]))
    with override_settings(HEALTH_READY_CACHE_SECONDS=60):
        ready(client)
    assert len(runs) == 2
    with override_settings(HEALTH_READY_CACHE_SECONDS=0):
        ready(client)
        ready(client)
    assert len(runs) == 4
