"""The admin for invitations: import lists from CSV/XLSX, send the e-mails, copy one link.

Imported from `accounts/admin.py`, whose `SurveyScopedAdmin` keeps it to the surveys the user may
edit. It shows who was invited, never whether a given person answered: response rates are seen
by organisation and region on their own page, with small groups withheld
(`accounts.views_invitations`).
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from .admin import SurveyScopedAdmin
from .invitations import invitation_link, invitations_send
from .models import Invitation
from .permissions import survey_edit_allowed
from .resources import InvitationResource
from .uploads import CheckedImportForm


@admin.register(Invitation)
class InvitationAdmin(SurveyScopedAdmin, ImportMixin, admin.ModelAdmin):
    resource_classes = (InvitationResource,)
    import_formats = (CSV, XLSX)
    import_form_class = CheckedImportForm
    list_display = ("__str__", "organisation", "region", "language", "sent_at")
    list_filter = ("survey", "language", "sent_at")
    list_select_related = ("survey",)
    search_fields = ("email", "external_id", "organisation", "region")
    fields = (
        "survey",
        ("email", "external_id"),
        ("organisation", "region"),
        "language",
        "link",
        ("created_at", "sent_at"),
    )
    actions = ("send_emails",)

    def get_readonly_fields(self, request: HttpRequest, obj: Invitation | None = None):
        fixed = ("link", "created_at", "sent_at")
        return ("survey", *fixed) if obj else fixed

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    @admin.display(description=_("personal link"))
    def link(self, obj: Invitation) -> str:
        if not obj.pk:
            return "–"
        url = invitation_link(invitation=obj, base_url="")
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description=_("Send invitation e-mails"), permissions=["change"])
    def send_emails(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        base_url = request.build_absolute_uri("/")
        sent = skipped = 0
        chosen = queryset.select_related("survey").order_by("survey_id", "pk")
        for _survey_id, group in groupby(chosen, key=lambda i: i.survey_id):
            invitations = list(group)
            survey = invitations[0].survey
            if not survey_edit_allowed(user=request.user, survey=survey):
                continue
            done = invitations_send(survey=survey, invitations=invitations, base_url=base_url)
            sent += len(done)
            skipped += len(invitations) - len(done)
        message = ngettext(
            "%(count)d invitation e-mail was sent.",
            "%(count)d invitation e-mails were sent.",
            sent,
        ) % {"count": sent}
        if skipped:
            message += " " + ngettext(
                "%(count)d invitation has no e-mail address and was skipped.",
                "%(count)d invitations have no e-mail address and were skipped.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, message, messages.SUCCESS)
