"""Builder views of questions: add to a section, the question's page and its settings, its
display condition, delete, and reorder within or across sections."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from surveys.builder import services as builder
from surveys.builder.forms import QuestionForm
from surveys.builder.services import BuilderError
from surveys.builder.views.common import (
    condition_save,
    edit_url,
    error_messages,
    form_save,
    language,
    order_requested,
    posted,
    question_get,
    question_url,
    reorder_reply,
    section_get,
    survey_view,
)
from surveys.builder.views.pages import edit_page, question_page
from surveys.models import Question, Survey


@survey_view("GET", "POST")
def question_add(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    section = section_get(survey, code)
    kind = request.GET.get("type", "")
    initial = {"type": kind} if kind in Question.Type.values else {}
    form = QuestionForm(posted(request), initial={"required": True, **initial})
    if request.method == "POST":
        question = form_save(
            request,
            form,
            lambda data: builder.question_add(section=section, user=request.user, data=data),
            _("Question added."),
        )
        if question is not None:
            return redirect(question_url(question))
    status = 400 if request.method == "POST" else 200
    context = {"survey": survey, "section": section, "form": form, "lang": language()}
    return render(request, "builder/question_add.html", context, status=status)


@survey_view("GET", "POST")
def question_edit(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    question = question_get(survey, code)
    if request.method == "GET":
        return question_page(request, question)
    form = QuestionForm(request.POST)
    saved = form_save(
        request,
        form,
        lambda data: builder.question_update(question=question, user=request.user, data=data),
        _("Question saved."),
    )
    if saved is not None:
        return redirect(question_url(saved))
    question.refresh_from_db()
    return question_page(request, question, question_form=form, status=400)


@survey_view("POST")
def question_condition(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    question = question_get(survey, code)
    form, saved = condition_save(request, question)
    if saved:
        return redirect(question_url(question, "condition"))
    return question_page(request, question, condition_form=form, status=400)


@survey_view("POST")
def question_delete(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    question = question_get(survey, code)
    section_code = question.section.code
    try:
        builder.question_delete(question=question, user=request.user)
    except BuilderError as error:
        return question_page(request, question, status=400, action_errors=error_messages(error))
    messages.success(request, _("Question deleted."))
    return redirect(edit_url(survey, f"section-{section_code}"))


@survey_view("POST")
def questions_reorder(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    section = section_get(survey, code)
    current = list(section.questions.order_by("position", "id").values_list("code", flat=True))
    codes = order_requested(request, current)
    error = None
    try:
        builder.questions_reorder(section=section, user=request.user, codes=codes)
    except BuilderError as caught:
        error = caught
    moved = request.POST.get("move")
    back = edit_url(survey, f"question-{moved}" if moved else f"section-{section.code}")
    return reorder_reply(
        request,
        error=error,
        codes=codes,
        back=back,
        refused=lambda found: edit_page(request, survey, status=400, action_errors=found),
    )
