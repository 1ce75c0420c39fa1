"""What every builder view shares: object lookup inside a survey, service errors on forms,
reorder requests from drag and drop or from the up/down buttons, and the reply to each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.builder import services as builder
from surveys.builder.access import builder_required, builder_survey_get
from surveys.builder.forms import ConditionForm, QuestionForm, SectionForm
from surveys.builder.selectors import condition_candidates
from surveys.builder.services import BuilderError
from surveys.models import Option, Question, Row, Section, Survey

Saved = TypeVar("Saved")
# A section's and a question's own page: the form that edits it, the service that stores that
# form, and the message once stored (own_page_edit).
OWN_PAGE: dict[str, tuple[type[forms.Form], Callable[..., Any], Promise]] = {
    "section": (SectionForm, builder.section_update, gettext_lazy("Section saved.")),
    "question": (QuestionForm, builder.question_update, gettext_lazy("Question saved.")),
}


def language() -> str:
    """The interface language, which also picks the language of questionnaire texts shown."""
    current = translation.get_language() or "kk"
    return current if current in ("kk", "ru") else "kk"


def section_get(survey: Survey, code: str) -> Section:
    try:
        return survey.sections.get(code=code)
    except Section.DoesNotExist:
        raise Http404 from None


def question_get(survey: Survey, code: str) -> Question:
    try:
        return survey.questions.select_related("section").get(code=code)
    except Question.DoesNotExist:
        raise Http404 from None


def item_get(question: Question, kind: str, code: str) -> Option | Row:
    items = question.options if kind == "option" else question.rows
    try:
        return items.get(code=code)
    except (Option.DoesNotExist, Row.DoesNotExist):
        raise Http404 from None


def errors_attach(form: forms.Form, error: BuilderError) -> None:
    """The service's errors on the form: by field where the form has it, else above the form."""
    for field, found in error.errors.items():
        name = field if field in form.fields else None
        for message in found:
            form.add_error(name, message)


def form_save(
    request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], Saved], done: str
) -> Saved | None:
    """Validate a bound form and pass its data to a builder service: what the service stored,
    with `done` as the success message; or None, the form holding its own or the service's
    refusals, for the view to show again with status 400. Every builder form goes this way, so
    a service's refusal always lands on the field it names."""
    if not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except BuilderError as error:
        errors_attach(form, error)
        return None
    messages.success(request, done)
    return saved


def error_messages(error: BuilderError) -> list[str]:
    return [message for found in error.errors.values() for message in found]


def posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must fail validation), else None."""
    return request.POST if request.method == "POST" else None


def wants_json(request: HttpRequest) -> bool:
    """builder.js asks for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def order_requested(request: HttpRequest, current: Sequence[str]) -> list[str]:
    """The new full order: posted as `codes` by drag and drop, or one `move` up or down."""
    codes = request.POST.getlist("codes")
    if codes:
        return codes
    order = list(current)
    code, direction = request.POST.get("move", ""), request.POST.get("direction", "")
    if code not in order:
        return order
    i = order.index(code)
    j = i - 1 if direction == "up" else i + 1 if direction == "down" else i
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


def reorder_reply(
    request: HttpRequest,
    current: QuerySet[Any],
    write: Callable[[list[str]], None],
    back: Callable[[str | None], str],
    refused: Callable[[list[str]], HttpResponse],
) -> HttpResponse:
    """Reorder `current` (sections, questions, options or rows) as requested, through `write`
    (the builder's reorder service given the codes). JSON for builder.js; otherwise back to
    `back(moved code or None)`, or `refused(messages)` (a 400 page)."""
    codes = order_requested(
        request, current.order_by("position", "id").values_list("code", flat=True)
    )
    error = None
    try:
        write(codes)
    except BuilderError as caught:
        error = caught
    if wants_json(request):
        if error is not None:
            return JsonResponse({"ok": False, "errors": error.errors}, status=400)
        return JsonResponse({"ok": True, "codes": list(codes)})
    if error is not None:
        return refused(error_messages(error))
    return redirect(back(request.POST.get("move")))


def back_url(request: HttpRequest, default: str) -> str:
    """A `next` field pointing into this site, or `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def optional_url(name: str, **kwargs: Any) -> str | None:
    """A link to a page another part of the builder may not provide yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def edit_url(survey: Survey, anchor: str = "") -> str:
    url = reverse("builder:edit", kwargs={"slug": survey.slug})
    return f"{url}#{anchor}" if anchor else url


def own_url(target: Section | Question, anchor: str = "") -> str:
    """Where a section (its place on the survey's edit page) or a question (its page) is shown."""
    if isinstance(target, Section):
        return edit_url(target.survey, f"section-{target.code}")
    return question_url(target, anchor)


def question_url(question: Question, anchor: str = "") -> str:
    url = reverse(
        "builder:question_edit", kwargs={"slug": question.survey.slug, "code": question.code}
    )
    return f"{url}#{anchor}" if anchor else url


def survey_view(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A builder view of one survey: role check, then the survey (404 if not the user's), then
    the method. The survey comes first so that any request about a survey that is not yours,
    of whatever method, reads as one about a survey that does not exist."""
    allowed = [*methods, "HEAD"] if "GET" in methods else list(methods)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
            survey = builder_survey_get(request=request, slug=slug)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return view(request, survey, **kwargs)

        return builder_required(wrapper)

    return decorate


def condition_save(request: HttpRequest, target: Section | Question) -> tuple[ConditionForm, bool]:
    """Bind the posted display condition of a section or question and store it.

    Returns the bound form (with the service's refusals attached) and whether it was stored.
    """
    form = ConditionForm(
        request.POST, candidates=condition_candidates(target=target), language=language()
    )

    def store(data: dict[str, Any]) -> bool:
        builder.condition_set(
            target=target,
            user=request.user,
            question_code=data["question_code"],
            option_codes=data["option_codes"],
        )
        return True  # the service returns nothing; form_save's None means refused

    return form, bool(form_save(request, form, store, _("Display condition saved.")))


def own_page_views(
    get: Callable[[Survey, str], Section | Question], page: Callable[..., HttpResponse]
) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The two views of a section's or a question's own page, `page(request, target, **forms)`:
    the page with its edit form, and its display condition. `get` finds the object by code.

    On GET the page; on POST the edit form stored, then back to where the object is shown, or,
    refused, the page again with the bound form as `section_form` or `question_form`. The object
    is read again first: the refused service may have set the form's values on it.
    """

    @survey_view("GET", "POST")
    def edit(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
        target = get(survey, code)
        if request.method == "GET":
            return page(request, target)
        kind = target._meta.model_name
        form_class, update, done = OWN_PAGE[kind]
        form = form_class(request.POST)
        saved = form_save(
            request, form, lambda data: update(**{kind: target}, user=request.user, data=data), done
        )
        if saved is not None:
            return redirect(own_url(saved))
        target.refresh_from_db()
        return page(request, target, status=400, **{f"{kind}_form": form})

    @survey_view("POST")
    def condition(request: HttpRequest, survey: Survey, code: str) -> HttpResponse:
        target = get(survey, code)
        form, saved = condition_save(request, target)
        if saved:
            return redirect(own_url(target, "condition"))
        return page(request, target, condition_form=form, status=400)

    return edit, condition
