"""`GET /api/v1/surveys/{slug}/codebook/` (and `codebook.json`, `codebook.csv`): one row per
variable of the wide response format, as `surveys.formats.codebook` builds it."""

from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from analytics.coding.selectors import codebook_coded_get
from surveys.formats.codebook import codebook_csv, codebook_rows
from surveys.selectors import survey_schema_get

from ..access import audit_detail, survey_visible

FORMATS = ("json", "csv")
CSV_DESCRIPTION = (
    "`codebook.json` gives the same JSON; `codebook.csv` gives one line per variable: "
    "texts and values (`code=label; code=label`) in a column per language, the SPSS "
    "names separated by spaces, UTF-8 with a BOM, a text starting like a formula prefixed with "
    "an apostrophe (as the response CSV)."
)


class _CodebookSchema(AutoSchema):
    """Two addresses share the view: the file one gets its own id, its formats and CSV body."""

    def _is_file(self) -> bool:
        return "{fmt}" in self.path

    def get_operation_id(self) -> str:
        return "codebook_file" if self._is_file() else "codebook_retrieve"

    def get_override_parameters(self) -> list[Any]:
        if not self._is_file():
            return super().get_override_parameters()
        fmt = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS))
        return [*super().get_override_parameters(), fmt]

    def get_description(self) -> str:
        if not self._is_file():
            return super().get_description()
        return super().get_description() + " " + CSV_DESCRIPTION

    def get_response_serializers(self) -> Any:
        body = OpenApiResponse(OpenApiTypes.OBJECT, description="`{survey, variables}`")
        if not self._is_file():
            return {200: body}
        return {(200, "application/json"): body, (200, "text/csv"): OpenApiTypes.STR}


class Codebook(APIView):
    """The questionnaire's structure, so both access levels may read it."""

    schema = _CodebookSchema()

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        # The address names the format: an Accept header asking for CSV must not end in 406.
        csv = self.kwargs.get("fmt") == "csv"
        return super().perform_content_negotiation(request, force=force or csv)

    @extend_schema(summary="A survey's codebook")
    def get(self, request: Request, slug: str, fmt: str = "json") -> Response | HttpResponse:
        """One row per variable of the wide response format, in its order: `language`,
        `submitted_at`, every question column, matrix cells (`question.row`) and the texts of
        "other" options (`question.other`). Each row: `variable`, `question`, `section`, `type`,
        `text` and value labels (`values`) in Kazakh and Russian, `required`, `min_choices`,
        `max_choices`, `min`, `max`, the display `condition` as text, and `spss`, the names of
        the SPSS .sav variables the column becomes."""
        if fmt not in FORMATS:
            raise Http404
        survey, _level = survey_visible(request=request, slug=slug)
        schema = survey_schema_get(survey=survey)
        rows = codebook_rows(schema=schema, coded=codebook_coded_get(survey=survey, schema=schema))
        audit_record(
            user=request.user,
            action=AuditEvent.Action.API_CODEBOOK,
            survey=survey,
            detail=audit_detail(request, format=fmt),
        )
        if fmt == "json":
            return Response({"survey": survey.slug, "variables": rows})
        out = io.StringIO(newline="")
        codebook_csv(rows=rows, out=out)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{survey.slug}-codebook.csv"'
        return response
