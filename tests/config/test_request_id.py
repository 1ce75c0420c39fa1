"""A request id per request: taken from a well-formed proxy header or generated, on the response,
and carried by the tasks the request enqueues into their log lines."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from celery import shared_task
from django.http import HttpResponse
from django.test import RequestFactory

from config.request_id import RequestIdFilter, RequestIdMiddleware, request_id_var
from config.tasks import (
    REQUEST_ID_HEADER,
    _request_id_enter,
    _request_id_leave,
    _request_id_publish,
)

seen: list[str | None] = []


@pytest.fixture(autouse=True)
def _no_request_id():
    # The middleware leaves the id set until request_finished, which RequestFactory never sends.
    request_id_var.set(None)
    yield
    request_id_var.set(None)


@shared_task(name="tests.config.request_id_probe")
def request_id_probe() -> None:
    import logging

    seen.append(request_id_var.get())
    logging.getLogger("saualnama.probe").warning("probe ran")


def _through_middleware(view=None, **headers: str) -> tuple[HttpResponse, list[str | None]]:
    ids: list[str | None] = []

    def get_response(request):
        ids.append(request_id_var.get())
        return (view or (lambda r: HttpResponse()))(request)

    request = RequestFactory().get("/", **headers)
    response = RequestIdMiddleware(get_response)(request)
    assert request.request_id == ids[0]
    return response, ids


def test_an_id_is_generated_when_the_proxy_sent_none():
    response, ids = _through_middleware()
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert ids == [response["X-Request-ID"]]
    other, _ids = _through_middleware()
    assert other["X-Request-ID"] != response["X-Request-ID"]


def test_a_well_formed_proxy_id_is_kept():
    response, ids = _through_middleware(HTTP_X_REQUEST_ID="f3a9c2e0-77aa-4c1b-9e2d-0123456789ab")
    assert response["X-Request-ID"] == "f3a9c2e0-77aa-4c1b-9e2d-0123456789ab"
    assert ids == ["f3a9c2e0-77aa-4c1b-9e2d-0123456789ab"]


@pytest.mark.parametrize(
    "given",
    ["short", "x" * 65, "abc def ghij", "abcdefgh\nINJECTED line", "abcdefgh;rm", "абвгдежзий"],
)
def test_a_malformed_proxy_id_is_replaced(given):
    response, _ids = _through_middleware(HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_proxy_header_is_ignored_when_no_meta_key_is_trusted(settings):
    settings.REQUEST_ID_META = ""
    response, _ids = _through_middleware(HTTP_X_REQUEST_ID="f3a9c2e0-77aa-4c1b")
    assert response["X-Request-ID"] != "f3a9c2e0-77aa-4c1b"


def test_the_filter_puts_the_id_on_each_record_and_a_dash_outside_requests():
    import logging

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
    token = request_id_var.set("abcdefgh-1234")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        RequestIdFilter().filter(record)
        assert record.request_id == "abcdefgh-1234"
    finally:
        request_id_var.reset(token)


def test_a_task_enqueued_during_a_request_logs_with_its_id(settings, caplog):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    seen.clear()

    def view(request):
        request_id_probe.delay()
        return HttpResponse()

    with caplog.at_level("WARNING", logger="saualnama.probe"):
        response, _ids = _through_middleware(view, HTTP_X_REQUEST_ID="abcdefgh-task-0001")
    assert seen == ["abcdefgh-task-0001"]
    (record,) = [r for r in caplog.records if r.name == "saualnama.probe"]
    RequestIdFilter().filter(record)
    assert record.request_id == response["X-Request-ID"] == "abcdefgh-task-0001"


def test_publishing_puts_the_id_in_the_message_headers():
    headers: dict = {}
    _request_id_publish(headers=headers)
    assert REQUEST_ID_HEADER not in headers  # outside a request: nothing
    token = request_id_var.set("abcdefgh-pub-01")
    try:
        _request_id_publish(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers[REQUEST_ID_HEADER] == "abcdefgh-pub-01"


def test_the_worker_sets_the_id_from_the_message_for_the_task_and_clears_it_after():
    # In a worker, custom message headers become attributes of task.request.
    task = SimpleNamespace(request=SimpleNamespace(**{REQUEST_ID_HEADER: "abcdefgh-worker"}))
    assert request_id_var.get() is None
    _request_id_enter(task_id="t1", task=task)
    assert request_id_var.get() == "abcdefgh-worker"
    _request_id_leave(task_id="t1")
    assert request_id_var.get() is None
    # A task published outside any request runs without an id, not the previous task's.
    _request_id_enter(task_id="t2", task=SimpleNamespace(request=SimpleNamespace(headers=None)))
    assert request_id_var.get() is None
    _request_id_leave(task_id="t2")


@pytest.mark.django_db
def test_a_real_request_returns_its_id_and_leaves_none_set_after(client):
    response = client.get("/", HTTP_X_REQUEST_ID="abcdefgh-client-01")
    assert response["X-Request-ID"] == "abcdefgh-client-01"
    assert request_id_var.get() is None  # cleared when the request finished
