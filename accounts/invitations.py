"""Invitations: open one by its token, record its single use, e-mail it, count response rates.

The use of an invitation is recorded inside the transaction that completes the response (see
`surveys.services.response_complete(on_complete=...)`), so that a second completion with the same
token fails on the database's one-to-one key and rolls its response back to a draft. The use
itself carries no reference to the response; but a row written in that transaction shares its
`xmin` and sits next to the response in insertion order, so `invitation_uses_settle` rewrites a
survey's uses together, in a random order, a few minutes later (beat: accounts.tasks).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from surveys.formats.io import csv_text_protect
from surveys.models import Survey

from .audit import audit_record
from .models import AuditEvent, Invitation, InvitationUse
from .permissions import AnyUser

# Shuffles the rewritten uses; the order must not be guessable from anything else in the process.
_shuffle = random.SystemRandom().shuffle


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


def invitation_message(
    *,
    invitation: Invitation,
    base_url: str,
    subject_template: str = "invitations/email_subject.txt",
    body_template: str = "invitations/email_body.txt",
) -> mail.EmailMessage:
    """The e-mail carrying the invitation's personal link, in the invitee's language."""
    survey = invitation.survey
    context = {
        "survey_title": survey.title(invitation.language),
        "link": invitation_link(invitation=invitation, base_url=base_url),
        "anonymous": survey.anonymous,
    }
    with translation.override(invitation.language):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    return mail.EmailMessage(" ".join(subject.split()), body, to=[invitation.email])


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
        invitation.survey = survey
        messages.append((invitation, invitation_message(invitation=invitation, base_url=base_url)))
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


# Before opening, and after --------------------------------------------------------------------


def survey_before_opening(*, survey: Survey, now: datetime | None = None) -> bool:
    """No invitation can have been used yet: the survey is a draft or opens later, and none was.

    The last test covers a survey put back to draft after it had opened.
    """
    now = now or timezone.now()
    waiting = survey.status == Survey.Status.DRAFT or bool(
        survey.opens_at and survey.opens_at > now
    )
    return waiting and not InvitationUse.objects.filter(invitation__survey=survey).exists()


def invitation_grouping_locked(*, survey: Survey) -> bool:
    """Whether an invitation's organisation and region, and the invitation itself, are fixed.

    In an anonymous survey, moving one invitation to another group (or deleting it) and watching
    the response rates would tell whether it was used, however large the groups: the same
    differencing as between two filtered tables. So once the survey may have been answered, the
    groups stay as they are; new invitations may still be added (they are unused).
    """
    return survey.anonymous and not survey_before_opening(survey=survey)


GROUPING_LOCKED = _(
    "The survey has opened: an invitation's organisation and region can no longer be changed, "
    "nor the invitation deleted, because the response rates would then show whether that person "
    "answered."
)


# Personal links for a mail merge --------------------------------------------------------------


class LinksRefused(Exception):
    """The survey has opened: its personal links are no longer given out."""


LINKS_REFUSED = _(
    "Personal links can be downloaded only before the survey opens. Once it is open, whoever "
    "holds a list of links could answer in any invitee's name; send the invitations or "
    "reminders from the platform instead."
)
LINKS_COLUMNS = ("email", "external_id", "organisation", "region", "language", "link")


def invitation_links_write(*, survey: Survey, user: AnyUser, base_url: str, out: TextIO) -> int:
    """Write every invitation's personal link as CSV for a mail merge; audited; returns the count.

    Only before the survey opens (`survey_before_opening`), else `LinksRefused`. Every text
    cell that a spreadsheet would run as a formula is written as text (surveys.formats.io).
    """
    if not survey_before_opening(survey=survey):
        raise LinksRefused(str(LINKS_REFUSED))
    invitations = Invitation.objects.filter(survey=survey).order_by("organisation", "region", "pk")
    out.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(out)
    writer.writerow(LINKS_COLUMNS)
    count = 0
    for invitation in invitations.iterator():
        invitation.survey = survey
        link = invitation_link(invitation=invitation, base_url=base_url)
        cells = [getattr(invitation, column) for column in LINKS_COLUMNS[:-1]] + [link]
        writer.writerow([csv_text_protect(cell) for cell in cells])
        count += 1
    audit_record(
        user=user, action=AuditEvent.Action.LINKS_DOWNLOAD, survey=survey, detail={"count": count}
    )
    return count


# Taking uses out of their completing transaction -------------------------------------------


def invitation_uses_settle(*, survey_id: int) -> int:
    """Rewrite all the survey's invitation uses at once, in a random order; returns how many.

    Each use was inserted by the transaction that completed its response, so on PostgreSQL its
    `xmin` equals (or, from the savepoint, follows) the response's, and uses lie on disk in the
    order their responses were completed. Deleted and inserted again together, every use gets
    this transaction's `xmin` and a place in a shuffled order: neither says which response it
    came with. Nothing happens when every use is settled already (returns 0).

    The rows are locked first, so a completion racing with this one still meets the one-to-one
    key: its insert waits for this transaction and then fails on the re-inserted row.
    """
    with transaction.atomic():
        # A subquery rather than a join: FOR UPDATE then locks the use rows only.
        of_survey = Invitation.objects.filter(survey_id=survey_id).values("pk")
        uses = InvitationUse.objects.select_for_update().filter(invitation_id__in=of_survey)
        rows = list(uses.values_list("invitation_id", "settled"))
        if all(settled for _id, settled in rows):
            return 0
        ids = [invitation_id for invitation_id, _settled in rows]
        _shuffle(ids)
        InvitationUse.objects.filter(invitation_id__in=ids).delete()
        InvitationUse.objects.bulk_create(
            [InvitationUse(invitation_id=invitation_id, settled=True) for invitation_id in ids]
        )
    return len(ids)


def surveys_with_unsettled_uses() -> list[int]:
    """Ids of the surveys that have a use not yet rewritten by `invitation_uses_settle`."""
    unsettled = InvitationUse.objects.filter(settled=False).values("invitation_id")
    return sorted(
        set(Invitation.objects.filter(pk__in=unsettled).values_list("survey_id", flat=True))
    )


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

    A group of fewer than k = `survey.min_cell_size` invitations is withheld. In an anonymous
    survey so is a group in which fewer than k answered or fewer than k did not: "5 invited, 0
    answered" says of each of the five that they did not answer, which is what the survey
    promises nobody will learn. Then, while the withheld groups together are such a group, the
    next smallest is withheld too: otherwise the total minus the groups shown would give them back.
    """
    k = survey.min_cell_size
    anonymous = survey.anonymous

    def small(invited: int, used: int) -> bool:
        if invited < k:
            return invited > 0
        return anonymous and (used < k or invited - used < k)

    groups = list(
        Invitation.objects.filter(survey=survey)
        .values("organisation", "region")
        .annotate(invited=Count("pk"), used=Count("use"))
        .order_by("invited", "organisation", "region")
    )
    withheld = {i for i, g in enumerate(groups) if small(g["invited"], g["used"])}

    def pool_small() -> bool:
        pooled = [groups[i] for i in withheld]
        return bool(pooled) and small(
            sum(g["invited"] for g in pooled), sum(g["used"] for g in pooled)
        )

    for i, _group in enumerate(groups):  # smallest first
        if not pool_small():
            break
        withheld.add(i)
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
    shown = invited >= k and not small(invited, used)
    total = RateRow("", "", invited if shown else None, used if shown else None)
    return ResponseRates(rows=rows, total=total, min_cell_size=k)
