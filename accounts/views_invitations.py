"""An invitation survey's pages for its editors: response rates, e-mail progress, mail-merge links.

None names who answered: rates are counts by organisation and region, e-mail jobs are counts.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from surveys.models import Survey

from .invitations import (
    LINKS_REFUSED,
    LinksRefused,
    invitation_links_write,
    response_rates,
    survey_before_opening,
)
from .mailing import mail_jobs_for
from .permissions import survey_edit_allowed


def _editable_survey(request: HttpRequest, slug: str) -> Survey:
    survey = get_object_or_404(Survey, slug=slug)
    # A survey the user may not edit reads like one that does not exist (accounts.permissions).
    if not survey_edit_allowed(user=request.user, survey=survey):
        raise Http404
    return survey


@login_required
def rates(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _editable_survey(request, slug)
    context = {"survey": survey, "rates": response_rates(survey=survey)}
    return render(request, "invitations/rates.html", context)


def _overview(request: HttpRequest, survey: Survey, refused: str = "", status: int = 200):
    context = {
        "survey": survey,
        "jobs": mail_jobs_for(survey=survey),
        "links_allowed": survey_before_opening(survey=survey),
        "refused": refused,
    }
    return render(request, "invitations/overview.html", context, status=status)


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """The survey's invitation e-mails and reminders with their progress, and the links download."""
    return _overview(request, _editable_survey(request, slug))


@login_required
@require_GET
def links(request: HttpRequest, slug: str) -> HttpResponse:
    """Every personal link as CSV, for a mail merge; before the survey opens only; audited."""
    survey = _editable_survey(request, slug)
    out = io.StringIO(newline="")
    try:
        invitation_links_write(
            survey=survey, user=request.user, base_url=request.build_absolute_uri("/"), out=out
        )
    except LinksRefused:
        return _overview(request, survey, refused=str(LINKS_REFUSED), status=403)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-links.csv"'
    # A list of working links: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response
