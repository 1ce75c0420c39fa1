"""Celery tasks: take ids, call a service, safe to run twice (as in analytics.tasks)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task
from django.db import OperationalError

from .invitations import invitation_uses_settle, surveys_with_unsettled_uses
from .mailing import invitations_mail_send, mail_job_fail
from .reminders import reminder_send, reminders_create_due

# A worker killed mid-task leaves the message unacknowledged: another worker runs it again.
# Only a lost database connection is worth a retry; anything else is recorded as the job's error.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}


def _run(work: Callable[[], object], fail: Callable[[str], None]) -> None:
    try:
        work()
    except OperationalError:
        raise
    except Exception as exc:
        fail(f"{type(exc).__name__}: {exc}")
        raise


@shared_task(**TASK_OPTIONS)
def invitations_mail(job_id: int, base_url: str) -> None:
    _run(
        lambda: invitations_mail_send(job_id=job_id, base_url=base_url),
        lambda error: mail_job_fail(job_id=job_id, error=error),
    )


@shared_task(**TASK_OPTIONS)
def reminder_mail(job_id: int) -> None:
    # ReminderFailed carries only the exception's type: the error shown names nobody.
    _run(
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
    return len(reminders_create_due())
