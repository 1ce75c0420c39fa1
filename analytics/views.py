"""Results pages for admins and the survey's researchers. Thin: selectors and services decide."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.permissions import survey_microdata_allowed, surveys_with_results_for
from surveys.models import Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

from . import downloads
from .coding.selectors import coded_tables_get, question_is_open
from .crosstab import crosstab_compute
from .disclosure import Parameters, protection_note, refusal_message, viewer_results
from .exporting import export_file_response
from .inference import ci_annotate, ci_level_parse
from .models import ExportJob, JobStatus
from .presentation import composition_from_tables, tables_localize
from .report.build import REPORT_KINDS
from .results_page import results_body_key, results_body_render
from .selectors import FilterError, Filters, filters_normalize
from .services import BROKER_DOWN, export_request, report_request, results_request
from .weighting.selectors import weighting_scheme_get, weighting_schemes_list
from .widgets import active_filters, charts_for, filter_choices, results_contents


def _survey(request: HttpRequest, slug: str) -> Survey:
    """The survey if the user may see its results; else 404, as if it did not exist."""
    return get_object_or_404(surveys_with_results_for(user=request.user), slug=slug)


def _microdata_survey(request: HttpRequest, slug: str) -> Survey:
    """The survey if the user may take its microdata; 403 for an aggregates-only viewer.

    403, not 404: such a viewer sees the survey's results, so its existence is no secret.
    """
    survey = _survey(request, slug)
    if not survey_microdata_allowed(user=request.user, survey=survey):
        raise PermissionDenied
    return survey


def _language() -> str:
    language = translation.get_language() or "kk"
    return language if language in ("kk", "ru") else "kk"


def _filters(request: HttpRequest, schema: SurveySchema) -> Filters:
    """`f=region:aktobe&f=region:atyrau&f=gender:female` -> {"gender": [...], "region": [...]}."""
    raw: dict[str, list[str]] = {}
    params = request.POST if request.method == "POST" else request.GET
    for item in params.getlist("f"):
        code, _sep, option = item.partition(":")
        raw.setdefault(code, []).append(option)
    return filters_normalize(schema=schema, raw=raw)


def _ci(request: HttpRequest) -> float | None:
    """`ci=95` (or 90, 99): the level of the confidence intervals asked for; none without it."""
    try:
        return ci_level_parse(request.GET.get("ci"))
    except ValueError:
        # A FilterError is answered by `_bad_filter_refused` with the 400 page.
        raise FilterError(_("The confidence level is 90, 95 or 99 (for example ci=95).")) from None


def _weighting(request: HttpRequest, survey: Survey) -> Any:
    """The scheme of `w=<name>` (None without it); an unknown name is a FilterError (400)."""
    params = request.POST if request.method == "POST" else request.GET
    return weighting_scheme_get(survey=survey, name=params.get("w", ""))


def _weighting_context(request: HttpRequest, survey: Survey, scheme: Any) -> dict[str, Any]:
    return {
        "weighting": scheme,
        "weighting_schemes": weighting_schemes_list(survey=survey).filter(status="complete"),
        "weighting_filters": [(k, o) for k, options in _filters_raw(request) for o in options],
    }


def _filters_raw(request: HttpRequest) -> list[tuple[str, list[str]]]:
    raw: dict[str, list[str]] = {}
    for item in request.GET.getlist("f"):
        code, _sep, option = item.partition(":")
        raw.setdefault(code, []).append(option)
    return list(raw.items())


def _bad_filter_refused(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A filter the survey does not have (from `_filters`, or met later by the service) is
    answered with the bad-filter page, 400, by whichever results view it reached."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, slug, **kwargs)
        except FilterError as error:
            survey = _survey(request, slug)
            context = {"survey": survey, "lang": _language(), "message": str(error)}
            return render(request, "analytics/bad_filter.html", context, status=400)

    return wrapper


def _without_ci(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("ci", None)
    return params.urlencode()


@login_required
def results_index(request: HttpRequest) -> HttpResponse:
    surveys = surveys_with_results_for(user=request.user).order_by("slug")
    return render(request, "analytics/index.html", {"surveys": surveys, "lang": _language()})


@login_required
@_bad_filter_refused
def results(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    filters = _filters(request, schema)
    ci = _ci(request)
    scheme = _weighting(request, survey)
    snapshot = results_request(survey=survey, filters=filters, weighting=scheme)
    language = _language()
    exact = survey_microdata_allowed(user=request.user, survey=survey)
    k = survey.min_cell_size
    choices = filter_choices(schema, language, filters)
    context = _weighting_context(request, survey, scheme) | {
        "survey": survey,
        "lang": language,
        "snapshot": snapshot,
        "filters": filters,
        "query": request.GET.urlencode(),
        "choices": choices,
        "active_filters": active_filters(choices, filters, request.GET),
        "broker_down": snapshot.error == BROKER_DOWN,
        "updating": snapshot.status != JobStatus.COMPLETE,
        "k": k,
        "microdata": exact,
    }
    if ci is not None:
        context |= {"ci": round(ci * 100), "ci_query": _without_ci(request)}
    else:
        context["ci_query"] = request.GET.urlencode()
    # A snapshot from before the disclosure control has exact tables only: wait for its
    # recomputation (already queued by results_request) rather than show them.
    if snapshot.tables is None or (not exact and snapshot.protected is None):
        return render(request, "analytics/results_pending.html", context)
    shown = viewer_results(snapshot=snapshot, exact=exact, k=k)
    context |= {"respondents": shown.respondents, "protection": protection_note(shown.parameters)}
    if shown.refused:
        context["refusal"] = refusal_message(shown.refused, k=k)
        return render(request, "analytics/results.html", context)

    def build() -> dict[str, Any]:
        return context | _results_body_context(
            survey=survey, schema=schema, shown=shown, filters=filters, language=language,
            exact=exact, k=k, ci=ci,
        )  # fmt: skip

    key = results_body_key(snapshot=snapshot, exact=exact, k=k, language=language, ci=ci)
    context["body"] = results_body_render(request=request, key=key, build=build)
    return render(request, "analytics/results.html", context)


def _results_body_context(
    *, survey, schema, shown, filters, language, exact, k, ci
) -> dict[str, Any]:
    tables = tables_localize(shown.tables or {}, schema, language)
    if ci is not None:
        tables = {code: ci_annotate(table, level=ci) for code, table in tables.items()}
    blocks = charts_for(tables, schema, language, k)
    # The coded tables under their questions (computed from the coding rows, never stored), and
    # for a researcher a link to code a question's open answers.
    coded = coded_tables_get(
        survey=survey, schema=schema, filters=filters, language=language, exact=exact
    )
    for block in blocks:
        block["coded"] = coded.get(block["code"])
        block["open"] = exact and question_is_open(schema.questions[block["code"]])
    composition = composition_from_tables(tables, schema, language, shown.respondents)
    contents = results_contents(blocks, schema, language, composition=bool(composition))
    return {"blocks": blocks, "composition": composition, "contents": contents}


@login_required
@_bad_filter_refused
def crosstab(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    language = _language()
    exact = survey_microdata_allowed(user=request.user, survey=survey)
    filters = _filters(request, schema)
    ci = _ci(request)
    scheme = _weighting(request, survey)
    table = crosstab_compute(
        survey=survey,
        schema=schema,
        filters=filters,
        question=request.GET.get("q", ""),
        by=request.GET.get("by", ""),
        language=language,
        exact=exact,
        ci=ci,
        **({"weighting": scheme} if scheme else {}),
    )
    context = _weighting_context(request, survey, scheme) | {
        "survey": survey,
        "lang": language,
        "table": table,
        "ci": None if ci is None else round(ci * 100),
        "filters": filters,
        "choices": filter_choices(schema, language, filters),
        "k": survey.min_cell_size,
        "microdata": exact,
        "refusal": refusal_message(table["refused"], k=survey.min_cell_size)
        if table and table.get("refused")
        else None,
        "protection": None if exact else protection_note(Parameters(k=survey.min_cell_size)),
        "questions": [
            (q.code, q.text.get(language), q.type)
            for q in schema.ordered_questions()
            if q.is_choice
        ],
        "q": request.GET.get("q", ""),
        "by": request.GET.get("by", ""),
    }
    return render(request, "analytics/crosstab.html", context)


@login_required
@_bad_filter_refused
def tables_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    filters = _filters(request, schema)
    ci = _ci(request)
    scheme = _weighting(request, survey)
    snapshot = results_request(survey=survey, filters=filters, weighting=scheme)
    if snapshot.status != JobStatus.COMPLETE:
        return redirect(reverse("analytics:results", args=[slug]) + "?" + request.GET.urlencode())
    language = _language()
    exact = survey_microdata_allowed(user=request.user, survey=survey)
    shown = viewer_results(snapshot=snapshot, exact=exact, k=survey.min_cell_size)
    if shown.refused:
        message = refusal_message(shown.refused, k=survey.min_cell_size)
        context = {"survey": survey, "lang": language, "message": message}
        return render(request, "analytics/bad_filter.html", context, status=403)
    response = downloads.tables_response(
        survey=survey,
        schema=schema,
        snapshot=snapshot,
        fmt=fmt,
        language=language,
        exact=exact,
        ci=ci,
    )
    detail = {"format": fmt, "filters": filters, "language": language}
    if scheme is not None:
        detail["weights"] = scheme.name
    audit_record(
        user=request.user, action=AuditEvent.Action.TABLES_DOWNLOAD, survey=survey, detail=detail
    )
    return response


@login_required
@require_POST
@_bad_filter_refused
def export_start(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _microdata_survey(request, slug)
    schema = survey_schema_get(survey=survey)
    fmt = request.POST.get("format", "")
    if fmt not in ExportJob.Format.values:
        raise Http404
    language = _language()
    filters = _filters(request, schema)
    scheme = _weighting(request, survey)
    job = export_request(
        survey=survey,
        fmt=fmt,
        language=language,
        filters=filters,
        user=request.user,
        **({"weighting": scheme} if scheme else {}),
    )
    detail = {"format": fmt, "filters": filters, "language": language, "export": job.pk}
    if scheme is not None:
        detail["weights"] = scheme.name
    audit_record(
        user=request.user, action=AuditEvent.Action.EXPORT_REQUEST, survey=survey, detail=detail
    )
    return redirect("analytics:export", slug=slug, job_id=job.pk)


@login_required
@require_POST
@_bad_filter_refused
def report_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A Word report of the results as filtered: exact for microdata users, protected otherwise."""
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    language = request.POST.get("language") or _language()
    if language not in ("kk", "ru"):
        raise Http404
    filters = _filters(request, schema)
    scheme = _weighting(request, survey)
    exact = survey_microdata_allowed(user=request.user, survey=survey)
    job = report_request(
        survey=survey,
        language=language,
        filters=filters,
        user=request.user,
        exact=exact,
        weighting=scheme,
    )
    detail = {"format": job.format, "filters": filters, "language": language, "export": job.pk}
    if scheme is not None:
        detail["weights"] = scheme.name
    audit_record(
        user=request.user, action=AuditEvent.Action.EXPORT_REQUEST, survey=survey, detail=detail
    )
    return redirect("analytics:export", slug=slug, job_id=job.pk)


