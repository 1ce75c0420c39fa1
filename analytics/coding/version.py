"""A token for the state of a survey's coding of open answers, so that what is rendered from
coded tables (the results page's body) is not reused after the coding changes."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction


def coding_version_get(*, survey_id: int) -> str:
    """A token that changes whenever the survey's coding of open answers changes."""
    return cache.get_or_set(f"coding-version:{survey_id}", lambda: uuid.uuid4().hex, None)


def coding_version_bump(*, survey_id: int) -> None:
    """After a coding change commits: pages rendered with the old coded tables are not reused.
    A lost or evicted token is replaced by a new one, which can only cause a miss."""
    transaction.on_commit(lambda: cache.set(f"coding-version:{survey_id}", uuid.uuid4().hex, None))
