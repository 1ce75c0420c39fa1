"""A request id for every request, on its log lines, its response and the tasks it enqueues.

Taken from the proxy's X-Request-ID header when well-formed (so the proxy's access log and ours
share it), generated otherwise. A malformed header is ignored rather than logged: it could carry
anything a client wrote, line breaks included.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9-]{8,64}")

request_id_var: ContextVar[str | None] = ContextVar("saualnama_request_id", default=None)


def request_id_for(*, request: HttpRequest) -> str:
    """The proxy's id when present and well-formed, else a new one."""
    meta_key = getattr(settings, "REQUEST_ID_META", "HTTP_X_REQUEST_ID")
    given = request.META.get(meta_key, "") if meta_key else ""
    if isinstance(given, str) and WELL_FORMED.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every later middleware's and view's log line has the id.

    The id is left set after the response: Django logs 4xx/5xx responses ("Not Found: ...")
    after the middleware chain has returned. It is cleared when the request finishes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request=request)
        request.request_id = request_id
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _request_id_clear(**kwargs: object) -> None:
    # A thread serves one request after another: the next request's lines must not carry this id.
    request_id_var.set(None)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        return True
