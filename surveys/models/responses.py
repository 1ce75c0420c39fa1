"""A response and its answers.

Answers are rows: one per chosen option, one per matrix cell, one per number or text, so that
every frequency table is a single GROUP BY.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.questionnaire import (
    Language,
    Option,
    Question,
    Row,
    Survey,
)

# Record keys of the cell key method (analytics.disclosure): uniform integers in 0..R-1.
RECORD_KEY_RANGE = 256


def record_key_new() -> int:
    """A response's random record key; drawn once and never shown."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class Response(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETE = "complete", _("Complete")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        IMPORT = "import", _("Import")
        SEED = "seed", _("Demonstration data")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    # Unguessable handle for resume links; the primary key is never shown to respondents.
    # Cleared when the response completes: a key kept would let whoever saw it tie the person
    # who held the link to the answers.
    key = models.UUIDField(
        _("key"), default=uuid.uuid4, unique=True, null=True, blank=True, editable=False
    )
    # The cell key method's random key (analytics.disclosure); never shown.
    record_key = models.PositiveSmallIntegerField(
        _("record key"), default=record_key_new, editable=False
    )
    # A draft of an invitation survey opens only with its invitation: an HMAC of the token,
    # cleared when the response completes (accounts.invitations.invitation_tag).
    invitation_tag = models.CharField(
        _("invitation tag"), max_length=64, blank=True, editable=False
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # Not auto_now_add: imported and historic responses carry their own start time.
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["survey", "status"], name="response_survey_status"),
            # The API's keyset pages (surveys.formats.io.pages): one index range scan per page.
            models.Index(
                fields=["survey", "status", "updated_at", "id"], name="response_page_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="response_complete_has_submitted_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}#{self.pk}"


class Answer(models.Model):
    """One stored fact of a response: a chosen option, a matrix cell, a number or a text."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    option = models.ForeignKey(
        Option,
        verbose_name=_("option"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    row = models.ForeignKey(
        Row,
        verbose_name=_("row"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    value_int = models.IntegerField(_("number"), null=True, blank=True)
    value_text = models.TextField(_("text"), blank=True)
    # A decimal question's answer; DECIMAL_PLACES_MAX places, twelve digits before the point.
    value_decimal = models.DecimalField(
        _("decimal number"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    # True on exactly one row of each question a response answered (the first one written), so
    # that the results' one GROUP BY over the answers counts respondents per question as it
    # counts the cells, instead of a second pass for distinct (response, question) pairs.
    # `surveys.services.answer_rows_build`, the one writer of answer rows, sets it.
    marks_respondent = models.BooleanField(
        _("counts the respondent"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "option"], name="answer_question_option"),
            models.Index(fields=["question", "row", "value_int"], name="answer_question_cell"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False),
                name="answer_one_row_per_option",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "row"],
                condition=Q(row__isnull=False),
                name="answer_one_row_per_cell",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True, row__isnull=True),
                name="answer_one_value_per_question",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"
