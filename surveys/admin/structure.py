"""Admin mixins that write questionnaire structure through the builder's services.

The forms (`admin_forms.StructureForm`, `StructureFormSet`) have already tried each edit and
shown any refusal; here the same writes run for real. A refusal that only appears now (another
editor got there first, or two rows of one page conflict) rolls the whole page back, inside the
admin's own transaction, and is shown as a message. `TextChangeAdmin` shows the record that
those writes leave, read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from surveys.admin.forms import StructureForm, StructureFormSet
from surveys.admin.writes import messages_of, structure_delete, structure_save
from surveys.builder.checks import BuilderError
from surveys.models import TextChange


def _refused(request: HttpRequest, exc: BuilderError, to: str) -> HttpResponse:
    for message in messages_of(exc):
        messages.error(request, message)
    return HttpResponseRedirect(to)


class StructureAdmin:
    """save_model, save_formset and the deletes call the builder's services."""

    form = StructureForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if change and not form.has_changed():
            return
        saved = structure_save(obj=obj, user=request.user, cleaned=form.cleaned_data)
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # No form.save_m2m(): the display condition was written by the service, checked.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if not isinstance(formset, StructureFormSet):
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if formset._should_delete_form(row):
                if row.instance.pk is not None:
                    structure_delete(obj=row.instance, user=request.user)
                    formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                new = row.instance.pk is None
                setattr(row.instance, formset.fk.name, formset.instance)
                saved = structure_save(
                    obj=row.instance, user=request.user, cleaned=row.cleaned_data
                )
                if new:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, row.changed_data))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        structure_delete(obj=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                structure_delete(obj=obj, user=request.user)

    # The admin runs these views in a transaction; a refusal raised inside rolls it all back.

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except BuilderError as exc:
            return _refused(request, exc, request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any):
        try:
            return super().delete_view(request, object_id, *args, **kwargs)
        except BuilderError as exc:
            return _refused(request, exc, request.path.rsplit("/delete/", 1)[0] + "/change/")

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changelist_view(request, *args, **kwargs)
        except BuilderError as exc:
            return _refused(request, exc, request.get_full_path())


class StructureInline:
    """An inline whose rows are tried and written through the builder's services."""

    form = StructureForm
    formset = StructureFormSet

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset


class TextChangeAdmin(admin.ModelAdmin):
    """The record of text changes and wording fixes, for superusers: read, never written here."""

    list_display = ("changed_at", "survey", "kind", "object_id", "field", "language", "action")
    list_filter = (
        ("survey", admin.RelatedOnlyFieldListFilter),
        "kind",
        "field",
        "language",
        "action",
        "wording_fix",
        ("user", admin.RelatedOnlyFieldListFilter),
        "changed_at",
    )
    list_select_related = ("survey", "user")
    search_fields = ("old", "new")
    date_hierarchy = "changed_at"

    def get_readonly_fields(self, request: HttpRequest, obj: TextChange | None = None):
        return [f.name for f in TextChange._meta.concrete_fields if not f.primary_key]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
