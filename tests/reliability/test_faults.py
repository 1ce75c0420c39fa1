"""Faults while respondents answer: Redis stopped, a worker killed, the database connection lost,
a double submit. Each test starts what it breaks (a private redis-server, its own workers) and
never touches the shared services; the ones whose servers share rows with the test need
PostgreSQL, and skip with the reason otherwise.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

import surveys.respond.views
import surveys.services
from analytics.models import JobStatus, ResultSnapshot
from analytics.results import results_tables_build
from analytics.selectors import answer_counts_get
from analytics.services import BROKER_DOWN, results_request
from config.celery import app
from surveys.answers import answers_to_wide
from surveys.models import Answer, Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import answer_rows_build
from surveys.validation import response_validate
from tests.factories import answers_fill, survey_2022_load
from tests.threads import in_threads, meeting

from .conftest import broker_use, postgres_required, servers_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
RETRY_FORM = re.compile(r'<form method="post" action="([^"]+)" id="retry-form">(.*?)</form>', re.S)


# A respondent, page by page, through the Django test client.


def pages_of(schema, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The posted fields of each page the respondent sees, in order."""
    answers = response_validate(schema=schema, data=data).answers
    return [
        {k: v for k, v in data.items() if k.partition(".")[0] in section.questions}
        for section in schema.visible_sections(answers)
    ]


def start(client: Client, slug: str) -> str:
    """Start a response; returns the first page's address."""
    reply = client.post(reverse("surveys:start", args=[slug]), follow=True)
    assert reply.status_code == 200
    return reply.request["PATH_INFO"]


def page_url(first: str, number: int) -> str:
    return first.rstrip("/").rsplit("/", 1)[0] + f"/{number}/"


def answer_all(client: Client, slug: str, pages: list[dict[str, Any]]) -> str:
    """A whole questionnaire; returns where the last page sent the respondent."""
    first = start(client, slug)
    for number, fields in enumerate(pages, start=1):
        action = "submit" if number == len(pages) else "next"
        reply = client.post(page_url(first, number), {**fields, "action": action})
        assert reply.status_code == 302, reply.content.decode()[:2000]
    return reply["Location"]


def page_text(reply) -> str:
    return html.unescape(reply.content.decode())


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def snapshot_done(snapshot_id: int) -> ResultSnapshot | None:
    snapshot = ResultSnapshot.objects.get(pk=snapshot_id)
    return snapshot if snapshot.status in (JobStatus.COMPLETE, JobStatus.ERROR) else None


def tables_expected(survey, schema) -> Any:
    counts = answer_counts_get(survey=survey, schema=schema, filters={})
    return json.loads(json.dumps(results_tables_build(schema=schema, counts=counts, k=None)))


# Redis stopped while respondents submit.


def test_with_redis_stopped_answers_are_kept_and_results_say_so_until_it_returns(
    private_redis, mini_survey, mini_schema, admin_client
):
    pages = pages_of(mini_schema, answers_fill(mini_schema))
    results_url = reverse("analytics:results", args=["mini"])
    with broker_use(private_redis.url):
        early = Client()
        first = start(early, "mini")
        assert early.post(first, {**pages[0], "action": "next"}).status_code == 302
        # A task queued before the stop: the web process then holds a connection to the broker.
        admin_client.get(results_url, {"f": "level:central"})

        private_redis.stop()
        finished = early.post(page_url(first, 2), {**pages[1], "action": "submit"})
        assert finished["Location"].endswith("/thanks/")
        assert answer_all(Client(), "mini", pages).endswith("/thanks/")
        assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 2

        for language in ("kk", "ru"):
            reply = admin_client.get(results_url, HTTP_ACCEPT_LANGUAGE=language)
            with translation.override(language):
                expected = gettext("Results cannot be computed right now.")
            assert reply.status_code == 200
            assert expected in page_text(reply), language
        assert ResultSnapshot.objects.get(filters={}).error == BROKER_DOWN

        private_redis.start()
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            admin_client.get(results_url)
            snapshot = ResultSnapshot.objects.get(filters={})
            assert snapshot.error != BROKER_DOWN
            done = wait_for(lambda: snapshot_done(snapshot.pk), 30, "the results task")
        reply = admin_client.get(results_url, HTTP_ACCEPT_LANGUAGE="ru")

    assert done.status == JobStatus.COMPLETE, done.error
    assert done.respondents == 2
    with translation.override("ru"):
        assert gettext("Results cannot be computed right now.") not in page_text(reply)
    assert mini_schema.questions["barriers"].text.get("ru") in page_text(reply)


