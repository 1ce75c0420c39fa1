"""The admin of sharing, microdata grants and the audit log.

`SurveyShareInline`, `MicrodataGrantInline` and `MicrodataGrantsAdmin` are mixed into the survey's
admin page (`surveys.admin.questionnaire`); `MicrodataGrantsAdmin` writes the grants made there
through `accounts.access`, so each one is audited. The grants, shares and audit events have their
own read-mostly pages below. The rules themselves live in `accounts.permissions`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.access import (
    GrantRefused,
    MicrodataRefused,
    microdata_grant,
    microdata_grant_refusal,
    microdata_revoke,
)
from accounts.models import AuditEvent, MicrodataGrant, SurveyShare
from accounts.permissions import (
    survey_sharing_allowed,
)
from surveys.models import Survey


# How each questionnaire model reaches its survey, for choice lists limited to editable surveys.
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


class MicrodataGrantFormSet(forms.BaseInlineFormSet):
    """New grants are checked by the service's own rule, so a refusal shows on the page."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            user = (form.cleaned_data or {}).get("user")
            if form.instance.pk is not None or user is None or self._should_delete_form(form):
                continue
            refusal = microdata_grant_refusal(survey=self.instance, user=user)
            if refusal is not None:
                form.add_error("user", refusal)


class MicrodataGrantInline(admin.TabularInline):
    """Who besides the researchers may read the survey's microdata; owner and superusers only.

    Rows are added and deleted, never edited (a grant is to one person); `MicrodataGrantsAdmin`
    writes both through `accounts.access`, which records them in the audit log.
    """

    model = MicrodataGrant
    formset = MicrodataGrantFormSet
    fields = ("user", "granted_by", "created_at")
    readonly_fields = ("granted_by", "created_at")
    extra = 0
    verbose_name = _("microdata access")
    verbose_name_plural = _("microdata access (raw responses, exports, free text)")

    def _allowed(self, request: HttpRequest, obj: Survey | None) -> bool:
        # Not on the add page: grants go to users who already have a share of this survey.
        return obj is not None and survey_sharing_allowed(user=request.user, survey=obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[MicrodataGrant]:
        # As for the shares: `get_inline_instances` has already decided per survey.
        return MicrodataGrant.objects.select_related("user", "granted_by").order_by(
            "user__username"
        )

    def get_formset(self, request: HttpRequest, obj: Survey | None = None, **kwargs: Any):
        kwargs["formfield_callback"] = partial(
            self.formfield_for_dbfield, request=request, survey=obj
        )
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        survey = kwargs.pop("survey", None)
        if db_field.name == "user":
            # Active users the survey's results are shared with, but not its owner: the rule
            # of `microdata_grant_refusal`, offered up front.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, survey_shares__survey=survey)
                .exclude(pk=getattr(survey, "owner_id", None))
                .order_by("username")
            )
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.choices = list(field.choices)  # read once per page, not once per row
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_view_related = field.widget.can_delete_related = False
        return field


class MicrodataGrantsAdmin:
    """For the survey admin: grants and revocations on its page go through `accounts.access`.

    Deleting a user's share also revokes their grant: a grant is an upgrade of a share, and
    without the share it would leave the response pages open to someone who no longer sees the
    survey's results at all.
    """

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is MicrodataGrant:
            self._grants_save(request, formset)
            return
        if formset.model is not SurveyShare:
            super().save_formset(request, form, formset, change)
            return
        # A share deleted, or handed to someone else: its former holder loses the grant too.
        moved = [
            row.initial["user"]
            for row in formset.initial_forms
            if "user" in row.changed_data and not formset._should_delete_form(row)
        ]
        super().save_formset(request, form, formset, change)
        former = [share.user for share in formset.deleted_objects]
        former += list(get_user_model().objects.filter(pk__in=moved))
        for user in former:
            microdata_revoke(survey=formset.instance, user=user, by=request.user)

    def _grants_save(self, request: HttpRequest, formset: Any) -> None:
        survey = formset.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if formset._should_delete_form(row):
                if row.instance.pk is not None:
                    microdata_revoke(survey=survey, user=row.instance.user, by=request.user)
                    formset.deleted_objects.append(row.instance)
            elif row.instance.pk is None and row.has_changed():
                grant = microdata_grant(
                    survey=survey, user=row.cleaned_data["user"], by=request.user
                )
                formset.new_objects.append(grant)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The admin's transaction is rolled back by then; a refusal that only shows at saving
        # (a share removed and granted on one page) is a message, not an error page.
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (MicrodataRefused, GrantRefused) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


class SuperuserRecordAdmin(admin.ModelAdmin):
    """A record superusers read and nobody adds, changes or deletes in the admin."""

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


@admin.register(MicrodataGrant)
class MicrodataGrantAdmin(SuperuserRecordAdmin):
    """Every grant at once, read-only, for superusers; owners grant from their survey's page."""

    list_display = ("survey", "user", "granted_by", "created_at")
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("survey", "user", "granted_by")
    search_fields = ("survey__slug", "user__username")
    fields = ("survey", "user", "granted_by", "created_at")
    readonly_fields = fields


@admin.register(SurveyShare)
class SurveyShareAdmin(admin.ModelAdmin):
    """Every share at once, for superusers; owners share from their survey's page."""

    list_display = ("survey", "user", "role", "created_at")
    list_filter = ("role", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey", "user")
    search_fields = ("survey__slug", "user__username")
    autocomplete_fields = ("user",)
    raw_id_fields = ("survey",)

    # A grant is an upgrade of a share: it goes with the share (see `MicrodataGrantsAdmin`).

    def save_model(self, request: HttpRequest, obj: SurveyShare, form: Any, change: bool) -> None:
        before = form.initial if change else {}
        super().save_model(request, obj, form, change)
        if change and {"survey", "user"} & set(form.changed_data):
            microdata_revoke(
                survey=Survey.objects.get(pk=before["survey"]),
                user=get_user_model().objects.get(pk=before["user"]),
                by=request.user,
            )

    def delete_model(self, request: HttpRequest, obj: SurveyShare) -> None:
        super().delete_model(request, obj)
        microdata_revoke(survey=obj.survey, user=obj.user, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SurveyShare]) -> None:
        shares = list(queryset.select_related("survey", "user"))
        super().delete_queryset(request, queryset)
        for share in shares:
            microdata_revoke(survey=share.survey, user=share.user, by=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserRecordAdmin):
    """The audit log: superusers read it; nobody adds, changes or deletes an event."""

    list_display = ("created_at", "who", "action", "taken", "survey_slug")
    list_filter = ("action", ("survey", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("survey",)
    search_fields = ("username", "survey__slug")
    date_hierarchy = "created_at"
    fields = ("created_at", "user", "username", "action", "survey", "detail")
    readonly_fields = fields

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
