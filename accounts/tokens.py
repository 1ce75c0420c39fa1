"""Personal API tokens: made, checked and revoked here only (`ApiToken` stores digests).

A token reads `snm_<prefix>_<secret>`: the prefix finds the row, the secret (32 random bytes) is
checked against its SHA-256 digest. A fast hash suffices where the secret is random and long (no
dictionary to try), and keeps every API request cheap; the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import ApiToken, AuditEvent

TOKEN_START = "snm_"
PREFIX_LENGTH = 8
# The last use is written at most this often: a script paging through a survey is one update.
LAST_USED_EVERY = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, user: AbstractUser, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` and its text, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name, so that you can tell it apart later."))
    if len(name) > 100:
        raise ValidationError(_("A token's name is at most 100 characters long."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."))
    if api_tokens_active(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("You have %(n)d active tokens: revoke one you no longer use first.")
            % {"n": MAX_TOKENS_PER_USER}
        )
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=_digest(secret), expires_at=expires_at
    )
    detail = {"token": token.prefix, "name": token.name}
    if expires_at is not None:
        detail["expires_at"] = expires_at.isoformat()
    audit_record(user=user, action=AuditEvent.Action.TOKEN_CREATE, survey=None, detail=detail)
    return token, f"{TOKEN_START}{prefix}_{secret}"


def api_token_revoke(*, user: AbstractUser, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s own tokens; None when it is not theirs (or does not exist)."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        detail = {"token": token.prefix, "name": token.name}
        audit_record(user=user, action=AuditEvent.Action.TOKEN_REVOKE, survey=None, detail=detail)
    return token


def api_token_revoke_any(*, token_id: int, by: AbstractUser) -> ApiToken | None:
    """Revoke anyone's token, for a superuser (the admin); audited in `by`'s name.

    None when no such token exists. The conditional update revokes once: two admins revoking
    together leave one audit event, and the first revocation's time stands.
    """
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        return None
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.revoked_at = now
        detail = {"token": token.prefix, "name": token.name, "owner": token.user.get_username()}
        audit_record(user=by, action=AuditEvent.Action.TOKEN_REVOKE, survey=None, detail=detail)
    else:
        token.refresh_from_db(fields=["revoked_at"])
    return token


def api_tokens_active(*, user: AbstractUser) -> QuerySet[ApiToken]:
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return tokens.exclude(expires_at__lte=now)


def api_token_authenticate(*, text: str) -> ApiToken | None:
    """The active token `text` stands for, with its user; None for anything else.

    Unknown, malformed, revoked and expired tokens, and tokens of inactive users, all give None:
    the caller answers them alike, so a guesser learns nothing about which prefixes exist.
    """
    if not text.startswith(TOKEN_START):
        return None
    prefix, sep, secret = text[len(TOKEN_START) :].partition("_")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # The digest is compared even for an unknown prefix, so timing does not tell them apart.
    expected = token.digest if token is not None else "0" * 64
    if not hmac.compare_digest(expected, _digest(secret)) or token is None:
        return None
    if not token.active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
