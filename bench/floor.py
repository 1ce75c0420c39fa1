"""The bench-only URLs: the floor view next to the whole site, and a query count per response.

Served with `bench.bench_settings` by `bench_submit.py`. The floor is the least a web submission
can cost here: one request through the same middleware (sessions, CSRF exemption aside, CSP, ...)
and the same gunicorn, inserting one row. `bench_interactive.py` uses this URLconf in process for
its floor of a results page: a signed-in GET that reads the session and the user and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from config.urls import urlpatterns as site
from surveys.models import Response

QUERIES_HEADER = "X-Bench-Queries"


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    """Insert one response row, as the cheapest possible "submission"."""
    response = Response.objects.create(
        survey_id=int(request.POST["survey"]), language="kk", source=Response.Source.WEB
    )
    return HttpResponse(str(response.pk), content_type="text/plain")


@login_required
@require_safe
def floor_signed_in(request: HttpRequest) -> HttpResponse:
    """The least a signed-in page costs: the whole middleware, the session and user read."""
    return HttpResponse("ok", content_type="text/plain")


def queries_counted(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware: how many SQL statements the request ran, in a response header."""

    def middleware(request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response[QUERIES_HEADER] = str(count)
        return response

    return middleware


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor-signed-in/", floor_signed_in),
    *site,
]
