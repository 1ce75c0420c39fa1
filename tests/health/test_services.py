"""The broker and cache checks against a real Redis, and against one that is stopped."""

import pytest
from django.test import override_settings

from health.checks import FAILED, OK, services_check
from tests.redis_dbs import redis_test_url

pytestmark = [pytest.mark.services, pytest.mark.django_db]

# A database number of its own, so a developer's Redis keeps its keys.
REDIS = redis_test_url("broker")


def redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.fixture
def redis_up():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS} (start redis-server)")


def statuses(**overrides) -> dict[str, str]:
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, **overrides):
        return {result.name: result.status for result in services_check()}


def test_a_reachable_redis_passes(redis_up):
    result = statuses(CELERY_BROKER_URL=REDIS, CACHES=redis_cache(REDIS))
    assert (result["broker"], result["cache"]) == (OK, OK)


def test_a_stopped_redis_fails(redis_up, closed_port):
    stopped = f"redis://127.0.0.1:{closed_port}/15"
    result = statuses(CELERY_BROKER_URL=stopped, CACHES=redis_cache(stopped))
    assert (result["broker"], result["cache"], result["worker"]) == (FAILED, FAILED, FAILED)
    assert result["database"] == result["storage"] == OK
