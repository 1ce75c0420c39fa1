"""The Django admin of responses: browsed, never written.

Responses and answers are read-only: they are written by `surveys.services` after
`surveys.validation.response_validate`, and the admin must not become a second way in. They are
shown only to users with microdata access to their survey
(`accounts.admin.scoping.MicrodataScopedAdmin`): results admins, who see aggregates only, never
open one here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin.scoping import MicrodataScopedAdmin
from surveys.models import Answer, Response

QUESTIONNAIRE_ORDER = ("question__section__position", "question__position", "question_id")


class AnswerInline(admin.TabularInline):
    """The stored answer rows, read-only: only `surveys.services` writes answers."""

    model = Answer
    fields = ("question_code", "option_code", "row_code", "value_int", "value_text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return (
            super()
            .get_queryset(request)
            .select_related("question__section", "option", "row")
            .order_by(*QUESTIONNAIRE_ORDER, "option__position", "row__position", "id")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("question"))
    def question_code(self, obj: Answer) -> str:
        return obj.question.code

    @admin.display(description=_("option"))
    def option_code(self, obj: Answer) -> str:
        return obj.option.code if obj.option else ""

    @admin.display(description=_("row"))
    def row_code(self, obj: Answer) -> str:
        return obj.row.code if obj.row else ""


@admin.register(Response)
class ResponseAdmin(MicrodataScopedAdmin, admin.ModelAdmin):
    """Browse responses, for microdata users only; no adding or editing, deleting for superusers.

    Never shown, filtered or looked up: the resume key (whoever held the link), the invitation
    tag (which invitation a draft belongs to) and the record key (the cell key method's secret
    per response, `analytics.disclosure`). The changelist accepts only its own filters' lookups,
    so `?key=...` cannot test whether a key or tag belongs to some response.
    """

    list_display = ("id", "survey", "language", "status", "source", "submitted_at")
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter), "status", "language", "source")
    list_select_related = ("survey",)
    fields = ("survey", "language", "status", "source", "started_at", "updated_at", "submitted_at")
    readonly_fields = fields
    inlines = (AnswerInline,)
    # The lookups that `list_filter` itself writes into the URL, and no other.
    allowed_lookups = frozenset(
        {"survey__id__exact", "status__exact", "language__exact", "source__exact"}
    )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup in self.allowed_lookups

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
