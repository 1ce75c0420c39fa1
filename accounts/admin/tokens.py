"""The admin of API tokens: superusers read every token and may revoke; nobody adds or edits.

Tokens are made by their owners on their account page (`accounts.views_tokens`); the admin is for
the case where a token must be stopped without its owner, e.g. one leaked or of a person who left.
The digest is not shown: it is of no use to a reader, and less copied is less exposed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin.sharing import SuperuserRecordAdmin
from accounts.models import ApiToken
from accounts.tokens import TOKEN_START, api_token_revoke_any


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserRecordAdmin):
    list_display = (
        "user",
        "name",
        "shown_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "name", "prefix")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "name",
        "shown_prefix",
        ("created_at", "expires_at"),
        ("last_used_at", "revoked_at"),
    )
    readonly_fields = (
        "user",
        "name",
        "shown_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_selected",)

    @admin.display(description=_("token"), ordering="prefix")
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{TOKEN_START}{obj.prefix}_…"

    def has_revoke_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        chosen = list(queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        for token_id in chosen:
            api_token_revoke_any(token_id=token_id, by=request.user)
        count = len(chosen)
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