def _job(request: HttpRequest, slug: str, job_id: int, **lookup: Any) -> tuple[Survey, ExportJob]:
    """The survey and one of its export jobs, if the user may open it.

    Microdata users open every job of the survey. Anyone else who sees the results opens only
    the protected reports they asked for themselves: any other job, or none, is 403 alike, so
    the answer does not tell which jobs exist.
    """
    survey = _survey(request, slug)
    if survey_microdata_allowed(user=request.user, survey=survey):
        return survey, get_object_or_404(ExportJob, pk=job_id, survey=survey, **lookup)
    job = ExportJob.objects.filter(
        pk=job_id,
        survey=survey,
        kind=ExportJob.Kind.REPORT_PROTECTED,
        requested_by_id=request.user.pk,
        **lookup,
    ).first()
    if job is None:
        raise PermissionDenied
    return survey, job


@login_required
def export_status(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    survey, job = _job(request, slug, job_id)
    context = {
        "survey": survey,
        "lang": _language(),
        "job": job,
        "report": job.kind in REPORT_KINDS,
        "broker_down": job.error == BROKER_DOWN,
    }
    return render(request, "analytics/export.html", context)


@login_required
def export_download(request: HttpRequest, slug: str, job_id: int) -> HttpResponseBase:
    survey, job = _job(request, slug, job_id, status=JobStatus.COMPLETE)
    response = export_file_response(job=job)
    detail = {
        "format": job.format,
        "filters": job.filters,
        "language": job.language,
        "export": job.pk,
    }
    audit_record(
        user=request.user, action=AuditEvent.Action.EXPORT_DOWNLOAD, survey=survey, detail=detail
    )
    return response
