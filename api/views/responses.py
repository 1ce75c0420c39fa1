"""`GET /api/v1/surveys/{slug}/responses/`: complete responses in the wide format, microdata only.

Cursor-paged: `page_size` responses a page (100 unless asked, at most 1000: both stated in every
page), and `next` the address of the following page, null on the last. The cursor is encrypted and
bound to its survey; it holds a position, not an offset (surveys.formats.io.pages), so responses
completed while a client pages through come on later pages and nothing is read twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from analytics.weighting.selectors import response_weights_get
from surveys.formats.io.pages import (
    RESPONSE_ID,
    Position,
    response_public_ids,
    responses_complete,
    responses_page,
    wide_cells_for,
    wide_columns_all,
    wide_typer,
)
from surveys.selectors import survey_schema_cached

from ..access import audit_detail, survey_microdata
from ..cursors import SkipToken, SkipTokenInvalid, skiptoken_decode, skiptoken_encode
from ..errors import ApiError
from ..params import fields_get, labels_get, moment_get, page_size_get
from ..weighting import weighting_get


def _cursor_dump(slug: str, position: Position) -> str:
    return skiptoken_encode(token=SkipToken(position=position), scope=f"responses:{slug}")


def _cursor_load(slug: str, text: str | None) -> Position | None:
    """The position a cursor holds; it is encrypted, since a readable one would give away the
    responses' primary keys (the order in which respondents started)."""
    if not text:
        return None
    try:
        position = skiptoken_decode(text=text, scope=f"responses:{slug}").position
    except SkipTokenInvalid:
        position = None
    if position is None:
        raise ApiError(
            code="invalid_cursor",
            message=_("The cursor is not valid: start again from the first page."),
        )
    return position


PARAMETERS = [
    OpenApiParameter(
        "page_size",
        int,
        description=(
            f"Responses per page: {settings.API_PAGE_SIZE} by default, "
            f"at most {settings.API_PAGE_SIZE_MAX}."
        ),
    ),
    OpenApiParameter("cursor", str, description="From the `next` address of the previous page."),
    OpenApiParameter(
        "submitted_after",
        OpenApiTypes.DATETIME,
        description="Only responses submitted after this moment (ISO 8601).",
    ),
    OpenApiParameter(
        "fields",
        str,
        description="Comma-separated columns; a question code gives all of its columns.",
    ),
    OpenApiParameter(
        "labels",
        str,
        enum=["codes", "kk", "ru"],
        description="Option codes (default), or their labels in Kazakh or Russian.",
    ),
    OpenApiParameter(
        "weights", str, description="A weighting scheme's name: each response gains `weight`."
    ),
]


class Responses(APIView):
    @extend_schema(
        operation_id="responses_list",
        summary="Complete responses, a page at a time (microdata access only)",
        description=(
            "One JSON object per response in the wide format (docs/response-format.md): numbers "
            "as numbers, a multiple choice as a list, no answer as null, and `_id`, a stable "
            "identifier of the response. Follow `next` to the end; it is null on the last page."
        ),
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        params = request.query_params
        schema = survey_schema_cached(survey=survey)
        size = page_size_get(params)
        labels = labels_get(params)
        after = _cursor_load(survey.slug, params.get("cursor"))
        submitted_after: datetime | None = moment_get(params, "submitted_after")
        columns = fields_get(params, columns=wide_columns_all(schema=schema))
        scheme = weighting_get(survey=survey, params=params)
        selected = responses_complete(survey=survey, submitted_after=submitted_after)
        rows, more = responses_page(responses=selected, after=after, limit=size)
        weights = (
            response_weights_get(scheme=scheme, response_ids=[row.id for row in rows])
            if scheme is not None
            else None
        )
        language = None if labels == "codes" else labels
        typed = wide_typer(schema=schema, columns=columns, labels=language)
        records = wide_cells_for(schema=schema, rows=rows)
        results: list[dict[str, Any]] = []
        public_ids = response_public_ids(response_ids=[row.id for row in rows])
        for row, record, public_id in zip(rows, records, public_ids, strict=True):
            item = {RESPONSE_ID: public_id}
            item |= typed(record)
            if weights is not None:
                item["weight"] = weights.get(row.id, 0.0)
            results.append(item)
        next_url = None
        if more:
            query = {k: v for k, v in params.items() if k != "cursor"}
            query["cursor"] = _cursor_dump(survey.slug, (rows[-1].updated_at, rows[-1].id))
            base = reverse("api:responses", args=[survey.slug], request=request)
            next_url = f"{base}?{urlencode(query)}"
        audit_record(
            user=request.user,
            action=AuditEvent.Action.API_RESPONSES,
            survey=survey,
            detail=audit_detail(
                request,
                rows=len(results),
                page_size=size,
                labels=labels,
                fields=params.get("fields"),
                submitted_after=params.get("submitted_after"),
                first_page=after is None,
            ),
        )
        body = {
            "survey": survey.slug,
            "count": selected.count() if after is None else None,
            "page_size": size,
            "page_size_max": settings.API_PAGE_SIZE_MAX,
            "next": next_url,
            "results": results,
        }
        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
        return Response(body, headers=headers)
