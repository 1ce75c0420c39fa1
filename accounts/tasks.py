"""Celery tasks: take ids, call a service, safe to run twice (as in analytics.tasks)."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction

from config.tasks import TASK_OPTIONS, task_run

from .invitations import invitation_uses_settle, surveys_with_unsettled_uses
from .mailing import invitations_mail_send, mail_job_fail, mail_job_queue
from .reminders import reminder_send, reminders_create_due


@shared_task(**TASK_OPTIONS)
def invitations_mail(job_id: int, base_url: str) -> None:
    task_run(
        lambda: invitations_mail_send(job_id=job_id, base_url=base_url),
        lambda error: mail_job_fail(job_id=job_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def reminder_mail(job_id: int) -> None:
    # ReminderFailed carries only the exception's type: the error shown names nobody.
    task_run(
        lambda: reminder_send(job_id=job_id),
        lambda error: mail_job_fail(job_id=job_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def invitation_uses_settle_all() -> int:
    """Every survey with a fresh invitation use gets its uses rewritten (beat: every 10 min)."""
    return sum(
        invitation_uses_settle(survey_id=survey_id) for survey_id in surveys_with_unsettled_uses()
    )


@shared_task(**TASK_OPTIONS)
def reminders_due() -> int:
    """Create and queue the reminder rounds due now (beat: hourly); a round exists only once."""
    jobs = reminders_create_due()
    for job in jobs:
        # Queued here, beside the task it queues, so that `reminders` need not import `tasks`.
        transaction.on_commit(partial(mail_job_queue, reminder_mail, job.pk))
    return len(jobs)
