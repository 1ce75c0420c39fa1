"""Uploaded files kept between the steps of an import (the XLSForm languages step).

A file under MEDIA_ROOT, not the cache or the session: MEDIA_ROOT is already shared by every
web and task process (exports are written there), while a local-memory cache is per process and
a session would carry megabytes on every request. Each file is named by an unguessable token
inside its user's folder, so a token alone opens nothing; it lives an hour at most, a user keeps
a few at most, and the upload limit bounds each.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 3600
MAX_PER_USER = 3
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _folder(user_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "import-stash" / str(int(user_id))


def _sweep(folder: Path) -> None:
    """Expired files go; of the rest, only the newest MAX_PER_USER - 1 stay."""
    files = sorted(folder.glob("*.bin"), key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    for number, path in enumerate(files):
        if number >= MAX_PER_USER - 1 or now - path.stat().st_mtime > MAX_AGE_SECONDS:
            path.unlink(missing_ok=True)


def upload_stash(*, user_id: int, content: bytes) -> str:
    """Keep `content` for the user; the token names it in the next step's form."""
    folder = _folder(user_id)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(content)
    return token


def upload_stashed_get(*, user_id: int, token: str) -> bytes | None:
    """The user's kept file, or None when the token is not theirs, malformed or expired."""
    if not _TOKEN.match(token or ""):
        return None
    path = _folder(user_id) / f"{token}.bin"
    try:
        if time.time() - path.stat().st_mtime > MAX_AGE_SECONDS:
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def upload_stash_drop(*, user_id: int, token: str) -> None:
    if _TOKEN.match(token or ""):
        (_folder(user_id) / f"{token}.bin").unlink(missing_ok=True)
