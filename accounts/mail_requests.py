"""Invitation e-mails asked for in the admin: a job recorded and audited, queued after the commit.

Apart from `mailing` (the worker's side) so that the module that queues a task stands above
`tasks`, and `tasks` imports only the work: no import runs back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from surveys.models import Survey

from .audit import audit_record
from .mailing import mail_job_queue
from .models import AuditEvent, Invitation, MailJob
from .permissions import AnyUser
from .tasks import invitations_mail


def mail_job_request(
    *, survey: Survey, invitations: Iterable[Invitation], user: AnyUser, base_url: str
) -> MailJob:
    """Record a job sending these invitations' e-mails, audit it, queue it after the commit."""
    ids = sorted({invitation.pk for invitation in invitations if invitation.survey_id == survey.pk})
    with_address = Invitation.objects.filter(pk__in=ids).exclude(email="").count()
    with transaction.atomic():
        job = MailJob.objects.create(
            survey=survey,
            kind=MailJob.Kind.INVITATIONS,
            invitation_ids=ids,
            total=with_address,
            skipped=len(ids) - with_address,
            requested_by=user if getattr(user, "pk", None) else None,
        )
        audit_record(
            user=user,
            action=AuditEvent.Action.INVITATIONS_SEND,
            survey=survey,
            detail={"job": job.pk, "count": len(ids)},
        )
        transaction.on_commit(lambda: mail_job_queue(invitations_mail, job.pk, base_url))
    return job
