"""The Celery app. Without REDIS_URL tasks run eagerly, in the calling process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("saualnama")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Not an app of its own, so not found by the line above: its stash purge is on the schedule below.
app.autodiscover_tasks(["surveys.builder"])
# The re-queue of lost work calls the services, which import analytics.tasks: its own module.
app.autodiscover_tasks(["analytics"], related_name="periodic")

# Periodic work, a static schedule kept with the app (no database scheduler to run or migrate):
# each task is idempotent and safe when two beats run by mistake. Run `celery -A config beat`
# beside the workers. Without Redis (`make demo`) nothing periodic runs.
app.conf.beat_schedule = {
    # Invitation uses are rewritten in batches, so that no row ties a use to its response:
    # the bound on how long a fresh use stays linkable (docs/privacy.md).
    "invitation-uses-settle": {
        "task": "accounts.tasks.invitation_uses_settle_all",
        "schedule": 600.0,
    },
    "reminders-send": {"task": "accounts.tasks.reminders_due", "schedule": 3600.0},
    "drafts-purge": {"task": "surveys.tasks.drafts_purge", "schedule": 3600.0},
    "snapshots-purge": {"task": "analytics.tasks.snapshots_purge", "schedule": 86400.0},
    # Snapshots and exports whose task was lost (a broker restarted empty, a worker died, the
    # broker down when they were asked for): queued again, so that nobody has to ask twice.
    "stale-jobs-requeue": {"task": "analytics.periodic.stale_jobs_requeue_all", "schedule": 300.0},
    # Workers' heartbeat for /health/ready (health.tasks); it expires, so that a backlog of them
    # never piles up in a queue nobody serves.
    "worker-heartbeat": {
        "task": "health.tasks.worker_heartbeat",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Old exports and their files in storage (EXPORT_RETENTION_DAYS); stashed import files past
    # their hour (surveys.builder.stash), which a user who never came back would leave.
    "exports-purge": {"task": "analytics.tasks.exports_purge", "schedule": 3600.0},
    "import-stash-purge": {"task": "surveys.builder.tasks.import_stash_purge", "schedule": 3600.0},
}
