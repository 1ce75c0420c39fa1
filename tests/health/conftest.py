import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def in_process_tasks():
    # Deterministic whatever the environment (CI sets REDIS_URL): tests opt into a broker.
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=True,
        CELERY_BROKER_URL="memory://localhost/",
        HEALTH_CHECK_TIMEOUT=2.0,
        HEALTH_WORKER_MAX_AGE=120,
        HEALTH_WORKER_REQUIRED=True,
    ):
        from django.core.cache import cache

        cache.clear()  # no heartbeat left by an earlier test
        yield


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: a stopped Redis refuses at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