# A worker killed during a results task.


def worker_start(redis_url: str, marks: Path, log: Path, pool: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "tests.reliability.worker_app", "worker",
        "--pool", pool, "--concurrency", "1", "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": servers_database_url(),
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
        "SAUALNAMA_TEST_MARKS": str(marks),
        "SAUALNAMA_TEST_HOLD": "300",
    }
    output = log.open("a")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )


def worker_stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def runs(marks: Path) -> list[str]:
    """The ids of the processes that ran the task, in order."""
    return marks.read_text().split() if marks.exists() else []


@pytest.mark.parametrize("killed", ["the whole worker", "its pool process"])
def test_a_results_task_whose_worker_is_killed_runs_again_and_makes_one_snapshot(
    killed, private_redis, mini_survey, mini_schema, tmp_path
):
    postgres_required()
    data = answers_fill(mini_schema)
    for changes in ({}, {"barriers": ["gender"]}, {"level": "local", "body": None}):
        surveys.services.response_create(
            survey=mini_survey, data={**data, **changes}, language="kk", source="web"
        )
    expected = tables_expected(mini_survey, mini_schema)
    marks, log = tmp_path / "marks", tmp_path / "workers.log"
    # A dead worker's task waits in Redis until a new worker starts; an OOM-killed pool process
    # is noticed by its parent, which gives the task back at once (reject_on_worker_lost).
    pool = "solo" if killed == "the whole worker" else "prefork"

    with broker_use(private_redis.url):
        workers = [worker_start(private_redis.url, marks, log, pool)]
        try:
            snapshot = results_request(survey=mini_survey, filters={})
            wait_for(lambda: runs(marks), 60, f"a worker to start the task ({log})")
            assert ResultSnapshot.objects.get().status == JobStatus.RUNNING
            if pool == "solo":
                worker_stop(workers[0], signal.SIGKILL)
                # While it is taken to be running, a new request queues nothing more.
                assert results_request(survey=mini_survey, filters={}).pk == snapshot.pk
                workers.append(worker_start(private_redis.url, marks, log, pool))
            else:
                os.kill(int(runs(marks)[0]), signal.SIGKILL)
            done = wait_for(lambda: snapshot_done(snapshot.pk), 60, f"the task to rerun ({log})")
            redis = private_redis.client()
            wait_for(lambda: redis.hlen("unacked") == 0, 10, "the task to be acknowledged")
            assert redis.llen("celery") == 0
        finally:
            for worker in workers:
                worker_stop(worker, signal.SIGKILL)

    first_run, second_run = runs(marks)
    assert first_run != second_run
    assert done.status == JobStatus.COMPLETE, done.error
    assert done.tables == expected
    assert done.respondents == 3
    assert ResultSnapshot.objects.count() == 1


# The database connection lost during a page submit.


