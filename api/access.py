"""A survey as the caller may see it: the one rule every API view starts from.

As on the pages: a survey whose results the caller may not see does not exist (404); one whose
results they see at the aggregates level refuses microdata with 403, since its existence is no
secret to them.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.permissions import MICRODATA, survey_access_level, surveys_with_results_for
from surveys.models import Survey

from .errors import ApiError


def survey_visible(*, request: Request, slug: str) -> tuple[Survey, str]:
    """The survey and the caller's access level on it (`MICRODATA` or `AGGREGATES`)."""
    survey = surveys_with_results_for(user=request.user).filter(slug=slug).first()
    level = survey_access_level(user=request.user, survey=survey) if survey else None
    if survey is None or level is None:
        raise Http404
    return survey, level


def survey_microdata(*, request: Request, slug: str) -> Survey:
    from django.utils.translation import gettext as _

    survey, level = survey_visible(request=request, slug=slug)
    if level != MICRODATA:
        raise ApiError(
            code="microdata_not_allowed",
            message=_(
                "Your access to this survey is to aggregated results only: single responses "
                "are not shown to you."
            ),
            status_code=403,
        )
    return survey


def audit_detail(request: Request, **more: object) -> dict[str, object]:
    """What the audit log keeps of an API read: the token used (its prefix) and the request."""
    detail: dict[str, object] = {"via": "api"}
    if isinstance(request.auth, ApiToken):
        detail["token"] = request.auth.prefix
    detail.update({k: v for k, v in more.items() if v not in (None, "", [], {})})
    return detail
