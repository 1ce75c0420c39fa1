"""The respondent's pages: welcome, one page per section, thank-you. Thin: services decide.

An invitation-only survey is entered through `/s/<slug>/i/<token>/`, which keeps the token in the
session (never on the response); starting needs that token unused, and completing records its
use in the same transaction, so one token completes one response. Its draft carries an HMAC of the
token (surveys.drafts) and opens only for a session holding the same token.

A completed response has no resume key any more: the thank-you page is `/s/<slug>/thanks/`, shown
to the session that completed it. A draft past its expiry (surveys.drafts) is gone for every page;
an address whose key leads nowhere (completed, purged, never existed) gets one page saying so.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from accounts.invitations import (
    InvitationUsed,
    invitation_is_used,
    invitation_open,
    invitation_use,
)
from accounts.models import Invitation
from accounts.permissions import survey_edit_allowed
from surveys.answers import answers_to_wide
from surveys.drafts import (
    client_address,
    draft_is_expired,
    invitation_tag_for,
    invitation_tag_matches,
    start_quota_take,
)
from surveys.models import Response, Survey
from surveys.respond.forms import SectionForm
from surveys.respond.session import (
    COMPLETED_KEY,
    draft_remember,
    session_complete,
    session_draft,
    session_invitation,
    session_token,
    token_keep,
)
from surveys.schema import SurveySchema
from surveys.selectors import response_answers_get, response_resume_section, survey_schema_cached
from surveys.services import (
    ResponseClosed,
    ResponseInvalid,
    response_complete,
    response_save_page,
    response_start,
)
from surveys.validation import response_validate


def home(request: HttpRequest) -> HttpResponse:
    # Invitation-only surveys are not advertised: their link would only say "by invitation".
    surveys = Survey.objects.filter(status=Survey.Status.OPEN, access=Survey.Access.OPEN)
    return render(request, "home.html", {"surveys": surveys.order_by("slug")})


def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (docs/accessibility.md in short), linked from every footer."""
    return render(request, "accessibility.html")


def _language(request: HttpRequest) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in ("kk", "ru") else settings.LANGUAGE_CODE


def _availability(request: HttpRequest, survey: Survey) -> str:
    """open, preview (a draft shown to those who may edit it), draft, not_open or closed."""
    now = timezone.now()
    if survey.status == Survey.Status.DRAFT:
        can_preview = survey_edit_allowed(user=request.user, survey=survey)
        return "preview" if can_preview else "draft"
    if survey.status == Survey.Status.CLOSED or (survey.closes_at and survey.closes_at <= now):
        return "closed"
    if survey.opens_at and survey.opens_at > now:
        return "not_open"
    return "open"


def _unavailable(request: HttpRequest, survey: Survey, state: str) -> HttpResponse:
    if state == "draft":
        raise Http404
    if state == "preview":
        # A draft answered here would be a stored response, which locks the survey's structure;
        # the builder's preview keeps its answers in the session only.
        return redirect("preview:start", slug=survey.slug, lang=_language(request))
    context = {"survey": survey, "state": state, "lang": _language(request)}
    return render(request, "surveys/unavailable.html", context, status=403)


def _invitation_refused(request: HttpRequest, survey: Survey, reason: str) -> HttpResponse:
    """`reason` is "required" (no invitation in this session) or "used"."""
    context = {"survey": survey, "reason": reason, "lang": _language(request)}
    return render(request, "surveys/invitation_refused.html", context, status=403)


def _invitation_gate(request: HttpRequest, survey: Survey) -> HttpResponse | None:
    """The refusal page, unless the survey is open to all or the session holds an unused token."""
    if survey.access != Survey.Access.INVITATION:
        return None
    invitation = session_invitation(request, survey)
    if invitation is None:
        return _invitation_refused(request, survey, "required")
    if invitation_is_used(invitation=invitation):
        return _invitation_refused(request, survey, "used")
    return None


