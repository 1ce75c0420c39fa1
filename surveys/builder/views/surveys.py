"""Builder views of a whole survey: the list, create, edit page and settings, lifecycle,
duplication and the translation parity confirmations."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import surveys_editable_by
from surveys.builder import services as builder
from surveys.builder.access import builder_required
from surveys.builder.forms import SurveyCreateForm, SurveyDuplicateForm, SurveySettingsForm
from surveys.builder.services import BuilderError
from surveys.builder.views.common import (
    back_url,
    edit_url,
    error_messages,
    form_save,
    language,
    posted,
    survey_view,
)
from surveys.builder.views.pages import edit_page
from surveys.models import Option, Question, Row, ScaleLabel, Section, Survey


@builder_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = surveys_editable_by(user=request.user).order_by("slug")
    return render(request, "builder/list.html", {"surveys": surveys, "lang": language()})


@builder_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyCreateForm(posted(request))
    if request.method == "POST":
        survey = form_save(
            request,
            form,
            lambda data: builder.survey_create(user=request.user, data=data),
            _("Survey created. Add its first section."),
        )
        if survey is not None:
            return redirect(edit_url(survey))
    status = 400 if request.method == "POST" else 200
    return render(request, "builder/create.html", {"form": form}, status=status)


@survey_view("GET")
def survey_edit(request: HttpRequest, survey: Survey) -> HttpResponse:
    return edit_page(request, survey)


@survey_view("POST")
def survey_settings(request: HttpRequest, survey: Survey) -> HttpResponse:
    form = SurveySettingsForm(request.POST, prefix="settings")
    saved = form_save(
        request,
        form,
        lambda data: builder.survey_update(survey=survey, user=request.user, data=data),
        _("Survey settings saved."),
    )
    if saved is not None:
        return redirect(edit_url(survey, "settings"))
    return edit_page(request, survey, status=400, settings_form=form)


def _lifecycle(request: HttpRequest, survey: Survey, action: str) -> HttpResponse:
    service, done = {
        "publish": (builder.survey_publish, _("The survey is published: respondents can answer.")),
        "close": (builder.survey_close, _("The survey is closed: no new answers are taken.")),
        "reopen": (builder.survey_reopen, _("The survey is open again.")),
    }[action]
    try:
        service(survey=survey, user=request.user)
    except BuilderError as error:
        survey.refresh_from_db()
        return edit_page(request, survey, status=400, action_errors=error_messages(error))
    messages.success(request, done)
    return redirect(edit_url(survey))


@survey_view("POST")
def survey_publish(request: HttpRequest, survey: Survey) -> HttpResponse:
    return _lifecycle(request, survey, "publish")


@survey_view("POST")
def survey_close(request: HttpRequest, survey: Survey) -> HttpResponse:
    return _lifecycle(request, survey, "close")


@survey_view("POST")
def survey_reopen(request: HttpRequest, survey: Survey) -> HttpResponse:
    return _lifecycle(request, survey, "reopen")


@survey_view("GET", "POST")
def survey_duplicate(request: HttpRequest, survey: Survey) -> HttpResponse:
    form = SurveyDuplicateForm(posted(request), initial={"slug": f"{survey.slug}-2"})
    if request.method == "POST":
        copy = form_save(
            request,
            form,
            lambda data: builder.survey_duplicate(
                survey=survey, user=request.user, slug=data["slug"]
            ),
            _("New version created as a draft, with every code kept."),
        )
        if copy is not None:
            return redirect(edit_url(copy))
    status = 400 if request.method == "POST" else 200
    context = {"survey": survey, "form": form, "lang": language()}
    return render(request, "builder/duplicate.html", context, status=status)


def _text_owner(survey: Survey, kind: str, object_id: str) -> object:
    """The object a parity item names, looked up only inside this survey."""
    lookups = {
        "survey": lambda pk: Survey.objects.get(pk=pk, pk__in=[survey.pk]),
        "section": lambda pk: Section.objects.get(pk=pk, survey=survey),
        "question": lambda pk: Question.objects.get(pk=pk, survey=survey),
        "option": lambda pk: Option.objects.get(pk=pk, question__survey=survey),
        "row": lambda pk: Row.objects.get(pk=pk, question__survey=survey),
        "scale_label": lambda pk: ScaleLabel.objects.get(pk=pk, question__survey=survey),
    }
    if kind not in lookups or not object_id.isdigit():
        raise Http404
    try:
        return lookups[kind](int(object_id))
    except (
        Survey.DoesNotExist,
        Section.DoesNotExist,
        Question.DoesNotExist,
        Option.DoesNotExist,
        Row.DoesNotExist,
        ScaleLabel.DoesNotExist,
    ):
        raise Http404 from None


@survey_view("POST")
def translation_confirm(request: HttpRequest, survey: Survey) -> HttpResponse:
    post = request.POST
    obj = _text_owner(survey, post.get("kind", ""), post.get("object_id", ""))
    try:
        builder.translation_confirm(
            obj=obj,
            user=request.user,
            field=post.get("field", ""),
            language=post.get("language", ""),
        )
    except BuilderError as error:
        return edit_page(request, survey, status=400, action_errors=error_messages(error))
    messages.success(request, _("Translation marked as still right."))
    return redirect(back_url(request, edit_url(survey, "parity")))
