"""What a browser session remembers of the respondent's surveys: the drafts it started, the
invitation tokens it holds and the surveys it has just completed. Apart from the views, which
only ask it, so that what a session keeps (and forgets on completing) is read in one place."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.invitations import invitation_open
from accounts.models import Invitation
from surveys.drafts import draft_is_expired, drafts_of_invitation, invitation_tag_matches
from surveys.models import Response, Survey

SESSION_KEY = "saualnama_drafts"
INVITATION_KEY = "saualnama_invitations"
# Slugs of the surveys this session has just completed a response of: what the thank-you page and
# a repeated last submit go by, now that the response keeps no key.
COMPLETED_KEY = "saualnama_completed"


def drafts(request: HttpRequest) -> dict[str, str]:
    return request.session.get(SESSION_KEY, {})


def session_token(request: HttpRequest, survey: Survey) -> str | None:
    return request.session.get(INVITATION_KEY, {}).get(survey.slug) or None


def session_invitation(request: HttpRequest, survey: Survey) -> Invitation | None:
    token = session_token(request, survey)
    if not token:
        return None
    try:
        return invitation_open(token=token, survey=survey)
    except Invitation.DoesNotExist:
        return None


def session_draft(request: HttpRequest, survey: Survey) -> Response | None:
    """The draft this session continues: the one it started, or, in an invitation survey, the one
    started with the session's invitation (on another device, say); never an expired one."""
    key = drafts(request).get(survey.slug)
    token = session_token(request, survey)
    candidates = []
    if key:
        found = Response.objects.filter(key=key, survey=survey, status=Response.Status.DRAFT)
        candidates.extend(found[:1])
    if survey.access == Survey.Access.INVITATION and token:
        candidates.extend(drafts_of_invitation(survey=survey, token=token)[:1])
    for draft in candidates:
        draft.survey = survey
        if survey.access == Survey.Access.INVITATION and not invitation_tag_matches(
            response=draft, token=token
        ):
            continue
        if not draft_is_expired(response=draft):
            return draft
    return None


def draft_remember(request: HttpRequest, response: Response) -> None:
    """Keep the draft's key in the session, so that the welcome page offers to continue it."""
    request.session[SESSION_KEY] = {**drafts(request), response.survey.slug: str(response.key)}


def token_keep(request: HttpRequest, slug: str, token: str) -> None:
    """Keep an invitation link's token for `slug`: never on the response, only in the session."""
    request.session[INVITATION_KEY] = {**request.session.get(INVITATION_KEY, {}), slug: token}


def session_complete(request: HttpRequest, slug: str) -> None:
    """Forget the draft and the token of `slug`, remember that this session completed it."""
    request.session[SESSION_KEY] = {k: v for k, v in drafts(request).items() if k != slug}
    # The session held both the token and the response's key: it keeps neither.
    invitations = request.session.get(INVITATION_KEY, {})
    if slug in invitations:
        request.session[INVITATION_KEY] = {k: v for k, v in invitations.items() if k != slug}
    completed = request.session.get(COMPLETED_KEY, [])
    if slug not in completed:
        request.session[COMPLETED_KEY] = [*completed, slug]
