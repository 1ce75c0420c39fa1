"""What keeps an admin page inside the surveys its user may see: mixins of the survey admins.

`SurveyScopedAdmin` and `SurveyScopedImport` are mixed into the questionnaire admin
(`surveys.admin.questionnaire`) and the invitations' admin so that every changelist, object page,
choice list and import row stays inside `surveys_editable_by`; `MicrodataScopedAdmin` keeps the
response pages inside `surveys_with_microdata_for`. The rules themselves live in
`accounts.permissions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext

from accounts.permissions import (
    surveys_editable_by,
    surveys_with_microdata_for,
)
from surveys.models import Question, Section, Survey

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


class MicrodataScopedAdmin:
    """Single responses, for users with microdata access to their survey; nobody else.

    No model permission opens these pages: the object-level rule does (the owner, a researcher
    share, a grant by name; `accounts.permissions`). A user with microdata on no survey at all,
    such as a results admin, gets the admin's 403; a response of a survey whose microdata the user
    may not see answers 404, as if it did not exist.
    """

    survey_path = "survey"

    def _microdata_somewhere(self, request: HttpRequest) -> bool:
        # Asked several times per page (index, changelist, each permission check): once a request.
        known = getattr(request, "_microdata_somewhere", None)
        if known is None:
            user = request.user
            known = bool(user.is_active and user.is_superuser) or (
                surveys_with_microdata_for(user=user).exists()
            )
            request._microdata_somewhere = known
        return known

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._microdata_somewhere(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An object reaches here only through `get_queryset`, which is already scoped.
        return self._microdata_somewhere(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = surveys_with_microdata_for(user=request.user).values("pk")
        return queryset.filter(**{f"{self.survey_path}__in": allowed})

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.has_view_or_change_permission(request):
            raise Http404
        return obj


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
