"""A signed-in user's API tokens: the list, a new token, revoking one.

A new token's text is in the answer to the POST that made it and nowhere else: not in the
session, not behind a redirect, so neither a reload nor the back button brings it back, and the
page is never cached. Each user sees and revokes only their own tokens (`accounts.tokens`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .forms_tokens import ApiTokenForm
from .models import ApiToken
from .tokens import TOKEN_START, api_token_create, api_token_revoke


def _page(request: HttpRequest, form: ApiTokenForm, created: str = "", status: int = 200):
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "token_start": TOKEN_START,
        "created": created,
        "surveys_url": request.build_absolute_uri(reverse("api:surveys")),
    }
    return render(request, "accounts/tokens.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens and the form for a new one; a POST makes it and shows its text once."""
    if request.method == "GET":
        return _page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, text = api_token_create(
            user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, form, status=400)
    return _page(request, ApiTokenForm(), created=text, status=201)


@never_cache
@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_revoke(user=request.user, token_id=token_id)
    if token is None:
        # Another user's token reads like one that does not exist.
        raise Http404
    messages.success(
        request,
        _("The token “%(name)s” is revoked: requests with it are refused from now on.")
        % {"name": token.name},
    )
    return redirect("api_tokens")