def invitation(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A personal invitation link: keep the token in the session and go to the welcome page."""
    survey = get_object_or_404(Survey, slug=slug)
    try:
        found = invitation_open(token=token, survey=survey)
    except Invitation.DoesNotExist:
        raise Http404 from None
    if invitation_is_used(invitation=found):
        return _invitation_refused(request, survey, "used")
    token_keep(request, slug, token)
    # A redirect, so the token leaves the address bar and is sent on in no Referer.
    return redirect("surveys:welcome", slug=slug)


def _page_url(response: Response, number: int) -> str:
    return reverse("surveys:page", args=[response.survey.slug, response.key, number])


def _entry(request: HttpRequest, slug: str) -> tuple[Survey, Response | None] | HttpResponse:
    """The welcome page's and start's checks: the survey open and, if by invitation, this
    session's token unused; then the survey and the draft this session continues, if any. Else
    the page that refuses."""
    survey = get_object_or_404(Survey, slug=slug)
    state = _availability(request, survey)
    if state != "open":
        return _unavailable(request, survey, state)
    if refused := _invitation_gate(request, survey):
        return refused
    return survey, session_draft(request, survey)


def welcome(request: HttpRequest, slug: str) -> HttpResponse:
    entered = _entry(request, slug)
    if isinstance(entered, HttpResponse):
        return entered
    survey, draft = entered
    context = {"survey": survey, "lang": _language(request), "draft": draft}
    return render(request, "surveys/welcome.html", context)


def _start_limited(request: HttpRequest, survey: Survey, wait: int) -> HttpResponse:
    context = {"survey": survey, "lang": _language(request), "minutes": max(-(-wait // 60), 1)}
    http = render(request, "surveys/start_limited.html", context, status=429)
    http["Retry-After"] = str(wait)
    return http


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    entered = _entry(request, slug)
    if isinstance(entered, HttpResponse):
        return entered
    # A second click on "start" (or a replayed POST) continues the same draft, uncounted.
    survey, response = entered
    if response is None:
        if wait := start_quota_take(survey=survey, client=client_address(request.META)):
            return _start_limited(request, survey, wait)
        token = session_token(request, survey)
        tag = invitation_tag_for(token) if survey.access == Survey.Access.INVITATION else ""
        response = response_start(survey=survey, language=_language(request), invitation_tag=tag)
    draft_remember(request, response)
    return redirect("surveys:resume", slug=slug, key=response.key)


def _draft_open(request: HttpRequest, slug: str, key: str) -> Response | HttpResponse:
    """The draft under this key if this request may open it, else the page to answer with."""
    response = Response.objects.select_related("survey").filter(key=key, survey__slug=slug).first()
    if response is None:
        survey = get_object_or_404(Survey, slug=slug)
        if slug in request.session.get(COMPLETED_KEY, []):
            # This session completed its response a moment ago (a repeated submit, a reload).
            return redirect("surveys:thanks", slug=slug)
        return _draft_gone(request, survey, "unknown", status=404)
    survey = response.survey
    if survey.access == Survey.Access.INVITATION and not invitation_tag_matches(
        response=response, token=session_token(request, survey)
    ):
        # Checked before anything else about the draft: a key without its invitation learns
        # nothing, not even whether the draft has expired.
        return _invitation_refused(request, survey, "required")
    if response.status == Response.Status.COMPLETE:  # a key kept from before keys were cleared
        return redirect("surveys:thanks", slug=slug)
    if draft_is_expired(response=response):
        return _draft_gone(request, survey, "expired", status=410)
    return response


def _draft_gone(request: HttpRequest, survey: Survey, reason: str, *, status: int) -> HttpResponse:
    """`reason` is "expired" (410) or "unknown" (404: submitted, purged or never there)."""
    context = {"survey": survey, "reason": reason, "lang": _language(request)}
    return render(request, "surveys/draft_gone.html", context, status=status)


def resume(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    response = _draft_open(request, slug, key)
    if isinstance(response, HttpResponse):
        return response
    schema = survey_schema_cached(survey=response.survey)
    answers = response_answers_get(response=response, schema=schema)
    number = response_resume_section(schema=schema, answers=answers)
    draft_remember(request, response)
    return redirect(_page_url(response, number))


def _numbers(schema: SurveySchema) -> dict[str, int]:
    return {q.code: i for i, q in enumerate(schema.ordered_questions(), start=1)}


def page(request: HttpRequest, slug: str, key: str, number: int) -> HttpResponse:
    response = _draft_open(request, slug, key)
    if isinstance(response, HttpResponse):
        return response
    state = _availability(request, response.survey)
    if state != "open":
        return _unavailable(request, response.survey, state)
    schema = survey_schema_cached(survey=response.survey)
    saved = response_answers_get(response=response, schema=schema)
    sections = schema.visible_sections(saved)
    if not 1 <= number <= len(sections):
        return redirect("surveys:resume", slug=slug, key=key)
    section = sections[number - 1]
    language = _language(request)
    if request.method != "POST":
        form = SectionForm(
            schema=schema, section=section, language=language, saved=saved, numbers=_numbers(schema)
        )
        summary = []
        if request.GET.get("check"):
            page_codes = set(section.questions)
            context = {c: a for c, a in saved.items() if c not in page_codes}
            held = {c: a for c, a in saved.items() if c in page_codes}
            data = answers_to_wide(schema, held)
            summary = form.show_errors(
                response_validate(schema=schema, data=data, only=page_codes, context=context)
            )
        return _render_page(request, response, form, sections, number, summary)
    return _post_page(request, response, schema, sections, number, saved, language)


def _post_page(request, response, schema, sections, number, saved, language) -> HttpResponse:
    section = sections[number - 1]
    action = request.POST.get("action", "next")
    switch = request.POST.get("switch_language")
    if switch in ("kk", "ru"):
        language = switch
        translation.activate(language)
    form = SectionForm(
        request.POST,
        schema=schema,
        section=section,
        language=language,
        saved=saved,
        numbers=_numbers(schema),
    )
    enforce = action in ("next", "submit") and not switch
    try:
        result = response_save_page(
            response=response,
            schema=schema,
            section=section.code,
            data=form.wide_data(),
            language=language,
            enforce_required=enforce,
            held=saved,
        )
    except ResponseClosed:
        # Completed meanwhile: by this session's other request (a double submit) or its retry.
        return _completed(request, response.survey.slug)
    blocking = {
        k: v
        for k, v in result.errors.items()
        if action != "back" or any(e.code != "required" for e in v)
    }
    if blocking or switch:
        if switch and not blocking:
            http = redirect(_page_url(response, number))
        else:
            summary = form.show_errors(result) if blocking else []
            http = _render_page(request, response, form, sections, number, summary)
        if switch:
            http.set_cookie(settings.LANGUAGE_COOKIE_NAME, switch, samesite="Lax")
        return http
    if action == "back":
        return redirect(_page_url(response, max(number - 1, 1)))
    # The answers as saved, from the save itself: no third read of them in this request.
    now_sections = schema.visible_sections(result.held)
    codes = [s.code for s in now_sections]
    position = codes.index(section.code) + 1 if section.code in codes else number
    if position < len(now_sections):
        return redirect(_page_url(response, position + 1))
    return _finish(request, response, schema, now_sections)


def _finish(request, response, schema, sections) -> HttpResponse:
    slug = response.survey.slug
    survey = response.survey
    on_complete = None
    if survey.access == Survey.Access.INVITATION:
        invitation = session_invitation(request, survey)
        if invitation is None:
            return _invitation_refused(request, survey, "required")
        # No check that it is unused: the database refuses a second use, also a concurrent one.
        on_complete = partial(invitation_use, invitation=invitation)
    try:
        response_complete(response=response, schema=schema, on_complete=on_complete)
    except ResponseInvalid as invalid:
        first = next(iter(invalid.result.errors))
        code = first.partition(".")[0]
        index = next((i for i, s in enumerate(sections, 1) if code in s.questions), 1)
        return redirect(_page_url(response, index) + "?check=1")
    except InvitationUsed:
        # Another session completed with this token first; this draft stays a draft.
        return _invitation_refused(request, survey, "used")
    return _completed(request, slug)


def _completed(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    """The session forgets the draft and token, remembers the completion: to the thank-you."""
    session_complete(request, slug)
    return redirect("surveys:thanks", slug=slug)


def _render_page(request, response, form, sections, number, summary) -> HttpResponse:
    language = form.language
    context = {
        "survey": response.survey,
        "response": response,
        "form": form,
        "section": form.section,
        "section_title": form.section.title.get(language),
        "section_description": form.section.description.get(language),
        "number": number,
        "total": len(sections),
        "percent": round(100 * (number - 1) / len(sections)),
        "is_last": number == len(sections),
        "summary": summary,
        "lang": language,
        "resume_url": request.build_absolute_uri(
            reverse("surveys:resume", args=[response.survey.slug, response.key])
        ),
    }
    return render(request, "surveys/page.html", context)


def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The thank-you, for the session that completed a response; anyone else goes to the welcome
    page (the thank-you says "your answers have been submitted", which only that session knows)."""
    survey = get_object_or_404(Survey, slug=slug)
    if slug not in request.session.get(COMPLETED_KEY, []):
        return redirect("surveys:welcome", slug=slug)
    context = {"survey": survey, "lang": _language(request)}
    return render(request, "surveys/thanks.html", context)


def thanks_keyed(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The thank-you's old address, with the key: a completed response has none any more; a draft
    goes on where it was left."""
    if Response.objects.filter(key=key, survey__slug=slug, status=Response.Status.DRAFT).exists():
        return redirect("surveys:resume", slug=slug, key=key)
    return redirect("surveys:thanks", slug=slug)
