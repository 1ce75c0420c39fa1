"""A researcher answers their questionnaire as a respondent would, in Kazakh or Russian, and nothing
is stored: the answers live in the session, keyed by survey and language.

The pages are the respondent's own (`SectionForm`, `surveys/page.html`, `survey.js`) and every rule
comes from `response_validate`, applied the way `response_save_page` and `response_complete` apply
it, so that what the preview accepts or refuses is what a respondent's page would. Any status
(draft, open, closed) can be previewed by those who may edit the survey.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from surveys.answers import Answers, answers_to_wide
from surveys.builder.access import builder_required, builder_survey_get
from surveys.models import Survey
from surveys.respond.forms import SectionForm
from surveys.schema import SectionSpec, SurveySchema
from surveys.selectors import response_resume_section, survey_schema_get
from surveys.validation import ValidationResult, response_validate

SESSION_KEY = "saualnama_preview"
LANGUAGES = ("kk", "ru")


def _in_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page in the previewed language, texts of ours included, as a respondent would see it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, lang: str, **kwargs: Any) -> HttpResponse:
        with translation.override(lang):
            return view(request, *args, lang=lang, **kwargs)

    return wrapper


def _slot(survey: Survey, lang: str) -> str:
    return f"{survey.pk}:{lang}"


def _held(request: HttpRequest, schema: SurveySchema, survey: Survey, lang: str) -> Answers:
    """The answers given so far in this preview, read back through the rule layer.

    Kept in the wide spelling; anything the questionnaire no longer accepts (it may have been
    edited in another tab) is silently left out, as a changed questionnaire would leave it.
    """
    wide = request.session.get(SESSION_KEY, {}).get(_slot(survey, lang), {})
    return response_validate(schema=schema, data=wide, partial=True).answers


def _keep(
    request: HttpRequest, schema: SurveySchema, survey: Survey, lang: str, answers: Answers | None
) -> None:
    slots = dict(request.session.get(SESSION_KEY, {}))
    if answers is None:
        slots.pop(_slot(survey, lang), None)
    else:
        slots[_slot(survey, lang)] = answers_to_wide(schema, answers)
    request.session[SESSION_KEY] = slots


def _page_save(
    *,
    schema: SurveySchema,
    section: SectionSpec,
    data: dict[str, Any],
    held: Answers,
    enforce_required: bool,
) -> tuple[ValidationResult, Answers]:
    """`response_save_page` without the database: the page's result and the answers now held."""
    page = set(section.questions)
    context = {code: answer for code, answer in held.items() if code not in page}
    result = response_validate(
        schema=schema, data=data, only=page, context=context, partial=not enforce_required
    )
    merged = {**context, **result.answers}
    shown = schema.visible_questions(merged)
    return result, {code: answer for code, answer in merged.items() if code in shown}


def _numbers(schema: SurveySchema) -> dict[str, int]:
    return {q.code: i for i, q in enumerate(schema.ordered_questions(), start=1)}


def _common(survey: Survey, lang: str) -> dict[str, Any]:
    other = "ru" if lang == "kk" else "kk"
    return {
        "survey": survey,
        "lang": lang,
        "builder_url": reverse("builder:edit", args=[survey.slug]),
        "restart_url": reverse("preview:start", args=[survey.slug, lang]),
        "switch_url": reverse("preview:start", args=[survey.slug, other]),
    }


def _page_url(survey: Survey, lang: str, number: int) -> str:
    return reverse("preview:page", args=[survey.slug, lang, number])


