"""Who may open the questionnaire builder (`/build/`), and which surveys it shows them.

One rule for every builder page, preview and XLSForm route (accounts/permissions.py explains the
choice of 403 and 404):

- anonymous visitors are sent to sign in;
- a signed-in user who is neither a superuser nor in the researcher role gets 403: the answer does
  not depend on any survey;
- a survey the user may not edit answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.permissions import surveys_editable_by
from accounts.roles import RESEARCHER
from surveys.models import Survey

View = Callable[..., HttpResponse]


def builder_allowed(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers, and active users in the researcher role (a template may ask this too)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=RESEARCHER).exists()


def builder_required(view: View) -> View:
    """Sign-in redirect for visitors, 403 for a signed-in user without the researcher role."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not builder_allowed(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def builder_survey_get(*, request: HttpRequest, slug: str) -> Survey:
    """The survey `slug` if the signed-in user may edit it; Http404 otherwise."""
    if not builder_allowed(user=request.user):
        # A caller that forgot the decorator must not leak a survey either.
        raise Http404
    try:
        return surveys_editable_by(user=request.user).get(slug=slug)
    except Survey.DoesNotExist:
        raise Http404 from None
