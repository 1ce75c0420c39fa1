"""Liveness and readiness for a load balancer or an orchestrator: codes only, no configuration.

Unauthenticated, and touching neither the session nor the CSRF token, so no cookie is sent.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from health.checks import services_check_recent, services_passed


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    results = services_check_recent()
    passed = services_passed(results=results)
    body = {
        "status": "ok" if passed else "failing",
        "checks": {result.name: result.status for result in results},
    }
    return JsonResponse(body, status=200 if passed else 503)