def connection_drop() -> None:
    """Have the server end this thread's connection, as a restart or a network cut would."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(servers_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def connection_error() -> None:
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize(("fault", "language"), [(connection_drop, "kk"), (connection_error, "ru")])
def test_a_connection_lost_during_a_page_submit_offers_a_retry_and_loses_no_page(
    fault, language, monkeypatch
):
    if fault is connection_drop:
        postgres_required()
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    data = answers_fill(schema)
    pages = pages_of(schema, data)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    first = start(client, survey.slug)
    for number in (1, 2):
        saved = client.post(page_url(first, number), {**pages[number - 1], "action": "next"})
        assert saved.status_code == 302
    key = first.split("/r/")[1].split("/")[0]
    faults: list[int] = []

    def build_after_fault(**kwargs):
        if not faults:
            faults.append(1)
            fault()
        return answer_rows_build(**kwargs)

    monkeypatch.setattr(surveys.services, "answer_rows_build", build_after_fault)
    reply = client.post(page_url(first, 3), {**pages[2], "action": "next"})

    assert reply.status_code == 503
    text = page_text(reply)
    with translation.override(language):
        for msgid in ("This page was not saved yet", "Your answers on earlier pages are saved."):
            assert gettext(msgid) in text
    again, form = RETRY_FORM.search(reply.content.decode()).groups()
    kept = [(n, v) for n, v in HIDDEN.findall(form) if n != "csrfmiddlewaretoken"]
    fields = {n: [html.unescape(v) for m, v in kept if m == n] for n, _v in kept}
    assert fields.pop("action") == ["next"]
    posted = {k: v if isinstance(v, list) else [str(v)] for k, v in pages[2].items()}
    assert fields == posted
    # The draft holds the two earlier pages exactly, and nothing of the third.
    draft = Response.objects.get(key=key)
    held = answers_to_wide(schema, response_answers_get(response=draft, schema=schema))
    earlier = {**pages[0], **pages[1]}
    assert held == answers_to_wide(schema, response_validate(schema=schema, data=earlier).answers)

    resent = client.post(html.unescape(again), {**fields, "action": "next"})
    assert resent.status_code == 302 and resent["Location"].endswith("/4/")
    for number in range(4, len(pages) + 1):
        action = "submit" if number == len(pages) else "next"
        last = client.post(page_url(first, number), {**pages[number - 1], "action": action})
    assert last["Location"].endswith("/thanks/")
    draft.refresh_from_db()
    assert draft.status == Response.Status.COMPLETE
    stored = answers_to_wide(schema, response_answers_get(response=draft, schema=schema))
    assert stored == answers_to_wide(schema, response_validate(schema=schema, data=data).answers)


def test_a_connection_lost_while_completing_keeps_the_last_page_and_completes_on_retry(
    mini_survey, mini_schema, monkeypatch
):
    postgres_required()
    data = answers_fill(mini_schema)
    pages = pages_of(mini_schema, data)
    client = Client()
    first = start(client, "mini")
    assert client.post(first, {**pages[0], "action": "next"}).status_code == 302
    faults: list[int] = []
    real = surveys.services.answers_to_wide

    def whole_after_fault(*args, **kwargs):  # called only by response_complete
        if not faults:
            faults.append(1)
            connection_drop()
        return real(*args, **kwargs)

    monkeypatch.setattr(surveys.services, "answers_to_wide", whole_after_fault)
    reply = client.post(page_url(first, 2), {**pages[1], "action": "submit"})

    assert reply.status_code == 503
    draft = Response.objects.get()
    assert draft.status == Response.Status.DRAFT
    # The last page was saved in a transaction of its own; only the completion was lost.
    held = answers_to_wide(mini_schema, response_answers_get(response=draft, schema=mini_schema))
    assert held == answers_to_wide(
        mini_schema, response_validate(schema=mini_schema, data=data).answers
    )
    again, form = RETRY_FORM.search(reply.content.decode()).groups()
    fields: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(form):
        fields.setdefault(name, []).append(html.unescape(value))
    resent = client.post(html.unescape(again), fields)
    assert resent["Location"].endswith("/thanks/")
    draft.refresh_from_db()
    assert draft.status == Response.Status.COMPLETE
    assert Answer.objects.filter(response=draft).count() == len(
        answer_rows_build(
            schema=mini_schema,
            response_id=draft.pk,
            answers=response_validate(schema=mini_schema, data=data).answers,
        )
    )


def test_a_connection_lost_while_opening_a_page_offers_to_try_again(monkeypatch, mini_survey):
    client = Client()
    first = start(client, "mini")

    def lost(**kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(surveys.respond.views, "response_answers_get", lost)
    reply = client.get(first)

    assert reply.status_code == 503
    with translation.override("kk"):
        assert gettext("This page could not be opened") in page_text(reply)
    assert f'href="{first}"' in reply.content.decode()


# A double submit racing itself.


@pytest.mark.parametrize("meeting_point", ["response_save_page", "response_complete"])
def test_a_double_submit_of_the_last_page_stores_one_response_and_thanks_twice(
    meeting_point, mini_survey, mini_schema, monkeypatch
):
    postgres_required()
    data = answers_fill(mini_schema)
    pages = pages_of(mini_schema, data)
    tab = Client()
    first = start(tab, "mini")
    tab.post(first, {**pages[0], "action": "next"})
    twin = Client()
    twin.cookies = deepcopy(tab.cookies)  # the same browser, the button pressed twice
    # Both requests are past every check of the view before either goes on.
    barrier = meeting()
    real = getattr(surveys.respond.views, meeting_point)

    def together(**kwargs: Any) -> Any:
        barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(surveys.respond.views, meeting_point, together)
    last = page_url(first, 2)
    replies = in_threads(
        *(lambda c=c: c.post(last, {**pages[1], "action": "submit"}) for c in (tab, twin))
    )

    assert [getattr(r, "status_code", r) for r in replies] == [302, 302]
    assert all(r["Location"].endswith("/thanks/") for r in replies)
    assert tab.get(replies[0]["Location"]).status_code == 200
    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    result = response_validate(schema=mini_schema, data=data)
    rows = answer_rows_build(schema=mini_schema, response_id=response.pk, answers=result.answers)
    assert Answer.objects.filter(response=response).count() == len(rows)
