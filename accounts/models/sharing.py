"""Surveys shared with other users in a role, and the audit log of results leaving the platform.

A share is the object-level half of a role: the group (`accounts.roles`) says what kind of pages a
user may open, the share says on which survey. The rules that read both live in
`accounts.permissions`; the audit log is written only through `accounts.audit.audit_record`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import RESEARCHER, RESULTS_ADMIN
from surveys.models import Survey


class SurveyShare(models.Model):
    class Role(models.TextChoices):
        RESEARCHER = RESEARCHER, _("Researcher")
        RESULTS_ADMIN = RESULTS_ADMIN, _("Results admin")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="shares"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="survey_shares",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey share")
        verbose_name_plural = _("survey shares")
        ordering = ["survey", "user"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_share_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.user} ({self.role})"


class MicrodataGrant(models.Model):
    """A user the survey's owner trusts with its microdata (raw responses, exports, free text).

    Granted and revoked only through `accounts.access.microdata_grant` / `microdata_revoke`,
    which write both to the audit log. Owners, superusers and researcher shares need none.
    """

    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="microdata_grants",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="microdata_grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("microdata access")
        verbose_name_plural = _("microdata access")
        ordering = ["survey", "user"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="microdata_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.user}"


class AuditEvent(models.Model):
    """One download, export or access change; rows are only ever added."""

    class Action(models.TextChoices):
        TABLES_DOWNLOAD = "tables_download", _("Tables downloaded")
        EXPORT_REQUEST = "export_request", _("Export requested")
        EXPORT_DOWNLOAD = "export_download", _("Export downloaded")
        MICRODATA_GRANT = "microdata_grant", _("Microdata access granted")
        MICRODATA_REVOKE = "microdata_revoke", _("Microdata access revoked")
        LINKS_DOWNLOAD = "links_download", _("Invitation links downloaded")
        INVITATIONS_SEND = "invitations_send", _("Invitation e-mails requested")
        TOKEN_CREATE = "token_create", _("API token created")
        TOKEN_REVOKE = "token_revoke", _("API token revoked")
        API_DEFINITION = "api_definition", _("Questionnaire read through the API")
        API_CODEBOOK = "api_codebook", _("Codebook read through the API")
        API_RESPONSES = "api_responses", _("Responses read through the API")
        API_RESULTS = "api_results", _("Results read through the API")
        ODATA_READ = "odata_read", _("Responses read through the OData feed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept beside the key: a deleted account must not erase who took the data.
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    # The log outlives the survey: deleting a survey keeps who took what from it, and when.
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["survey", "-created_at"], name="audit_survey_time"),
            models.Index(fields=["user", "-created_at"], name="audit_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.survey}"
