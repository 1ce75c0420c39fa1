"""Reminders to the invitations not yet used, sent by a worker that nobody watches choose.

Per survey: the first round `reminder_after_days` days after the first invitation e-mails went
out, then one every `reminder_after_days` days, at most `reminder_max` rounds, and none once the
survey has closed. A round is a `MailJob` of kind "reminder"; its unique (survey, round) lets two
beats run by mistake create it once. The worker picks the unused invitations with an address when
it sends, and keeps only counts: no recipient list is stored, shown or logged, and nothing is
written on an invitation (its `sent_at` must not tell used from unused invitations).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from surveys.models import Survey

from .invitations import invitation_message
from .mailing import mail_job_finish, mail_job_start
from .models import Invitation, InvitationUse, MailJob


def site_url() -> str:
    """The address the links in a reminder start with: no request to take it from in a worker.

    `SITE_URL` when the settings have it, else the first named host in ALLOWED_HOSTS over https.
    """
    configured = getattr(settings, "SITE_URL", "")
    if configured:
        return configured.rstrip("/") + "/"
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    return f"https://{hosts[0] if hosts else 'localhost'}/"


def survey_open_now(*, survey: Survey, now: datetime) -> bool:
    if survey.status != Survey.Status.OPEN:
        return False
    if survey.opens_at and survey.opens_at > now:
        return False
    return not (survey.closes_at and survey.closes_at <= now)


def invitations_first_sent(*, survey: Survey) -> datetime | None:
    """When the first invitation e-mails went out: the earliest `sent_at`, or the first job.

    A survey whose invitations went out by the researcher's own mail merge has neither: its
    planned opening (`opens_at`) stands for the day the links were sent.
    """
    moments = [
        Invitation.objects.filter(survey=survey).aggregate(first=Min("sent_at"))["first"],
        MailJob.objects.filter(survey=survey, kind=MailJob.Kind.INVITATIONS)
        .exclude(status=MailJob.Status.ERROR)
        .aggregate(first=Min("requested_at"))["first"],
    ]
    found = [moment for moment in moments if moment is not None]
    return min(found) if found else survey.opens_at


def reminder_round_due(*, survey: Survey, now: datetime | None = None) -> int | None:
    """The number of the reminder round due now, or None."""
    now = now or timezone.now()
    if survey.reminder_max <= 0 or survey.access != Survey.Access.INVITATION:
        return None
    if not survey_open_now(survey=survey, now=now):
        return None
    first = invitations_first_sent(survey=survey)
    if first is None:
        return None
    every = timedelta(days=survey.reminder_after_days)
    last = (
        MailJob.objects.filter(survey=survey, kind=MailJob.Kind.REMINDER).order_by("-round").first()
    )
    if last is None:
        return 1 if now >= first + every else None
    if last.round >= survey.reminder_max:
        return None
    # Counted from the last round itself: a beat that stopped for a while sends one round when
    # it comes back, not all the missed ones in a row.
    return last.round + 1 if now >= last.requested_at + every else None


def reminder_round_create(*, survey: Survey, number: int) -> MailJob | None:
    """The round's job (queued by the beat's task); None when another beat has created it."""
    try:
        with transaction.atomic():
            job = MailJob.objects.create(survey=survey, kind=MailJob.Kind.REMINDER, round=number)
    except IntegrityError:
        return None
    return job


def reminders_create_due(*, now: datetime | None = None) -> list[MailJob]:
    """Create every reminder round due now; the hourly beat's task queues them after the commit."""
    now = now or timezone.now()
    candidates = Survey.objects.filter(
        access=Survey.Access.INVITATION, status=Survey.Status.OPEN, reminder_max__gt=0
    ).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    jobs = []
    for survey in candidates:
        number = reminder_round_due(survey=survey, now=now)
        if number is not None and (job := reminder_round_create(survey=survey, number=number)):
            jobs.append(job)
    return jobs


def reminder_send(*, job_id: int, base_url: str | None = None) -> int:
    """Send one reminder round to the unused invitations with an address; returns how many now.

    Who is reminded exists only in this function's memory. A rerun of an unfinished round
    (a lost worker) skips as many of the current recipients, in invitation order, as the round
    has counted sent already: someone who answered in between shortens the list, so at most that
    many people miss this round (they get the next one); nobody gets it twice.
    """
    job = mail_job_start(job_id=job_id)
    if job is None:
        return 0
    survey = job.survey
    if not survey_open_now(survey=survey, now=timezone.now()):
        # Closed since the round was created: a reminder would lead to a closed survey.
        mail_job_finish(job_id=job_id)
        return 0
    base_url = base_url or site_url()
    used = InvitationUse.objects.filter(invitation__survey=survey).values("invitation_id")
    recipients = (
        Invitation.objects.filter(survey=survey)
        .exclude(email="")
        .exclude(pk__in=used)
        .order_by("pk")
    )
    already = job.sent
    if not already:
        MailJob.objects.filter(pk=job_id).update(total=recipients.count())
    sent = 0
    try:
        with mail.get_connection() as connection:
            for invitation in recipients[already:].iterator():
                invitation.survey = survey
                message = invitation_message(
                    invitation=invitation,
                    base_url=base_url,
                    subject_template="invitations/reminder_subject.txt",
                    body_template="invitations/reminder_body.txt",
                )
                message.connection = connection
                message.send()
                MailJob.objects.filter(pk=job_id).update(sent=F("sent") + 1)
                sent += 1
    except Exception as exc:
        # An SMTP error may quote the address it refused: that would name someone who has not
        # answered on the job's page. Only the kind of error is kept.
        raise ReminderFailed(type(exc).__name__) from None
    mail_job_finish(job_id=job_id)
    return sent


class ReminderFailed(Exception):
    """Sending a round failed; the message holds only the exception's type, never an address."""