@builder_required
@_in_language
def start(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    """The welcome page; a POST starts afresh, dropping this language's answers so far."""
    survey = builder_survey_get(request=request, slug=slug)
    schema = survey_schema_get(survey=survey)
    if request.method == "POST":
        _keep(request, schema, survey, lang, None)
        return redirect(_page_url(survey, lang, 1))
    held = _held(request, schema, survey, lang)
    resume = response_resume_section(schema=schema, answers=held)
    context = {
        **_common(survey, lang),
        "has_questions": bool(schema.visible_sections({})),
        "continue_url": _page_url(survey, lang, resume) if held else "",
    }
    return render(request, "preview/welcome.html", context)


@builder_required
@_in_language
def page(request: HttpRequest, slug: str, lang: str, number: int) -> HttpResponse:
    survey = builder_survey_get(request=request, slug=slug)
    schema = survey_schema_get(survey=survey)
    held = _held(request, schema, survey, lang)
    sections = schema.visible_sections(held)
    if not sections:
        return redirect("preview:start", slug=slug, lang=lang)
    if not 1 <= number <= len(sections):
        return redirect(
            _page_url(survey, lang, response_resume_section(schema=schema, answers=held))
        )
    section = sections[number - 1]
    form_kwargs = {
        "schema": schema,
        "section": section,
        "language": lang,
        "saved": held,
        "numbers": _numbers(schema),
    }
    if request.method != "POST":
        form = SectionForm(**form_kwargs)
        summary = []
        if request.GET.get("check"):
            page_codes = set(section.questions)
            context = {c: a for c, a in held.items() if c not in page_codes}
            on_page = {c: a for c, a in held.items() if c in page_codes}
            summary = form.show_errors(
                response_validate(
                    schema=schema,
                    data=answers_to_wide(schema, on_page),
                    only=page_codes,
                    context=context,
                )
            )
        return _render_page(request, survey, form, sections, number, summary)
    form = SectionForm(request.POST, **form_kwargs)
    return _post_page(request, survey, schema, form, sections, number, held)


def _post_page(request, survey, schema, form, sections, number, held) -> HttpResponse:
    lang = form.language
    action = request.POST.get("action", "next")
    switch = request.POST.get("switch_language")
    switching = switch in LANGUAGES
    result, kept = _page_save(
        schema=schema,
        section=form.section,
        data=form.wide_data(),
        held=held,
        enforce_required=action in ("next", "submit") and not switching,
    )
    # Valid answers are kept even when others on the page fail, as on the respondent's page.
    _keep(request, schema, survey, lang, kept)
    blocking = {
        k: v
        for k, v in result.errors.items()
        if action != "back" or any(e.code != "required" for e in v)
    }
    if blocking:
        return _render_page(request, survey, form, sections, number, form.show_errors(result))
    if switching:
        # The respondent's switch keeps what was typed; here it carries it to the other language.
        if switch != lang:
            _keep(request, schema, survey, switch, kept)
        return redirect(_page_url(survey, switch, number))
    if action == "back":
        return redirect(_page_url(survey, lang, max(number - 1, 1)))
    now_sections = schema.visible_sections(kept)
    codes = [s.code for s in now_sections]
    position = codes.index(form.section.code) + 1 if form.section.code in codes else number
    if position < len(now_sections):
        return redirect(_page_url(survey, lang, position + 1))
    return _finish(request, survey, schema, now_sections, lang, kept)


def _finish(request, survey, schema, sections, lang, kept) -> HttpResponse:
    """`response_complete`'s whole check; the answers are then forgotten, never stored."""
    result = response_validate(schema=schema, data=answers_to_wide(schema, kept))
    if not result.is_valid:
        code = next(iter(result.errors)).partition(".")[0]
        index = next((i for i, s in enumerate(sections, 1) if code in s.questions), 1)
        return redirect(_page_url(survey, lang, index) + "?check=1")
    _keep(request, schema, survey, lang, None)
    return redirect("preview:done", slug=survey.slug, lang=lang)


def _render_page(request, survey, form, sections, number, summary) -> HttpResponse:
    lang = form.language
    context = {
        **_common(survey, lang),
        "form": form,
        "section": form.section,
        "section_title": form.section.title.get(lang),
        "section_description": form.section.description.get(lang),
        "number": number,
        "total": len(sections),
        "percent": round(100 * (number - 1) / len(sections)),
        "is_last": number == len(sections),
        "summary": summary,
    }
    return render(request, "preview/page.html", context)


@builder_required
@_in_language
def done(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    survey = builder_survey_get(request=request, slug=slug)
    return render(request, "preview/done.html", _common(survey, lang))
