"""The builder's two working pages, rendered from any view: a survey's edit page and a
question's page. A view that refuses an action renders the page again with its bound form and
status 400, so the reader sees the error where they acted, and nothing typed is lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from surveys.builder.forms import (
    ConditionForm,
    OptionForm,
    QuestionForm,
    RowForm,
    ScaleLabelForm,
    SectionForm,
    SurveySettingsForm,
)
from surveys.builder.selectors import (
    ParityItem,
    answered_ids_get,
    condition_candidates,
    survey_changes_get,
    survey_locked,
    survey_parity_get,
)
from surveys.builder.views.common import language, optional_url
from surveys.models import Language, Option, Question, ScaleLabel, Section, Survey


@dataclass
class ParityLine:
    """One parity problem as the panel shows it, with what its confirm buttons post."""

    item: ParityItem
    missing: list[str]  # language names
    stale: list[tuple[str, str]]  # (language code, language name)


@dataclass
class QuestionLine:
    question: Question
    parity: list[ParityLine]
    locked: bool
    condition: list[Option]


@dataclass
class SectionLine:
    section: Section
    questions: list[QuestionLine] = field(default_factory=list)
    parity: list[ParityLine] = field(default_factory=list)
    condition: list[Option] = field(default_factory=list)


def parity_lines(items: list[ParityItem]) -> list[ParityLine]:
    names = dict(Language.choices)
    return [
        ParityLine(
            item=item,
            missing=[str(names.get(code, code)) for code in item.missing],
            stale=[(code, str(names.get(code, code))) for code in item.stale],
        )
        for item in items
        if item.missing or item.stale
    ]


def _links(survey: Survey) -> dict[str, str | None]:
    return {
        "preview_kk": optional_url("preview:start", slug=survey.slug, lang="kk"),
        "preview_ru": optional_url("preview:start", slug=survey.slug, lang="ru"),
        "xlsform_export": optional_url("xlsform:export", slug=survey.slug),
        "xlsform_import": optional_url("xlsform:import"),
    }


def edit_page(
    request: HttpRequest,
    survey: Survey,
    *,
    status: int = 200,
    settings_form: forms.Form | None = None,
    section_form: forms.Form | None = None,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    report = survey_parity_get(survey=survey)
    lines = parity_lines(report.items)
    locked = survey_locked(survey=survey)
    answered = answered_ids_get(survey=survey) if locked else {"question": set()}
    sections: list[SectionLine] = []
    queryset = survey.sections.order_by("position", "id").prefetch_related(
        "show_if_options__question",
        "questions__show_if_options__question",
        "questions__options",
        "questions__rows",
        "questions__scale_labels",
    )
    for section in queryset:
        line = SectionLine(
            section=section,
            parity=[
                p for p in lines if p.item.kind == "section" and p.item.object_id == section.pk
            ],
            condition=list(section.show_if_options.all()),
        )
        for question in sorted(section.questions.all(), key=lambda q: (q.position, q.pk)):
            line.questions.append(
                QuestionLine(
                    question=question,
                    parity=[p for p in lines if p.item.question_code == question.code],
                    locked=question.pk in answered["question"],
                    condition=list(question.show_if_options.all()),
                )
            )
        sections.append(line)
    context: dict[str, Any] = {
        "survey": survey,
        "lang": language(),
        "sections": sections,
        "report": report,
        "parity": lines,
        "locked": locked,
        "changes": (
            list(survey_changes_get(survey=survey, wording_fixes_only=True)[:50]) if locked else []
        ),
        "settings_form": settings_form
        or SurveySettingsForm(initial=SurveySettingsForm.initial_from(survey), prefix="settings"),
        "section_form": section_form or SectionForm(prefix="section"),
        "action_errors": action_errors or [],
        "links": _links(survey),
    }
    return render(request, "builder/edit.html", context, status=status)


def question_page(
    request: HttpRequest,
    question: Question,
    *,
    status: int = 200,
    question_form: forms.Form | None = None,
    option_form: forms.Form | None = None,
    row_form: forms.Form | None = None,
    scale_form: forms.Form | None = None,
    condition_form: forms.Form | None = None,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    survey = question.survey
    lang = language()
    report = survey_parity_get(survey=survey)
    lines = parity_lines(report.for_question(question.code))
    locked = survey_locked(survey=survey)
    answered = answered_ids_get(survey=survey) if locked else {"question": set(), "option": set()}
    options = list(question.options.order_by("position", "id"))
    scale_labels = {label.value: label for label in question.scale_labels.all()}
    points: list[tuple[int, ScaleLabel | None]] = []
    if question.scale_min is not None and question.scale_max is not None:
        values = list(range(question.scale_min, question.scale_max + 1))
        if question.scale_na and 0 not in values:
            values.insert(0, 0)
        points = [(value, scale_labels.pop(value, None)) for value in values]
    shown = {
        "has_options": question.type in ("single", "multiple"),
        "has_rows": question.type == "matrix",
        "has_scale": question.type in ("matrix", "rating"),
    }
    errors = list(action_errors or [])
    # A part this type does not have is not on the page: its refusal is said above the page.
    for form, key in (
        (option_form, "has_options"),
        (row_form, "has_rows"),
        (scale_form, "has_scale"),
    ):
        if form is not None and not shown[key]:
            errors += [m for found in form.errors.values() for m in found]
    context: dict[str, Any] = {
        "survey": survey,
        "question": question,
        "lang": lang,
        "parity": lines,
        "locked": locked,
        "question_locked": question.pk in answered["question"],
        "options": [(o, o.pk in answered["option"]) for o in options],
        "rows": list(question.rows.order_by("position", "id")),
        "points": points,
        "stray_labels": sorted(scale_labels.values(), key=lambda label: label.value),
        **shown,
        "question_form": question_form or QuestionForm(initial=QuestionForm.initial_from(question)),
        "option_form": option_form or OptionForm(prefix="option"),
        "row_form": row_form or RowForm(prefix="row"),
        "scale_form": scale_form or ScaleLabelForm(prefix="scale"),
        "condition_form": condition_form
        or ConditionForm(
            initial=ConditionForm.initial_for(question),
            candidates=condition_candidates(target=question),
            language=lang,
        ),
        "action_errors": errors,
        "links": _links(survey),
    }
    return render(request, "builder/question.html", context, status=status)
