"""The results page's heavy part, rendered once per snapshot and viewer kind, and how fresh the
page must be: what keeps the page of an unchanged survey fast at a million responses.

The tables, charts, coded tables, "who answered" and contents of a snapshot are the same for
every viewer of one kind (exact or protected), language and interval level, so their HTML is kept
in the cache under the snapshot's identity (its id and computation time: a recomputation makes a
new key) and the coding's version (coded tables are computed from the coding rows, which change
without a new snapshot). A miss renders it as before; the cache only saves the work.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .coding.version import coding_version_get

BODY_SECONDS = 24 * 3600  # a recomputed snapshot has a new key; old entries simply age out
# Each process renders its own first copy: a deployment with other templates or code never
# reads what an older process cached.
PROCESS = uuid.uuid4().hex[:12]


def results_body_key(*, snapshot: Any, exact: bool, k: int, language: str, ci: float | None) -> str:
    computed = snapshot.computed_at.isoformat() if snapshot.computed_at else "-"
    version = coding_version_get(survey_id=snapshot.survey_id)
    viewer = "exact" if exact else f"k{k}"
    parts = ["results-body", PROCESS, str(snapshot.pk), computed, viewer, language, str(ci)]
    return ":".join([*parts, version])


def results_body_render(*, request: HttpRequest, key: str, build: Any) -> SafeString:
    """The body's HTML from the cache, or rendered from `build()` (its template context)."""
    html = cache.get(key)
    if html is None:
        html = render_to_string("analytics/_results_body.html", build(), request=request)
        cache.set(key, html, BODY_SECONDS)
    return mark_safe(html)
