"""Invitation e-mails as background jobs: requested in the admin, sent by a worker, with progress.

The admin's request (`mail_requests.mail_job_request`) only records a `MailJob` (which
invitations, how many have an address) and queues it once the transaction commits; the worker
sends each message in the invitee's language and counts its progress on the job. A job run twice
(a lost worker, a second delivery) sends nothing twice: each invitation's `sent_at` is set the
moment its message is out, and the worker skips the job's invitations sent since the job was
requested.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core import mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey

from .invitations import invitation_message
from .models import Invitation, MailJob

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)

BROKER_DOWN = _("The task queue could not be reached; ask an administrator to start it.")


def mail_job_queue(task: Task, job_id: int, *args: object) -> None:
    """Queue the job's task; a broker that cannot be reached leaves the job failed, not pending.

    The task comes as an argument: this module stands below `tasks`, which imports it.
    """
    try:
        task.delay(job_id, *args)
    except Exception as exc:  # any broker failure means the job was not queued
        logger.warning("Mail job %s not queued: %s", job_id, exc)
        mail_job_fail(job_id=job_id, error=str(BROKER_DOWN))


def mail_job_start(*, job_id: int) -> MailJob | None:
    """Mark the job running; None when it has already finished (a second delivery)."""
    with transaction.atomic():
        job = MailJob.objects.select_for_update().select_related("survey").get(pk=job_id)
        if job.status == MailJob.Status.COMPLETE:
            return None
        MailJob.objects.filter(pk=job_id).update(status=MailJob.Status.RUNNING, error="")
    return job


def mail_job_finish(*, job_id: int) -> None:
    MailJob.objects.filter(pk=job_id).update(
        status=MailJob.Status.COMPLETE, finished_at=timezone.now()
    )


def mail_job_fail(*, job_id: int, error: str) -> None:
    MailJob.objects.filter(pk=job_id).update(status=MailJob.Status.ERROR, error=error)


def invitations_mail_send(*, job_id: int, base_url: str) -> int:
    """Send the job's invitation e-mails not sent since it was requested; returns how many now."""
    job = mail_job_start(job_id=job_id)
    if job is None:
        return 0
    invitations = (
        Invitation.objects.filter(pk__in=job.invitation_ids, survey=job.survey)
        .exclude(email="")
        .order_by("pk")
    )
    # What an earlier run of this job (or a later job) has sent already.
    done = invitations.filter(sent_at__gte=job.requested_at)
    MailJob.objects.filter(pk=job_id).update(sent=done.count())
    sent = 0
    with mail.get_connection() as connection:
        for invitation in invitations.exclude(pk__in=done.values("pk")).iterator():
            invitation.survey = job.survey
            message = invitation_message(invitation=invitation, base_url=base_url)
            message.connection = connection
            message.send()
            # At once, so that a rerun after a crash sends at most this one message again.
            Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
            MailJob.objects.filter(pk=job_id).update(sent=F("sent") + 1)
            sent += 1
    mail_job_finish(job_id=job_id)
    return sent


def mail_jobs_for(*, survey: Survey) -> list[MailJob]:
    """The survey's jobs, newest first: what the progress page shows (counts, never names)."""
    return list(MailJob.objects.filter(survey=survey).select_related("requested_by"))
