"""Builder views of a question's parts: options (single and multiple choice), matrix rows, and
the labels of scale points. Options and rows differ only in their form and services, so one set
of views serves both, chosen by the URL's `kind`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.builder import services as builder
from surveys.builder.forms import BuilderForm, OptionForm, RowForm, ScaleLabelForm
from surveys.builder.services import BuilderError
from surveys.builder.views.common import (
    error_messages,
    form_save,
    item_get,
    language,
    posted,
    question_get,
    question_url,
    reorder_reply,
    survey_view,
)
from surveys.builder.views.pages import question_page
from surveys.models import Survey


@dataclass(frozen=True)
class ItemKind:
    form: type[BuilderForm]
    add: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    reorder: Callable[..., Any]
    related: str
    title: Promise


KINDS = {
    "option": ItemKind(
        OptionForm,
        builder.option_add,
        builder.option_update,
        builder.option_delete,
        builder.options_reorder,
        "options",
        gettext_lazy("Option"),
    ),
    "row": ItemKind(
        RowForm,
        builder.row_add,
        builder.row_update,
        builder.row_delete,
        builder.rows_reorder,
        "rows",
        gettext_lazy("Matrix row"),
    ),
}


@survey_view("POST")
def item_add(request: HttpRequest, survey: Survey, code: str, kind: str) -> HttpResponse:
    question = question_get(survey, code)
    spec = KINDS[kind]
    form = spec.form(request.POST, prefix=kind)
    item = form_save(
        request,
        form,
        lambda data: spec.add(question=question, user=request.user, data=data),
        _("Added."),
    )
    if item is not None:
        return redirect(question_url(question, f"{kind}-{item.code}"))
    return question_page(request, question, status=400, **{f"{kind}_form": form})


@survey_view("GET", "POST")
def item_edit(
    request: HttpRequest, survey: Survey, code: str, kind: str, item: str
) -> HttpResponse:
    question = question_get(survey, code)
    spec = KINDS[kind]
    obj = item_get(question, kind, item)
    form = spec.form(posted(request), initial=spec.form.initial_from(obj))
    if request.method == "POST":
        saved = form_save(
            request,
            form,
            lambda data: spec.update(**{kind: obj}, user=request.user, data=data),
            _("Saved."),
        )
        if saved is not None:
            return redirect(question_url(question, f"{kind}-{saved.code}"))
    status = 400 if request.method == "POST" else 200
    context = {
        "survey": survey,
        "question": question,
        "item": obj,
        "kind": kind,
        "title": spec.title,
        "form": form,
        "lang": language(),
    }
    return render(request, "builder/item_edit.html", context, status=status)


@survey_view("POST")
def item_delete(
    request: HttpRequest, survey: Survey, code: str, kind: str, item: str
) -> HttpResponse:
    question = question_get(survey, code)
    obj = item_get(question, kind, item)
    try:
        KINDS[kind].delete(**{kind: obj}, user=request.user)
    except BuilderError as error:
        return question_page(request, question, status=400, action_errors=error_messages(error))
    messages.success(request, _("Deleted."))
    return redirect(question_url(question, f"{KINDS[kind].related}"))


@survey_view("POST")
def items_reorder(request: HttpRequest, survey: Survey, code: str, kind: str) -> HttpResponse:
    question = question_get(survey, code)
    spec = KINDS[kind]
    return reorder_reply(
        request,
        getattr(question, spec.related).all(),
        lambda codes: spec.reorder(question=question, user=request.user, codes=codes),
        lambda moved: question_url(question, f"{kind}-{moved}" if moved else spec.related),
        lambda found: question_page(request, question, status=400, action_errors=found),
    )


@survey_view("POST")
def scale_label_set(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    question = question_get(survey, code)
    form = ScaleLabelForm(request.POST, prefix="scale")
    label = form_save(
        request,
        form,
        lambda data: builder.scale_label_set(
            question=question,
            user=request.user,
            value=data["value"],
            label_kk=data["label_kk"],
            label_ru=data["label_ru"],
        ),
        _("Scale label saved."),
    )
    if label is not None:
        return redirect(question_url(question, f"point-{label.value}"))
    return question_page(request, question, status=400, scale_form=form)


@survey_view("POST")
def scale_label_delete(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
    question = question_get(survey, code)
    try:
        # Posted rather than in the URL: a scale may start below zero.
        value = int(request.POST.get("value", ""))
    except ValueError:
        raise Http404 from None
    try:
        builder.scale_label_delete(question=question, user=request.user, value=value)
    except BuilderError as error:
        return question_page(request, question, status=400, action_errors=error_messages(error))
    messages.success(request, _("Scale label removed."))
    return redirect(question_url(question, "scale"))
