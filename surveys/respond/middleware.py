"""A database connection lost under a respondent's page: a page to try again, not a server error.

Every page is saved in one transaction, so a connection dropped in the middle rolls that page
back and leaves the earlier pages as they were. The respondent is told so, with the answers just
posted kept in a form that sends them again. Other database errors are bugs and stay 500s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseRetryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        match = request.resolver_match
        if match is None or match.app_name != "surveys":
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        # A broken connection would fail this thread's next request too: drop it, so that the
        # next query (the session, the retry) connects afresh.
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:  # an enclosing transaction (a test's) decides
                continue
            try:
                connection.close_if_unusable_or_obsolete()
            except (OperationalError, InterfaceError):
                connection.close()
        fields = None
        if request.method == "POST":
            fields = [
                (name, value)
                for name in request.POST
                if name != "csrfmiddlewaretoken"
                for value in request.POST.getlist(name)
            ]
        context = {
            "fields": fields,
            "again_url": request.get_full_path(),
            # Rendered without reading the session or the user: the database may still be away.
            "user": AnonymousUser(),
            "perms": PermWrapper(AnonymousUser()),
        }
        response = render(request, "surveys/retry.html", context, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
