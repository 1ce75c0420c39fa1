"""Raw exports through the API, as on the results page and by the same Celery jobs.

`POST .../exports/` starts one and answers 202 with its address in `Location`; `GET` that address
gives its status and progress; `GET .../file` the file once ready. Microdata access only, and a
caller sees only the exports they asked for themselves.
"""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.audit import audit_record
from accounts.models import AuditEvent
from analytics.exporting import export_file_response
from analytics.models import ExportJob, JobStatus
from analytics.services import BROKER_DOWN, export_request
from surveys.models import Survey
from surveys.selectors import survey_schema_get

from ..access import audit_detail, survey_microdata
from ..errors import ApiError
from ..params import filters_from, language_get
from ..renderers import FileRenderer

LISTED = 50


def _job(request: Request, survey: Survey, job: ExportJob) -> dict[str, Any]:
    ready = job.status == JobStatus.COMPLETE
    file_url = reverse("api:export-file", args=[survey.slug, job.pk], request=request)
    return {
        "id": job.pk,
        "status": "broker_unavailable" if job.error == BROKER_DOWN else job.status,
        "format": job.format,
        "language": job.language,
        "filters": job.filters,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
        "file": file_url if ready else None,
        "self": reverse("api:export", args=[survey.slug, job.pk], request=request),
    }


def _own_jobs(request: Request, survey: Survey):
    return ExportJob.objects.filter(
        survey=survey, kind=ExportJob.Kind.RESPONSES, requested_by_id=request.user.pk
    )


EXPORT_REQUEST = inline_serializer(
    "ExportRequest",
    {
        "format": serializers.ChoiceField(choices=ExportJob.Format.values),
        "language": serializers.ChoiceField(choices=["kk", "ru"], required=False),
        "filters": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


class ExportList(APIView):
    @extend_schema(
        operation_id="exports_list",
        summary="Your exports of this survey, newest first",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        jobs = _own_jobs(request, survey).order_by("-requested_at", "-id")[:LISTED]
        return Response({"results": [_job(request, survey, job) for job in jobs]})

    @extend_schema(
        operation_id="export_create",
        summary="Start an export (csv, xlsx or sav) of the complete responses",
        description=(
            "`filters` selects respondents as the results page does: question code -> option "
            "codes. Answers 202 with the export's address in `Location`."
        ),
        request=EXPORT_REQUEST,
        responses={202: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        data = request.data if isinstance(request.data, dict) else {}
        fmt = data.get("format")
        if fmt not in ExportJob.Format.values:
            raise ApiError(
                code="invalid_format",
                message=_("“format” is one of: %(formats)s.")
                % {"formats": ", ".join(ExportJob.Format.values)},
            )
        language = language_get({"language": data.get("language") or ""})
        raw = data.get("filters") or {}
        if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
            raise ApiError(
                code="invalid_filter",
                message=_("“filters” maps question codes to lists of option codes."),
            )
        filters = filters_from(schema=survey_schema_get(survey=survey), raw=raw)
        job = export_request(
            survey=survey, fmt=fmt, language=language, filters=filters, user=request.user
        )
        audit_record(
            user=request.user,
            action=AuditEvent.Action.EXPORT_REQUEST,
            survey=survey,
            detail=audit_detail(
                request, format=fmt, filters=filters, language=language, export=job.pk
            ),
        )
        job.refresh_from_db()
        body = _job(request, survey, job)
        return Response(body, status=202, headers={"Location": body["self"]})


class ExportDetail(APIView):
    @extend_schema(
        operation_id="export_retrieve",
        summary="An export's status and progress",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, slug: str, job_id: int) -> Response:
        survey = survey_microdata(request=request, slug=slug)
        job = get_object_or_404(_own_jobs(request, survey), pk=job_id)
        return Response(_job(request, survey, job))


class ExportFile(APIView):
    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        operation_id="export_file",
        summary="The export's file, once its status is complete",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, slug: str, job_id: int) -> HttpResponseBase:
        survey = survey_microdata(request=request, slug=slug)
        job = get_object_or_404(_own_jobs(request, survey), pk=job_id)
        if job.status != JobStatus.COMPLETE or not job.file:
            raise ApiError(
                code="export_not_ready",
                message=_("The export is not ready yet: ask for its status first."),
                status_code=409,
            )
        response = export_file_response(job=job)
        audit_record(
            user=request.user,
            action=AuditEvent.Action.EXPORT_DOWNLOAD,
            survey=survey,
            detail=audit_detail(
                request,
                format=job.format,
                filters=job.filters,
                language=job.language,
                export=job.pk,
            ),
        )
        return response
