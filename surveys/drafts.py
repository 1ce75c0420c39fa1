"""Drafts: who may open one, when it expires, purging the expired, and how fast they are made.

A draft is a partial answer held under a resume key. Three rules keep it from outliving its use
or serving anyone but its respondent:

- a draft of an invitation survey carries `invitation_tag`, an HMAC of its invitation's token, and
  opens only for a session holding that token (a leaked resume key alone opens nothing);
- a draft expires `survey.draft_days` after its last save, and every draft expires when its survey
  closes; `drafts_purge` (a beat task, surveys.tasks) deletes the expired ones with their answers;
- `start` makes at most `START_RATE_LIMIT` drafts per `START_RATE_WINDOW` seconds per client
  address and survey, so a script cannot fill the table.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from surveys.models import Answer, Response, Survey

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000


# Invitation drafts


def invitation_tag_for(token: str) -> str:
    """HMAC-SHA256 of the token under SECRET_KEY, hex (64 characters).

    Keyed, so that the tag stored on a draft says nothing to whoever reads the table without
    the secret (the token itself would be a working invitation link).
    """
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def invitation_tag_matches(*, response: Response, token: str | None) -> bool:
    """Whether the session's token is the one the draft was started with (constant time)."""
    if not token or not response.invitation_tag:
        return False
    return hmac.compare_digest(response.invitation_tag, invitation_tag_for(token))


# Expiry


def survey_is_closed(*, survey: Survey, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return survey.status == Survey.Status.CLOSED or bool(
        survey.closes_at and survey.closes_at <= now
    )


def draft_is_expired(*, response: Response, now: datetime | None = None) -> bool:
    """Not saved for `draft_days`, or its survey closed: the draft is gone, purged or not yet."""
    now = now or timezone.now()
    survey = response.survey
    if survey_is_closed(survey=survey, now=now):
        return True
    return response.updated_at < now - timedelta(days=survey.draft_days)


def drafts_expired(*, survey: Survey, now: datetime | None = None) -> QuerySet[Response]:
    """The survey's expired drafts (the same rule as `draft_is_expired`, as a query)."""
    now = now or timezone.now()
    drafts = Response.objects.filter(survey=survey, status=Response.Status.DRAFT)
    if survey_is_closed(survey=survey, now=now):
        return drafts
    return drafts.filter(updated_at__lt=now - timedelta(days=survey.draft_days))


def drafts_purge(*, now: datetime | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete every expired draft with its answers, in batches; returns how many were deleted.

    Idempotent: a second run finds nothing. Each batch is its own transaction and locks its rows,
    so a respondent saving a page at that moment either saves first (and the draft, saved now, is
    no longer expired: the delete re-checks) or finds the draft gone.
    """
    now = now or timezone.now()
    deleted = 0
    # Per survey: draft_days differs between surveys, and a date computed in Python keeps the
    # query the same on SQLite and PostgreSQL. Surveys with drafts are few.
    survey_ids = (
        Response.objects.filter(status=Response.Status.DRAFT)
        .order_by()
        .values_list("survey_id", flat=True)
        .distinct()
    )
    for survey in Survey.objects.filter(pk__in=list(survey_ids)):
        while True:
            with transaction.atomic():
                expired = drafts_expired(survey=survey, now=now)
                ids = list(
                    expired.select_for_update()
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not ids:
                    break
                # Answers first and by id: one DELETE each, without the ORM collecting the
                # cascade row by row.
                Answer.objects.filter(response_id__in=ids).delete()
                deleted += expired.filter(pk__in=ids).delete()[0]
            if len(ids) < batch_size:
                break
    return deleted


# The start rate limit


def client_address(meta: dict[str, object]) -> str:
    """The client address the start limit counts by: an IPv6 address by its /64 network.

    `START_RATE_CLIENT_META` names the request.META key holding it: REMOTE_ADDR by default; behind
    a reverse proxy, the header that proxy sets (for nginx's `X-Real-IP`: HTTP_X_REAL_IP), since
    REMOTE_ADDR would then be the proxy's own address and one limit would cover everyone. Of a
    list (X-Forwarded-For), the last entry is the one the trusted proxy added.
    """
    name = getattr(settings, "START_RATE_CLIENT_META", "REMOTE_ADDR") or "REMOTE_ADDR"
    raw = str(meta.get(name) or meta.get("REMOTE_ADDR") or "")
    address = raw.split(",")[-1].strip()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        # One household or phone gets a whole /64: counting each address would not limit it.
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def start_quota_take(*, survey: Survey, client: str, now: float | None = None) -> int:
    """Count one new draft for this client and survey; 0 when allowed, else seconds to wait.

    Fixed windows of START_RATE_WINDOW seconds, counted with the cache's atomic add and incr
    (a shared cache, Redis, makes the count hold across server processes). The address is kept
    hashed in the key, and only until the window ends. If the cache is unreachable the start is
    allowed: a respondent must not be turned away because the counter is down.
    """
    limit = settings.START_RATE_LIMIT
    window = max(int(settings.START_RATE_WINDOW), 1)
    if limit is None or limit <= 0:
        return 0
    now = time.time() if now is None else now
    bucket = int(now // window)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client}".encode()).hexdigest()[:32]
    key = f"saualnama:start:{survey.pk}:{digest}:{bucket}"
    try:
        cache.add(key, 0, timeout=window + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 60)
            count = 1
    except Exception:  # any cache backend's connection error: fail open, but say so
        logger.warning("start rate limit not counted: the cache is unreachable", exc_info=True)
        return 0
    if count is None:  # django-redis with IGNORE_EXCEPTIONS: the error was logged, fail open
        logger.warning("start rate limit not counted: the cache is unreachable")
        return 0
    if count <= limit:
        return 0
    return max(int((bucket + 1) * window - now), 1)


def drafts_of_invitation(*, survey: Survey, token: str) -> QuerySet[Response]:
    """The drafts started with this invitation (normally one): its invitee resumes from any device
    by opening the invitation link again."""
    return Response.objects.filter(
        survey=survey, status=Response.Status.DRAFT, invitation_tag=invitation_tag_for(token)
    ).order_by("-updated_at")
