"""`GET /api/v1/surveys/` and `GET /api/v1/surveys/{slug}/`: what a caller may see, and its
questionnaire as JSON (the mapping of the YAML definition files, docs/definition-format.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.permissions import (
    MICRODATA,
    surveys_with_microdata_for,
    surveys_with_results_for,
)
from surveys.formats.definitions import questionnaire_export
from surveys.models import Survey

from ..access import audit_detail, survey_visible


def _summary(request: Request, survey: Survey, level: str) -> dict[str, Any]:
    links = {
        "self": reverse("api:survey", args=[survey.slug], request=request),
        "codebook": reverse("api:codebook", args=[survey.slug], request=request),
        "results": reverse("api:results", args=[survey.slug], request=request),
    }
    if level == MICRODATA:
        links["responses"] = reverse("api:responses", args=[survey.slug], request=request)
        links["exports"] = reverse("api:exports", args=[survey.slug], request=request)
        links["odata"] = reverse("api:odata-service", args=[survey.slug], request=request)
    return {
        "slug": survey.slug,
        "title": {"kk": survey.title_kk, "ru": survey.title_ru},
        "status": str(survey.status),
        "default_language": str(survey.default_language),
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "access": level,
        "links": links,
    }


class SurveyList(APIView):
    @extend_schema(
        operation_id="surveys_list",
        summary="The surveys you may see",
        description="Each with your access level on it (`microdata` or `aggregates`) and links.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        surveys = surveys_with_results_for(user=request.user).order_by("slug")
        microdata = set(surveys_with_microdata_for(user=request.user).values_list("pk", flat=True))
        items = [
            _summary(request, s, MICRODATA if s.pk in microdata else "aggregates") for s in surveys
        ]
        return Response({"count": len(items), "results": items})


class SurveyDetail(APIView):
    @extend_schema(
        operation_id="survey_retrieve",
        summary="A survey's metadata and questionnaire",
        description=(
            "`definition` is the questionnaire in the mapping of the YAML definition files "
            "(docs/definition-format.md), texts in Kazakh and Russian."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey, level = survey_visible(request=request, slug=slug)
        body = _summary(request, survey, level)
        body["definition"] = questionnaire_export(survey=survey)
        audit_record(
            user=request.user,
            action=AuditEvent.Action.API_DEFINITION,
            survey=survey,
            detail=audit_detail(request),
        )
        return Response(body)
