"""An export job's file goes with the job, however it is deleted (admin, cascade, retention)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ExportJob


@receiver(post_delete, sender=ExportJob, dispatch_uid="analytics.export_file_delete")
def export_file_delete(sender: type[ExportJob], instance: ExportJob, **kwargs: Any) -> None:
    # After the commit: a rolled-back delete keeps its job, which must keep its file. Deleting a
    # name already gone is fine for every storage, so two purges at once do no harm.
    name = instance.file.name
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
