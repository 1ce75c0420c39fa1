"""Granting and revoking microdata access by name: the owner's decision, always in the audit log.

A `MicrodataGrant` lifts a results viewer of one survey from aggregates only to microdata (raw
responses, exports, free text; see `accounts.permissions`). It is written here and nowhere else,
so that every change leaves an `AuditEvent` naming the grantee: who could read the answers, and
since when, must be answerable after the fact.

A grant goes only to an active user who already sees the survey's results through a share: a
grant on its own would not open the results pages (`surveys_with_results_for` reads shares), and
a grant to an inactive account would wake up unnoticed if the account were ever reactivated.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey

from .audit import audit_record
from .models import AuditEvent, MicrodataGrant, SurveyShare
from .permissions import AnyUser, survey_sharing_allowed

MESSAGES = {
    "not_owner": _("Only the survey's owner or a superuser grants and revokes microdata access."),
    "inactive": _("%(user)s cannot sign in: an inactive account gets no microdata access."),
    "owner": _("%(user)s owns the survey and sees its microdata already."),
    "no_share": _("Share the survey's results with %(user)s first."),
}


class MicrodataRefused(PermissionDenied):
    """The acting user may not grant or revoke on this survey (a 403 if it reaches a view)."""


class GrantRefused(ValidationError):
    """This user cannot hold a grant on this survey; the message says why."""


def microdata_grant_refusal(*, survey: Survey, user: AbstractUser) -> GrantRefused | None:
    """Why `user` cannot be granted microdata on `survey`, or None: checked before any write.

    The admin's inline calls it from its form validation, so a refusal is shown on the page.
    """
    name = {"user": user.get_username()}
    if not user.is_active:
        return GrantRefused(MESSAGES["inactive"], code="inactive", params=name)
    if survey.owner_id == user.pk:
        return GrantRefused(MESSAGES["owner"], code="owner", params=name)
    if not SurveyShare.objects.filter(survey=survey, user=user).exists():
        return GrantRefused(MESSAGES["no_share"], code="no_share", params=name)
    return None


def _check_actor(*, survey: Survey, by: AnyUser) -> None:
    if not survey_sharing_allowed(user=by, survey=survey):
        raise MicrodataRefused(MESSAGES["not_owner"])


def microdata_grant(*, survey: Survey, user: AbstractUser, by: AnyUser) -> MicrodataGrant:
    """Give `user` microdata access to `survey`; audited. Granting again returns the grant.

    Raises `MicrodataRefused` unless `by` is the owner or a superuser, and `GrantRefused`
    for a grantee who cannot hold a grant (see `microdata_grant_refusal`).
    """
    _check_actor(survey=survey, by=by)
    refusal = microdata_grant_refusal(survey=survey, user=user)
    if refusal is not None:
        raise refusal
    existing = MicrodataGrant.objects.filter(survey=survey, user=user).first()
    if existing is not None:
        # Nothing changes, so nothing is logged: the log records changes of who may read.
        return existing
    try:
        with transaction.atomic():
            grant = MicrodataGrant.objects.create(
                survey=survey, user=user, granted_by=by if by.is_authenticated else None
            )
            audit_record(
                user=by,
                action=AuditEvent.Action.MICRODATA_GRANT,
                survey=survey,
                detail={"user": user.get_username()},
            )
    except IntegrityError:
        # Someone granted the same access between our read and our write: theirs stands,
        # with its own audit row.
        return MicrodataGrant.objects.get(survey=survey, user=user)
    return grant


def microdata_revoke(*, survey: Survey, user: AbstractUser, by: AnyUser) -> bool:
    """Take `user`'s microdata grant on `survey` away; audited. False if there was none.

    Owners and researcher shares keep microdata whatever this does: their access is not a grant.
    """
    _check_actor(survey=survey, by=by)
    with transaction.atomic():
        deleted, _per_model = MicrodataGrant.objects.filter(survey=survey, user=user).delete()
        if not deleted:
            return False
        audit_record(
            user=by,
            action=AuditEvent.Action.MICRODATA_REVOKE,
            survey=survey,
            detail={"user": user.get_username()},
        )
    return True
