"""`/api/v1/odata/{slug}.svc`: service document, `$metadata` and the `Responses` entity set.

Microdata access only, as the raw downloads. Basic authentication comes first so that a refusal
carries `WWW-Authenticate: Basic`, the challenge on which Excel and Power BI ask for a user name
and a password (any name, the API token as the password).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from surveys.selectors import survey_schema_cached

from ..access import audit_detail, survey_microdata
from ..authentication import TokenAuthentication, TokenBasicAuthentication
from .feed import PAGE_SIZE_MAX, feed_page_read
from .metadata import ENTITY_SET, metadata_build
from .options import options_parse, page_size_preferred
from .properties import entity_properties

JSON_TYPE = "application/json;odata.metadata=minimal"


class ODataView(APIView):
    authentication_classes = [
        TokenBasicAuthentication,
        TokenAuthentication,
        SessionAuthentication,
    ]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # OData clients send Accept values (application/xml for $metadata, odata.* parameters)
        # that negotiation would answer with 406; each resource here has one representation.
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["OData-Version"] = "4.0"
        return response


def _metadata_url(request: Request, slug: str) -> str:
    return reverse("api:odata-metadata", args=[slug], request=request)


class ServiceDocument(ODataView):
    @extend_schema(
        operation_id="odata_service",
        summary="OData service document",
        description=(
            "The entity sets of the survey's OData v4 feed: `Responses`. Its CSDL is at "
            "`{slug}.svc/$metadata`; see docs/api.md."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        body = {
            "@odata.context": _metadata_url(request, survey.slug),
            "value": [{"name": ENTITY_SET, "kind": "EntitySet", "url": ENTITY_SET}],
        }
        return Response(body, content_type=JSON_TYPE)


class Metadata(ODataView):
    # Listed in the OpenAPI document by api.schema.odata_metadata_path instead: the generator
    # drops the `$` of the path and would list `.svc/metadata`, which does not exist.
    @extend_schema(exclude=True)
    def get(self, request: Request, slug: str) -> HttpResponse:
        survey = survey_microdata(request=request, slug=slug)
        properties = entity_properties(schema=survey_schema_cached(survey=survey))
        document = metadata_build(survey=survey, properties=properties)
        return HttpResponse(document, content_type="application/xml")


OPTIONS = [
    OpenApiParameter("$filter", str, description="Single-choice codes and submitted_at."),
    OpenApiParameter("$select", str, description="Comma-separated property names."),
    OpenApiParameter("$orderby", str, description="Properties, each with asc or desc."),
    OpenApiParameter("$top", int),
    OpenApiParameter("$skip", int),
    OpenApiParameter("$count", bool),
    OpenApiParameter("$skiptoken", str, description="From @odata.nextLink."),
]


class ResponseSet(ODataView):
    @extend_schema(
        operation_id="odata_responses",
        summary="OData entity set of complete responses (microdata access only)",
        description=(
            f"At most {PAGE_SIZE_MAX} entities a page (fewer with Prefer: odata.maxpagesize), "
            "then @odata.nextLink to the next page."
        ),
        parameters=OPTIONS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        schema = survey_schema_cached(survey=survey)
        options = options_parse(
            params=request.query_params,
            properties=entity_properties(schema=schema),
            scope=survey.slug,
        )
        preferred = page_size_preferred(
            prefer=request.headers.get("Prefer", ""), largest=PAGE_SIZE_MAX
        )
        page = feed_page_read(
            survey=survey, schema=schema, options=options, page_size=preferred or PAGE_SIZE_MAX
        )
        audit_record(
            user=request.user,
            action=AuditEvent.Action.ODATA_READ,
            survey=survey,
            detail=audit_detail(
                request,
                options={k: v for k, v in options.given.items() if k != "$skiptoken"},
                next_page=options.skiptoken is not None,
                rows=len(page.entities),
            ),
        )
        context = f"{_metadata_url(request, survey.slug)}#{ENTITY_SET}"
        if options.selected:
            context += "(" + ",".join(p.name for p in options.properties) + ")"
        body: dict[str, Any] = {"@odata.context": context}
        if page.count is not None:
            body["@odata.count"] = page.count
        body["value"] = page.entities
        if page.next_options is not None:
            here = reverse("api:odata-responses", args=[survey.slug], request=request)
            query = urlencode(page.next_options, quote_via=quote, safe="$,'()")
            body["@odata.nextLink"] = f"{here}?{query}"
        headers = {"Preference-Applied": f"odata.maxpagesize={preferred}"} if preferred else None
        return Response(body, content_type=JSON_TYPE, headers=headers)
