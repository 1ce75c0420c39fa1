"""The admin for invitations: import lists from CSV/XLSX, queue the e-mails, nothing about use.

Registered by `accounts/admin/__init__.py`; `SurveyScopedAdmin` keeps it to the surveys the user may
edit. It shows who was invited, never whether a given person answered, to anyone, superusers
included: no column, filter, ordering or search touches the invitation's use, any lookup the
filters do not offer is refused (`?use__isnull=False` would list who answered), the deletion
summary leaves uses out, and `InvitationUse` has no admin at all. Response rates are seen by
organisation and region on their own page, small groups withheld (`accounts.views_invitations`).
Personal links are not shown: whoever holds one can answer as that invitee (see the mail-merge
download in `accounts.views_invitations`, before the survey opens only).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from accounts.admin.scoping import SurveyScopedAdmin
from accounts.invitations import invitation_grouping_locked
from accounts.mail_requests import mail_job_request
from accounts.models import Invitation, InvitationUse
from accounts.permissions import survey_edit_allowed
from accounts.resources import InvitationResource
from accounts.uploads import CheckedImportForm

# The query parameters the list filters below produce, and nothing else: Django's own rule would
# also let `use__isnull`, `use__settled` or any other lookup on a direct relation through.
FILTER_LOOKUPS = frozenset(
    {
        "survey__id__exact",
        "survey__isnull",
        "language__exact",
        "language__isnull",
        "sent_at__gte",
        "sent_at__lt",
        "sent_at__isnull",
    }
)


@admin.register(Invitation)
class InvitationAdmin(SurveyScopedAdmin, ImportMixin, admin.ModelAdmin):
    resource_classes = (InvitationResource,)
    import_formats = (CSV, XLSX)
    import_form_class = CheckedImportForm
    list_display = ("__str__", "organisation", "region", "language", "sent_at")
    list_filter = (("survey", admin.RelatedOnlyFieldListFilter), "language", "sent_at")
    list_select_related = ("survey",)
    search_fields = ("email", "external_id", "organisation", "region")
    fields = (
        "survey",
        ("email", "external_id"),
        ("organisation", "region"),
        "language",
        ("created_at", "sent_at"),
    )
    actions = ("send_emails",)

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        return lookup in FILTER_LOOKUPS

    def get_readonly_fields(self, request: HttpRequest, obj: Invitation | None = None):
        fixed = ("created_at", "sent_at")
        if obj is None:
            return fixed
        if invitation_grouping_locked(survey=obj.survey):
            return ("survey", "organisation", "region", *fixed)
        return ("survey", *fixed)

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        # Deleting one invitation would change its group's response count iff it was used.
        if obj is not None and invitation_grouping_locked(survey=obj.survey):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        """The deletion summary without the invitations' uses, which would show who answered."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Each invitation's only dependent is its use, listed as a nested list after it.
        deleted = [item for item in deleted if not isinstance(item, list)]
        counts.pop(InvitationUse._meta.verbose_name_plural, None)
        return deleted, counts, perms_needed, protected

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    @admin.action(description=_("Send invitation e-mails"), permissions=["change"])
    def send_emails(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        """Queue a mail job per survey: a worker sends them, the invitations page shows progress."""
        base_url = request.build_absolute_uri("/")
        queued = skipped = 0
        chosen = queryset.select_related("survey").order_by("survey_id", "pk")
        for _survey_id, group in groupby(chosen, key=lambda i: i.survey_id):
            invitations = list(group)
            survey = invitations[0].survey
            if not survey_edit_allowed(user=request.user, survey=survey):
                continue
            job = mail_job_request(
                survey=survey, invitations=invitations, user=request.user, base_url=base_url
            )
            queued += job.total
            skipped += job.skipped
        message = ngettext(
            "%(count)d invitation e-mail is queued; its progress is shown on the survey's "
            "invitations page.",
            "%(count)d invitation e-mails are queued; their progress is shown on the survey's "
            "invitations page.",
            queued,
        ) % {"count": queued}
        if skipped:
            message += " " + ngettext(
                "%(count)d invitation has no e-mail address and is skipped.",
                "%(count)d invitations have no e-mail address and are skipped.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, message, messages.SUCCESS)
