"""Invitations: open one by its token, record its single use, e-mail it, count response rates.

The use of an invitation is recorded inside the transaction that completes the response (see
`surveys.services.response_complete(on_complete=...)`), so that a second completion with the same
token fails on the database's one-to-one key and rolls its response back to a draft. The use
itself carries no reference to the response.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from surveys.models import Survey

from .models import Invitation, InvitationUse


class InvitationUsed(Exception):
    """The invitation has already completed a response; a token completes one response only."""


def invitation_open(*, token: str, survey: Survey | None = None) -> Invitation:
    """The invitation with this token (of this survey); raises `Invitation.DoesNotExist`."""
    invitations = Invitation.objects.select_related("survey")
    if survey is not None:
        invitations = invitations.filter(survey=survey)
    return invitations.get(token=token)


def invitation_is_used(*, invitation: Invitation) -> bool:
    return InvitationUse.objects.filter(invitation=invitation).exists()


def invitation_use(*, invitation: Invitation) -> InvitationUse:
    """Record that the invitation completed a response; raises `InvitationUsed` the second time.

    Meant to run inside the completing transaction: the savepoint keeps that transaction usable
    for the caller's rollback, and a concurrent first use makes this wait for its outcome.
    """
    try:
        with transaction.atomic():
            return InvitationUse.objects.create(invitation=invitation)
    except IntegrityError as error:
        raise InvitationUsed(str(invitation.pk)) from error


def invitation_link(*, invitation: Invitation, base_url: str) -> str:
    path = reverse("surveys:invitation", args=[invitation.survey.slug, invitation.token])
    return base_url.rstrip("/") + path


def invitations_send(
    *, survey: Survey, invitations: Iterable[Invitation], base_url: str
) -> list[Invitation]:
    """E-mail each invitation that has an address its link, in the invitee's language.

    Returns the invitations sent; their `sent_at` is set, also when a later message fails.
    """
    messages: list[tuple[Invitation, mail.EmailMessage]] = []
    for invitation in invitations:
        if invitation.survey_id != survey.pk:
            raise ValueError(f"invitation {invitation.pk} is not for survey {survey.slug}")
        if not invitation.email:
            continue
        context = {
            "survey_title": survey.title(invitation.language),
            "link": invitation_link(invitation=invitation, base_url=base_url),
            "anonymous": survey.anonymous,
        }
        with translation.override(invitation.language):
            subject = render_to_string("invitations/email_subject.txt", context)
            body = render_to_string("invitations/email_body.txt", context)
        message = mail.EmailMessage(" ".join(subject.split()), body, to=[invitation.email])
        messages.append((invitation, message))
    sent: list[Invitation] = []
    try:
        with mail.get_connection() as connection:
            for invitation, message in messages:
                message.connection = connection
                message.send()
                sent.append(invitation)
    finally:
        now = timezone.now()
        Invitation.objects.filter(pk__in=[i.pk for i in sent]).update(sent_at=now)
        for invitation in sent:
            invitation.sent_at = now
    return sent


@dataclass(frozen=True)
class RateRow:
    """Invited and used for one organisation and region; counts are None when suppressed."""

    organisation: str
    region: str
    invited: int | None
    used: int | None

    @property
    def suppressed(self) -> bool:
        return self.invited is None

    @property
    def rate(self) -> float | None:
        if self.invited is None or self.used is None or not self.invited:
            return None
        return self.used / self.invited

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(100 * self.rate, 1)


@dataclass(frozen=True)
class ResponseRates:
    rows: list[RateRow]
    total: RateRow
    min_cell_size: int


def response_rates(*, survey: Survey) -> ResponseRates:
    """Invited and used by organisation and region, with small groups withheld.

    A group of fewer than `survey.min_cell_size` invitations is suppressed, and so, while the
    suppressed groups together hold fewer than that, are the next smallest: otherwise the total
    minus the groups shown would give the small group's counts back.
    """
    k = survey.min_cell_size
    groups = list(
        Invitation.objects.filter(survey=survey)
        .values("organisation", "region")
        .annotate(invited=Count("pk"), used=Count("use"))
        .order_by("invited", "organisation", "region")
    )
    withheld = {i for i, g in enumerate(groups) if g["invited"] < k}
    pooled = sum(groups[i]["invited"] for i in withheld)
    for i, group in enumerate(groups):  # smallest first
        if not 0 < pooled < k:
            break
        if i not in withheld:
            withheld.add(i)
            pooled += group["invited"]
    rows = [
        RateRow(
            organisation=g["organisation"],
            region=g["region"],
            invited=None if i in withheld else g["invited"],
            used=None if i in withheld else g["used"],
        )
        for i, g in enumerate(groups)
    ]
    rows.sort(key=lambda row: (row.organisation, row.region))
    invited = sum(g["invited"] for g in groups)
    used = sum(g["used"] for g in groups)
    shown = invited >= k
    total = RateRow("", "", invited if shown else None, used if shown else None)
    return ResponseRates(rows=rows, total=total, min_cell_size=k)
