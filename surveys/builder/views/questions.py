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
    edit_url,
    error_messages,
    form_save,
    language,
    own_page_views,
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


# Its page with the edit form, and its display condition: the same two views as a section's.
question_edit, question_condition = own_page_views(question_get, question_page)


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
    return reorder_reply(
        request,
        section.questions.all(),
        lambda codes: builder.questions_reorder(section=section, user=request.user, codes=codes),
        lambda moved: edit_url(survey, f"question-{moved}" if moved else f"section-{section.code}"),
        lambda found: edit_page(request, survey, status=400, action_errors=found),
    )
