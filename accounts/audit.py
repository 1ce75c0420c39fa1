"""Writes of the audit log: who took which results out of the platform, and when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.models import Survey

from .models import AuditEvent
from .permissions import AnyUser


def audit_record(
    *,
    user: AnyUser,
    action: AuditEvent.Action | str,
    survey: Survey | None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one event; `detail` holds what was taken (format, filters, language, export id)."""
    signed_in = bool(user.is_authenticated)
    return AuditEvent.objects.create(
        user=user if signed_in else None,
        username=user.get_username() if signed_in else "",
        action=AuditEvent.Action(action),
        survey=survey,
        detail=dict(detail or {}),
    )
