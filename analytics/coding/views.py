"""The coding pages: for the survey's microdata users only. Thin: selectors and services decide.

Every view answers as the results pages do: anonymous visitors are sent to sign in, a survey the
user may not see is 404, and an aggregates-only viewer of the survey gets 403 (the survey's
existence is no secret to them, its texts are).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import survey_microdata_allowed, surveys_with_results_for
from analytics.selectors import FilterError, Filters, filters_normalize
from analytics.widgets import filter_choices
from surveys.models import LANGUAGES, Survey
from surveys.schema import QuestionSpec, SurveySchema
from surveys.selectors import survey_schema_get

from .models import OpenCode
from .selectors import (
    coded_cells_get,
    open_codes_list,
    open_questions_list,
    open_texts_list,
    question_is_open,
)
from .services import (
    open_code_create,
    open_code_delete,
    open_codings_assign,
    open_codings_unassign,
)
from .tables import coded_table

PAGE_SIZE = 50


def _survey(request: HttpRequest, slug: str) -> Survey:
    survey = get_object_or_404(surveys_with_results_for(user=request.user), slug=slug)
    if not survey_microdata_allowed(user=request.user, survey=survey):
        raise PermissionDenied
    return survey


def _question(schema: SurveySchema, code: str) -> QuestionSpec:
    question = schema.questions.get(code)
    if question is None or not question_is_open(question):
        raise Http404
    return question


def _language() -> str:
    language = translation.get_language() or "kk"
    return language if language in LANGUAGES else "kk"


def _filters(request: HttpRequest, schema: SurveySchema) -> Filters:
    params = request.POST if request.method == "POST" else request.GET
    raw: dict[str, list[str]] = {}
    for item in params.getlist("f"):
        code, _sep, option = item.partition(":")
        raw.setdefault(code, []).append(option)
    return filters_normalize(schema=schema, raw=raw)


@login_required
@require_GET
def coding_index(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    language = _language()
    counts = {}
    for code in OpenCode.objects.filter(survey=survey).values_list("question_code", flat=True):
        counts[code] = counts.get(code, 0) + 1
    questions = [
        {"code": q.code, "text": q.text.get(language), "codes": counts.get(q.code, 0)}
        for q in open_questions_list(schema=schema)
    ]
    context = {"survey": survey, "lang": language, "questions": questions}
    return render(request, "coding/index.html", context)


@login_required
def coding_question(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    """GET: the texts with their codes; POST: codes given to or taken from the chosen texts."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    spec = _question(schema, question)
    language = _language()
    try:
        filters = _filters(request, schema)
    except FilterError as error:
        context = {"survey": survey, "lang": language, "message": str(error)}
        return render(request, "analytics/bad_filter.html", context, status=400)
    if request.method == "POST":
        return _codings_change(request, survey, spec)
    params = request.GET
    code_id = params.get("code", "")
    texts = open_texts_list(
        survey=survey,
        schema=schema,
        question=spec,
        filters=filters,
        search=params.get("q", ""),
        language=params.get("lang", "") if params.get("lang") in LANGUAGES else "",
        uncoded_only=params.get("uncoded") == "1",
        code_id=int(code_id) if code_id.isdigit() else None,
    )
    page = Paginator(texts.texts, PAGE_SIZE).get_page(params.get("page"))
    codes = open_codes_list(survey=survey, question_code=spec.code)
    cells = coded_cells_get(
        survey=survey, schema=schema, question=spec, filters=filters, language=language, codes=codes
    )
    keep = params.copy()
    keep.pop("page", None)
    context = {
        "survey": survey,
        "lang": language,
        "question": spec,
        "question_text": spec.text.get(language),
        "texts": texts,
        "uncoded": texts.total - texts.coded,
        "page": page,
        "codes": [(c, c.label(language)) for c in codes],
        "options": [
            (o.code, o.label.get(language))
            for o in spec.options
            if not o.is_other and o.code not in {c.option_code for c in codes}
        ],
        "filters": filters,
        "choices": filter_choices(schema, language, filters),
        "params": params,
        "keep": keep.urlencode(),
        "coded": coded_table(cells) if codes else None,
        "languages": LANGUAGES,
    }
    return render(request, "coding/question.html", context)


def _back(request: HttpRequest, survey: Survey, question: QuestionSpec) -> HttpResponse:
    target = reverse("coding:question", args=[survey.slug, question.code])
    query = request.POST.get("next_query", "")
    return redirect(f"{target}?{query}" if query else target)


def _codings_change(request: HttpRequest, survey: Survey, question: QuestionSpec) -> HttpResponse:
    hashes = [h for h in request.POST.getlist("text") if len(h) == 64]
    code_ids = [int(c) for c in request.POST.getlist("code") if c.isdigit()]
    action = request.POST.get("action", "assign")
    try:
        if action == "unassign":
            open_codings_unassign(
                survey=survey, question_code=question.code, text_hashes=hashes, code_ids=code_ids
            )
        else:
            open_codings_assign(
                survey=survey,
                question_code=question.code,
                text_hashes=hashes,
                code_ids=code_ids,
                user=request.user,
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, translation.gettext("The coding is saved."))
    return _back(request, survey, question)


@login_required
@require_POST
def code_create(request: HttpRequest, slug: str, question: str) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    spec = _question(schema, question)
    try:
        open_code_create(
            survey=survey,
            schema=schema,
            question_code=spec.code,
            label_kk=request.POST.get("label_kk", ""),
            label_ru=request.POST.get("label_ru", ""),
            option_code=request.POST.get("option", ""),
            user=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, translation.gettext("The code is added."))
    return _back(request, survey, spec)


@login_required
@require_POST
def code_delete(request: HttpRequest, slug: str, question: str, code_id: int) -> HttpResponse:
    survey = _survey(request, slug)
    schema = survey_schema_get(survey=survey)
    spec = _question(schema, question)
    code = get_object_or_404(OpenCode, pk=code_id, survey=survey, question_code=spec.code)
    open_code_delete(code=code)
    messages.success(request, translation.gettext("The code and its assignments are deleted."))
    return _back(request, survey, spec)
