"""Who may see what: the checks views call. Object-level sharing comes with the accounts issue."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from surveys.models import Survey

from .roles import RESULTS_ADMIN


def survey_results_allowed(*, user: User | AnonymousUser, survey: Survey) -> bool:
    """Superusers, the survey's owner, and members of the results-admin group."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or survey.owner_id == user.pk:
        return True
    return user.groups.filter(name=RESULTS_ADMIN).exists()


def surveys_with_results_for(*, user: User | AnonymousUser) -> QuerySet[Survey]:
    """The surveys whose results `user` may see, by the same rule as `survey_results_allowed`."""
    if not (user.is_authenticated and user.is_active):
        return Survey.objects.none()
    if user.is_superuser or user.groups.filter(name=RESULTS_ADMIN).exists():
        return Survey.objects.all()
    return Survey.objects.filter(owner=user)
