"""The admin side of the permission rules: scoped survey pages, sharing, and the audit log.

`SurveyScopedAdmin` and `SurveyScopedImport` are mixed into the questionnaire admin
(`surveys.admin`) so that every changelist, object page, choice list and import row stays inside
`surveys_editable_by`; the rules themselves live in `accounts.permissions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, Section, Survey

from .models import AuditEvent, SurveyShare
from .permissions import survey_sharing_allowed, surveys_editable_by

# How each questionnaire model reaches its survey, for choice lists limited to editable surveys.
SURVEY_PATHS = {Survey: "pk", Section: "survey", Question: "survey"}
# The questionnaire admin is for those who edit questionnaires: the view-only grants of the
# results-admin role (surveys, responses) do not open it; results live on the results pages.
EDITOR_PERMISSION = "surveys.change_survey"


def _editable_ids(request: HttpRequest) -> QuerySet[Survey]:
    return surveys_editable_by(user=request.user).values("pk")


class SurveyScopedAdmin:
    """Pages of the surveys the user may edit; any other survey's page is 404, as if missing.

    `survey_path` is the lookup from the admin's model to its survey ("pk" for the survey itself).
    A user whose role does not include the model, or who edits no questionnaire at all (a results
    admin), gets the admin's own 403.
    """

    survey_path = "survey"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editor = request.user.has_perm(EDITOR_PERMISSION)
        return editor and super().has_view_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.survey_path}__in": _editable_ids(request)})

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.has_view_or_change_permission(request):
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        path = SURVEY_PATHS.get(db_field.related_model)
        if path and not request.user.is_superuser:
            related = db_field.related_model._default_manager
            kwargs["queryset"] = related.filter(**{f"{path}__in": _editable_ids(request)})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SurveyScopedImport:
    """A resource mixin: rows may name only surveys the importing user may edit.

    Any other slug reads as unknown, with the resource's own message, so an import cannot tell
    someone else's survey from a missing one. The admin passes the user to `import_data`.
    """

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        user = kwargs.get("user") or AnonymousUser()
        self._editable = set(surveys_editable_by(user=user).values_list("slug", flat=True))
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        slug = str(row.get("survey") or "").strip()
        if slug not in self._editable:
            message = gettext("There is no survey with the slug “%(value)s”.")
            raise ValidationError({"survey": message % {"value": slug}})
        super().before_import_row(row, **kwargs)


class SurveyShareInline(admin.TabularInline):
    """Who else works on the survey; shown to superusers and the survey's owner only."""

    model = SurveyShare
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    extra = 0

    def _allowed(self, request: HttpRequest, obj: Survey | None) -> bool:
        return survey_sharing_allowed(user=request.user, survey=obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SurveyShare]:
        # Not the inline's own check, which asks without the survey: `get_inline_instances`
        # has already decided, per survey, whether the inline is shown at all.
        return SurveyShare.objects.select_related("user").order_by("user__username")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "user":
            # Only people who sign in to the admin can use a share.
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user":
            field.choices = list(field.choices)  # read once per page, not once per share row
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_view_related = field.widget.can_delete_related = False
        return field


@admin.register(SurveyShare)
class SurveyShareAdmin(admin.ModelAdmin):
    """Every share at once, for superusers; owners share from their survey's page."""

    list_display = ("survey", "user", "role", "created_at")
    list_filter = ("role", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey", "user")
    search_fields = ("survey__slug", "user__username")
    autocomplete_fields = ("user",)
    raw_id_fields = ("survey",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: superusers read it; nobody adds, changes or deletes an event."""

    list_display = ("created_at", "who", "action", "taken", "survey_slug")
    list_filter = ("action", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey",)
    search_fields = ("username", "survey__slug")
    date_hierarchy = "created_at"
    fields = ("created_at", "user", "username", "action", "survey", "detail")
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("user"), ordering="username")
    def who(self, obj: AuditEvent) -> str:
        return obj.username

    @admin.display(description=_("survey"), ordering="survey__slug")
    def survey_slug(self, obj: AuditEvent) -> str | None:
        # Long slugs may wrap at their hyphens, so the column fits beside the filters.
        if obj.survey is None:
            return None
        return format_html_join(
            mark_safe("-<wbr>"), "{}", ((p,) for p in obj.survey.slug.split("-"))
        )

    @admin.display(description=_("format and filters"))
    def taken(self, obj: AuditEvent) -> str:
        """`xlsx, kk; level: central` — what left the platform, in one short column."""
        detail = obj.detail
        chosen = detail.get("filters") or {}
        filters = [f"{code}: {', '.join(map(str, codes))}" for code, codes in chosen.items()]
        head = ", ".join(str(detail[key]) for key in ("format", "language") if detail.get(key))
        return "; ".join([head, *filters]) if head else "; ".join(filters)


# The invitations' admin lives in a module of its own; importing it here registers it.
from . import admin_invitations  # noqa: E402, F401
