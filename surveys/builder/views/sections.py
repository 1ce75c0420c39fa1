"""Builder views of sections: add, edit with its display condition, delete, reorder."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from surveys.builder import services as builder
from surveys.builder.forms import ConditionForm, SectionForm
from surveys.builder.selectors import condition_candidates, survey_locked
from surveys.builder.services import BuilderError
from surveys.builder.views.common import (
    edit_url,
    error_messages,
    form_save,
    language,
    own_page_views,
    reorder_reply,
    section_get,
    survey_view,
)
from surveys.builder.views.pages import edit_page
from surveys.models import Section, Survey


@survey_view("POST")
def section_add(request: HttpRequest, survey: Survey) -> HttpResponse:
    form = SectionForm(request.POST, prefix="section")
    section = form_save(
        request,
        form,
        lambda data: builder.section_add(survey=survey, user=request.user, data=data),
        _("Section added."),
    )
    if section is not None:
        return redirect(edit_url(survey, f"section-{section.code}"))
    return edit_page(request, survey, status=400, section_form=form)


def _section_page(
    request: HttpRequest,
    section: Section,
    *,
    section_form: SectionForm | None = None,
    condition_form: ConditionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lang = language()
    context = {
        "survey": section.survey,
        "section": section,
        "lang": lang,
        "locked": survey_locked(survey=section.survey),
        "form": section_form or SectionForm(initial=SectionForm.initial_from(section)),
        "condition_form": condition_form
        or ConditionForm(
            initial=ConditionForm.initial_for(section),
            candidates=condition_candidates(target=section),
            language=lang,
        ),
    }
    return render(request, "builder/section.html", context, status=status)


# Its page with the edit form, and its display condition: the same two views as a question's.
section_edit, section_condition = own_page_views(section_get, _section_page)


@survey_view("GET", "POST")
def section_delete(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    section = section_get(survey, code)
    if request.method == "GET":
        # Deleting a section takes its questions with it: ask once, on a page of its own.
        context = {"survey": survey, "section": section, "lang": language()}
        return render(request, "builder/section_delete.html", context)
    try:
        builder.section_delete(section=section, user=request.user)
    except BuilderError as error:
        return edit_page(request, survey, status=400, action_errors=error_messages(error))
    messages.success(request, _("Section deleted."))
    return redirect(edit_url(survey))


@survey_view("POST")
def sections_reorder(request: HttpRequest, survey: Survey) -> HttpResponse:
    return reorder_reply(
        request,
        survey.sections.all(),
        lambda codes: builder.sections_reorder(survey=survey, user=request.user, codes=codes),
        lambda moved: edit_url(survey, f"section-{moved}" if moved else "sections"),
        lambda found: edit_page(request, survey, status=400, action_errors=found),
    )
