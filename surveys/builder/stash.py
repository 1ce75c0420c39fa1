"""Uploaded files kept between the steps of an import (the XLSForm languages step).

Kept in the default storage (local MEDIA_ROOT or the S3 bucket, config/settings/base.py), not the
cache or the session: the storage is shared by every web and task process, while a local-memory
cache is per process and a session would carry megabytes on every request. Each file is named by
an unguessable token under its user's prefix (`import-stash/<user id>/<token>.bin`), so a token
alone opens nothing; it lives an hour at most (its age is the storage's modified time), a user
keeps a few at most, and the upload limit bounds each. `import_stash_purge` (beat) removes what a
user who never came back left behind.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

MAX_AGE_SECONDS = 3600
MAX_PER_USER = 3
ROOT = "import-stash"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _name(user_id: int, token: str) -> str:
    return f"{ROOT}/{int(user_id)}/{token}.bin"


def _listdir(prefix: str) -> tuple[list[str], list[str]]:
    try:
        return default_storage.listdir(prefix)
    except FileNotFoundError:  # a local folder not made yet; S3 answers empty lists
        return [], []


def _modified(name: str) -> datetime | None:
    try:
        return default_storage.get_modified_time(name)
    except FileNotFoundError:  # deleted by another request in between
        return None


def _expired(name: str, now: datetime) -> bool:
    modified = _modified(name)
    return modified is None or now - modified > timedelta(seconds=MAX_AGE_SECONDS)


def _sweep(user_id: int) -> None:
    """Expired files go; of the rest, only the newest MAX_PER_USER - 1 stay."""
    prefix = f"{ROOT}/{int(user_id)}"
    now = timezone.now()
    names = [f"{prefix}/{file}" for file in _listdir(prefix)[1] if file.endswith(".bin")]
    aged = sorted(((default_storage.get_modified_time(name), name) for name in names), reverse=True)
    for number, (modified, name) in enumerate(aged):
        if number >= MAX_PER_USER - 1 or now - modified > timedelta(seconds=MAX_AGE_SECONDS):
            default_storage.delete(name)


def upload_stash(*, user_id: int, content: bytes) -> str:
    """Keep `content` for the user; the token names it in the next step's form."""
    _sweep(user_id)
    token = secrets.token_urlsafe(24)
    default_storage.save(_name(user_id, token), ContentFile(content))
    return token


def upload_stashed_get(*, user_id: int, token: str) -> bytes | None:
    """The user's kept file, or None when the token is not theirs, malformed or expired."""
    if not _TOKEN.match(token or ""):
        return None
    name = _name(user_id, token)
    if not default_storage.exists(name):
        return None
    if _expired(name, timezone.now()):
        default_storage.delete(name)
        return None
    try:
        with default_storage.open(name, "rb") as file:
            return file.read()
    except FileNotFoundError:  # dropped by another request in between
        return None


def upload_stash_drop(*, user_id: int, token: str) -> None:
    if _TOKEN.match(token or ""):
        default_storage.delete(_name(user_id, token))


def import_stash_purge(*, now: datetime | None = None) -> int:
    """Delete every user's stashed files older than MAX_AGE_SECONDS; how many (beat, idempotent)."""
    now = now or timezone.now()
    deleted = 0
    for user in _listdir(ROOT)[0]:
        prefix = f"{ROOT}/{user}"
        for file in _listdir(prefix)[1]:
            name = f"{prefix}/{file}"
            if _expired(name, now):
                default_storage.delete(name)
                deleted += 1
    return deleted
