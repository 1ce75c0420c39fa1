"""`GET /api/v1/surveys/{slug}/results/`: the tables of the results page as JSON.

The contract of `manage.py results` ({survey, respondents, filters, tables}), with the page's
filter (`f=QUESTION:OPTION`, repeatable). Aggregates-only callers get exactly what the page shows
them: the protected tables of `analytics.disclosure`, or its refusal (403) for a group too small.
A result still being computed answers 202 with Retry-After; ask again.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.permissions import MICRODATA
from analytics.coding.results import coded_document
from analytics.disclosure import protection_note, refusal_message, viewer_results
from analytics.inference import ci_annotate, ci_level_parse
from analytics.models import JobStatus
from analytics.presentation import results_document
from analytics.services import BROKER_DOWN, results_request
from surveys.selectors import survey_schema_get

from ..access import audit_detail, survey_visible
from ..errors import ApiError
from ..params import filters_get, language_get
from ..weighting import weighting_get

RETRY_AFTER_SECONDS = 2


def _ci_get(raw: str | None) -> float | None:
    """`ci=90|95|99`, the level of the confidence intervals; None without it."""
    try:
        return ci_level_parse(raw)
    except ValueError:
        message = _("The confidence level is 90, 95 or 99 (for example ci=95).")
        raise ApiError(code="invalid_ci", message=message, status_code=400) from None


class Results(APIView):
    @extend_schema(
        operation_id="results_retrieve",
        summary="The results tables, for the whole survey or a filtered group",
        description=(
            "One table per closed question, labels in `language` (kk or ru; else the request's "
            "Accept-Language). Aggregates-only access gets perturbed counts and the refusal of a "
            "group too small, as on the results page (docs/privacy.md)."
        ),
        parameters=[
            OpenApiParameter(
                "f", str, many=True, description="QUESTION:OPTION; repeat for more options."
            ),
            OpenApiParameter("language", str, enum=["kk", "ru"]),
            OpenApiParameter(
                "ci",
                str,
                enum=["90", "95", "99"],
                description="Add confidence intervals at this level (ci_low, ci_high, ...).",
            ),
            OpenApiParameter(
                "weights", str, description="A weighting scheme's name: weighted tables."
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey, level = survey_visible(request=request, slug=slug)
        schema = survey_schema_get(survey=survey)
        filters = filters_get(schema=schema, items=request.query_params.getlist("f"))
        language = language_get(request.query_params)
        ci = _ci_get(request.query_params.get("ci"))
        scheme = weighting_get(survey=survey, params=request.query_params)
        snapshot = results_request(survey=survey, filters=filters, weighting=scheme)
        exact = level == MICRODATA
        # A snapshot from before the disclosure control has no protected tables yet: wait for
        # the recomputation results_request has queued, as the page does.
        ready = snapshot.tables is not None and (exact or snapshot.protected is not None)
        if not ready and snapshot.status == JobStatus.ERROR:
            broker = snapshot.error == BROKER_DOWN
            raise ApiError(
                code="broker_unavailable" if broker else "results_failed",
                message=_("The results cannot be computed just now. Try again in a few minutes."),
                status_code=503,
            )
        if not ready:
            body = {"survey": survey.slug, "status": snapshot.status, "filters": filters}
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return Response(body, status=202, headers=headers)
        shown = viewer_results(snapshot=snapshot, exact=exact, k=survey.min_cell_size)
        detail = audit_detail(request, filters=filters, language=language, access=level)
        if shown.refused:
            raise ApiError(
                code="group_too_small",
                message=refusal_message(shown.refused, k=survey.min_cell_size),
                status_code=403,
            )
        body = results_document(
            slug=survey.slug,
            respondents=shown.respondents,
            filters=filters,
            tables=shown.tables or {},
            schema=schema,
            language=language,
            ci=ci,
        )
        if scheme is not None:
            body["weighted"] = scheme.name
        body |= coded_document(
            survey=survey, schema=schema, filters=filters, language=language, exact=exact
        )
        if ci is not None and "coded" in body:
            body["coded"] = {c: ci_annotate(t, level=ci) for c, t in body["coded"].items()}
        body["access"] = level
        body["computed_at"] = snapshot.computed_at
        body["up_to_date"] = snapshot.status == JobStatus.COMPLETE
        if not exact:
            body["protection"] = protection_note(shown.parameters)
        audit_record(
            user=request.user, action=AuditEvent.Action.API_RESULTS, survey=survey, detail=detail
        )
        return Response(body)
