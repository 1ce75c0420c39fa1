"""Every API error as `{"error": {"code": ..., "message": ...}}`, the message in kk or ru.

The language is the request's (LocaleMiddleware reads Accept-Language). Our own words are used
for the errors DRF raises, so that both languages are complete whatever DRF's catalogues hold.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error of ours with its own code, status and (already translated) message."""

    def __init__(self, *, code: str, message: str, status_code: int = 400) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code


def _message(exc: exceptions.APIException, code: str) -> str:
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return ngettext(
            "Too many requests with this token: try again in %(n)d second.",
            "Too many requests with this token: try again in %(n)d seconds.",
            wait,
        ) % {"n": wait}
    words = {
        "not_authenticated": _(
            "Sign in, or send a personal API token: Authorization: Token snm_..."
        ),
        "permission_denied": _("Your access to this survey does not include this data."),
        "not_found": _("No such survey or resource, or it is not shared with you."),
        "method_not_allowed": _("This method is not allowed here."),
        "not_acceptable": _("This format cannot be given here."),
        "unsupported_media_type": _("Send the request body as JSON."),
        "parse_error": _("The request body is not valid JSON."),
    }
    if code in words:
        return words[code]
    detail = exc.detail
    if isinstance(detail, dict | list):
        return _("The request is not valid.")
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code = getattr(exc, "code", None) or exc.default_code
    if isinstance(exc, exceptions.AuthenticationFailed):
        code = "authentication_failed"
    body: dict[str, Any] = {"code": code, "message": _message(exc, code)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict | list):
        body["fields"] = exc.detail
    response.data = {"error": body}
    if response.status_code == status.HTTP_403_FORBIDDEN and code == "not_authenticated":
        response.status_code = status.HTTP_401_UNAUTHORIZED
    return response
