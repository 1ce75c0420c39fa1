"""Personal invitations to a survey, and the record that one was used.

An invitation knows who was invited (e-mail or an external id, organisation, region); its use
knows only the day. Nothing leads from either to a response, and nothing from a response back:
the one-to-one key on `InvitationUse` is what lets a token complete a single response, and the
use is keyed by the invitation itself, with no sequence number of its own, so even the order in
which invitations were used is not kept.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models import LANGUAGES, Language, Survey


def token_new() -> str:
    """An unguessable link token: 24 random bytes, 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=token_new, editable=False
    )
    email = models.EmailField(_("e-mail"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300)
    region = models.CharField(_("region"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.KAZAKH
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["survey", "organisation", "region", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(external_id=""),
                name="invitation_email_or_external_id",
                violation_error_message=_("Give an e-mail address or an external id."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=LANGUAGES), name="invitation_language_known"
            ),
            models.UniqueConstraint(
                fields=["survey", "email"],
                condition=~Q(email=""),
                name="invitation_email_unique",
                violation_error_message=_("This survey already has an invitation for this e-mail."),
            ),
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~Q(external_id=""),
                name="invitation_external_id_unique",
                violation_error_message=_(
                    "This survey already has an invitation with this external id."
                ),
            ),
        ]

    def __str__(self) -> str:
        # Never the token: this text lands in the admin log.
        return f"{self.survey.slug}: {self.email or self.external_id}"


class InvitationUse(models.Model):
    """That an invitation completed a response; never which response, nor when.

    No time is kept, not even a day: on a quiet day a date alone would match the one response
    submitted then.
    """

    # The primary key: a second use of one token is refused by the database itself.
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="use",
    )

    # False until the batch rewrite of the survey's uses (invitation_uses_settle)
    # has taken this row out of the completing transaction's xmin and out of insertion order.
    settled = models.BooleanField(_("settled"), default=False, editable=False)

    class Meta:
        verbose_name = _("invitation use")
        verbose_name_plural = _("invitation uses")

    def __str__(self) -> str:
        return str(self.invitation_id)


class MailJob(models.Model):
    """Invitation e-mails or one round of reminders, sent by a worker, with its progress.

    A reminder round keeps no recipient list: the worker picks the unused invitations when it
    sends, so nothing stored says who had not answered.
    """

    class Kind(models.TextChoices):
        INVITATIONS = "invitations", _("Invitations")
        REMINDER = "reminder", _("Reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Sending")
        COMPLETE = "complete", _("Sent")
        ERROR = "error", _("Failed")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="mail_jobs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Reminders: 1 for the first round, 2 for the second...
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    # Invitations only: which invitations to send (who was invited is no secret).
    invitation_ids = models.JSONField(_("invitations"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("messages in all"), default=0)
    sent = models.PositiveIntegerField(_("messages sent"), default=0)
    skipped = models.PositiveIntegerField(_("without an e-mail address"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail job")
        verbose_name_plural = _("e-mail jobs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "round"],
                condition=Q(kind="reminder"),
                name="mailjob_one_reminder_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.kind} {self.round or ''} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.sent / self.total) if self.total else 0
