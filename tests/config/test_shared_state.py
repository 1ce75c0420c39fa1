"""Shared state on several web nodes: the cache in Redis when REDIS_URL is set, sessions in the
database, and a questionnaire edited on one node seen at once on another."""

from __future__ import annotations

import runpy
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from config.settings.services import caches_for
from tests.redis_dbs import redis_test_url

BASE = Path(__file__).resolve().parents[2] / "config/settings/base.py"
REDIS_TEST_URL = redis_test_url("keys")


def _base_settings(monkeypatch, **environment: str) -> dict:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE))


def test_local_memory_without_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert _base_settings(monkeypatch)["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert caches_for(redis_url="") == {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }


def test_django_redis_with_short_timeouts_and_fail_open_with_redis_url(monkeypatch):
    cache = _base_settings(monkeypatch, REDIS_URL="redis://cache.internal:6379/2")["CACHES"]
    default = cache["default"]
    assert default["BACKEND"] == "django_redis.cache.RedisCache"
    assert default["LOCATION"] == "redis://cache.internal:6379/2"
    assert default["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert default["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 2
    assert default["OPTIONS"]["SOCKET_TIMEOUT"] <= 2


@pytest.mark.parametrize("redis_url", ["", "redis://cache.internal:6379/2"])
def test_sessions_are_never_on_one_nodes_disk(monkeypatch, redis_url):
    from django.conf import settings

    engine = _base_settings(monkeypatch, REDIS_URL=redis_url)["SESSION_ENGINE"]
    shared = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}
    assert engine in shared
    assert settings.SESSION_ENGINE in shared
    assert "file" not in engine


@pytest.mark.django_db
def test_starts_go_through_when_redis_is_unreachable(mini_survey, settings):
    from surveys.drafts import start_quota_take

    # Nothing listens on port 1: the connection is refused at once.
    dead = caches_for(redis_url="redis://127.0.0.1:1/0")
    settings.START_RATE_LIMIT = 1
    with override_settings(CACHES=dead):
        began = time.monotonic()
        waits = [start_quota_take(survey=mini_survey, client="10.0.0.1") for _ in range(3)]
    assert waits == [0, 0, 0]
    assert time.monotonic() - began < 5


@pytest.mark.django_db
def test_a_questionnaire_edited_on_one_node_is_seen_at_once_on_another(mini_survey, monkeypatch):
    """Each node keeps schema snapshots in its own memory, keyed by the survey's updated_at as
    read from the shared database in the same request: an edit anywhere changes that stamp."""
    from surveys import selectors
    from surveys.models import Question, Survey

    node_a: dict = {}
    node_b: dict = {}

    def request_on(node: dict):
        monkeypatch.setattr(selectors, "_schemas", node)
        survey = Survey.objects.get(pk=mini_survey.pk)  # each request reads the survey anew
        return selectors.survey_schema_cached(survey=survey)

    before = request_on(node_a)
    assert request_on(node_a) is before  # node A serves its snapshot from memory
    request_on(node_b)
    question = Question.objects.get(survey=mini_survey, code="level")
    question.text_kk = "Жаңа мәтін"
    question.save()  # the edit, made through node B (an admin page's save)
    after = request_on(node_a)
    assert after is not before
    assert after.questions["level"].text.kk == "Жаңа мәтін"
    # A change to an option, saved on its own, touches the survey as well.
    option = question.options.order_by("position", "id").first()
    option.label_kk = "Өзгерді"
    option.save()
    assert request_on(node_a).questions["level"].options[0].label.kk == "Өзгерді"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")


@pytest.mark.services
@pytest.mark.django_db
def test_two_nodes_share_the_start_count_in_redis(mini_survey, settings, monkeypatch):
    _redis_or_skip()
    from django.core.cache import caches

    from surveys import drafts

    # Two cache clients, as two web nodes have; a key prefix of this run only, so that parallel
    # runs sharing the Redis do not count each other's starts.
    node = caches_for(redis_url=REDIS_TEST_URL)["default"]
    node["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.START_RATE_LIMIT = 2
    with override_settings(CACHES={"default": node, "node_a": node, "node_b": dict(node)}):
        node_a, node_b = caches["node_a"], caches["node_b"]
        assert node_a is not node_b
        try:
            monkeypatch.setattr(drafts, "cache", node_a)
            assert drafts.start_quota_take(survey=mini_survey, client="10.0.0.9") == 0
            assert drafts.start_quota_take(survey=mini_survey, client="10.0.0.9") == 0
            monkeypatch.setattr(drafts, "cache", node_b)
            assert drafts.start_quota_take(survey=mini_survey, client="10.0.0.9") > 0
            # With local memory per node, node B would have counted alone and let it through.
            monkeypatch.setattr(drafts, "cache", LocMemCache("node-c", {}))
            assert drafts.start_quota_take(survey=mini_survey, client="10.0.0.9") == 0
        finally:
            node_a.delete_pattern("*")


def test_axes_counts_failed_sign_ins_in_the_database_not_the_cache():
    # Shared by every node through the database already; nothing of it lives in a node's memory.
    from axes.conf import settings as axes_settings

    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
