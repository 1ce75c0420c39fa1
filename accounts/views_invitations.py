"""The response-rates page of an invitation survey: counts by organisation and region, no names."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from surveys.models import Survey

from .invitations import response_rates
from .permissions import survey_edit_allowed


@login_required
def rates(request: HttpRequest, slug: str) -> HttpResponse:
    survey = get_object_or_404(Survey, slug=slug)
    # A survey the user may not edit reads like one that does not exist (accounts.permissions).
    if not survey_edit_allowed(user=request.user, survey=survey):
        raise Http404
    context = {"survey": survey, "rates": response_rates(survey=survey)}
    return render(request, "invitations/rates.html", context)
