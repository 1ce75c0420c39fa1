"""Who may see and change which survey: the object-level rules that views and the admin call.

Two layers decide every protected page:

- The role groups (`accounts.roles`) hold model permissions: they say which *kinds* of admin page
  a user may open at all (researchers edit questionnaires; results admins edit nothing).
- The rules below say *which surveys*:

  results   superuser; the survey's owner; any `SurveyShare` of the user on the survey
            (researcher or results admin). Being in the results-admin group alone shows nothing.
  editing   superuser; the survey's owner; a researcher share. Never a results-admin share.
  sharing   superuser; the survey's owner.

Results come at one of two access levels (`survey_access_level`):

  microdata   superuser; the owner; a researcher share; a `MicrodataGrant` the owner gave by
              name. Raw responses, exports, free text, the admin's response pages, exact tables.
  aggregates  every other results viewer (a results-admin share): tables, charts, crosstabs and
              their downloads, all through `analytics.disclosure`; never a single response.

Refusals follow one rule, so that a survey's existence never leaks:

- anonymous visitors are sent to sign in (results pages: `login_required`; admin: its login);
  the respondent's draft preview is the exception, answering 404 as to any respondent;
- **404** whenever the answer depends on a survey the user may not see: results pages, exports,
  admin object pages (survey, question, response...) and draft previews. A survey that is not
  yours reads exactly like one that does not exist;
- **403** only where the answer does not depend on any survey: an admin page of a kind the
  user's role does not include (a changelist, an add page, an import or export), which is the
  Django admin's own model-permission check.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Q, QuerySet

from surveys.models import Survey

from .models import MicrodataGrant, SurveyShare

AnyUser = AbstractUser | AnonymousUser


def _signed_in(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def survey_results_allowed(*, user: AnyUser, survey: Survey) -> bool:
    """Superusers, the survey's owner, and users the survey is shared with (either role)."""
    if not _signed_in(user):
        return False
    if user.is_superuser or survey.owner_id == user.pk:
        return True
    return SurveyShare.objects.filter(survey=survey, user_id=user.pk).exists()


MICRODATA = "microdata"
AGGREGATES = "aggregates"


def survey_microdata_allowed(*, user: AnyUser, survey: Survey) -> bool:
    """Superusers, the owner, researcher shares and users granted microdata access by name."""
    if survey_edit_allowed(user=user, survey=survey):
        return True
    if not _signed_in(user):
        return False
    # A grant works beside a share: one left behind by a share deleted some other way opens
    # nothing, as the results pages would not open either.
    granted = MicrodataGrant.objects.filter(survey=survey, user_id=user.pk).exists()
    return granted and survey_results_allowed(user=user, survey=survey)


def survey_access_level(*, user: AnyUser, survey: Survey) -> str | None:
    """`MICRODATA`, `AGGREGATES`, or None when the user may not see the survey's results."""
    if survey_microdata_allowed(user=user, survey=survey):
        return MICRODATA
    if survey_results_allowed(user=user, survey=survey):
        return AGGREGATES
    return None


def survey_edit_allowed(*, user: AnyUser, survey: Survey) -> bool:
    """Superusers, the survey's owner, and users with a researcher share on it."""
    if not _signed_in(user):
        return False
    if user.is_superuser or survey.owner_id == user.pk:
        return True
    return SurveyShare.objects.filter(
        survey=survey, user_id=user.pk, role=SurveyShare.Role.RESEARCHER
    ).exists()


def survey_sharing_allowed(*, user: AnyUser, survey: Survey | None) -> bool:
    """Superusers, and the survey's owner: they decide who else works on it."""
    if not _signed_in(user):
        return False
    return bool(user.is_superuser or (survey is not None and survey.owner_id == user.pk))


def _owned_or_shared(user: AnyUser, shares: QuerySet[SurveyShare]) -> QuerySet[Survey]:
    # A subquery rather than a join: a survey never repeats, and no DISTINCT is needed.
    shared = shares.filter(user_id=user.pk).values("survey_id")
    return Survey.objects.filter(Q(owner_id=user.pk) | Q(pk__in=shared))


def surveys_with_results_for(*, user: AnyUser) -> QuerySet[Survey]:
    """The surveys whose results `user` may see, by the rule of `survey_results_allowed`."""
    if not _signed_in(user):
        return Survey.objects.none()
    if user.is_superuser:
        return Survey.objects.all()
    return _owned_or_shared(user, SurveyShare.objects.all())


def surveys_with_microdata_for(*, user: AnyUser) -> QuerySet[Survey]:
    """The surveys whose microdata `user` may see, by the rule of `survey_microdata_allowed`."""
    if not _signed_in(user):
        return Survey.objects.none()
    if user.is_superuser:
        return Survey.objects.all()
    granted = MicrodataGrant.objects.filter(user_id=user.pk).values("survey_id")
    shared = SurveyShare.objects.filter(user_id=user.pk).values("survey_id")
    with_grant = Survey.objects.filter(pk__in=granted).filter(pk__in=shared)
    return surveys_editable_by(user=user) | with_grant


def surveys_editable_by(*, user: AnyUser) -> QuerySet[Survey]:
    """The surveys `user` may edit, by the rule of `survey_edit_allowed`."""
    if not _signed_in(user):
        return Survey.objects.none()
    if user.is_superuser:
        return Survey.objects.all()
    return _owned_or_shared(user, SurveyShare.objects.filter(role=SurveyShare.Role.RESEARCHER))
