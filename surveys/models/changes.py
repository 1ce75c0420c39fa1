"""Changes of respondent-visible text by the builder: the wording record and translation parity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.questionnaire import Language, Survey


class TextChange(models.Model):
    """One change of a respondent-visible text by the builder, or a confirmation of a translation.

    The rows serve twice: a translation is stale when the other language changed after it was
    last written or confirmed, and once a survey has responses they are the record of its
    wording fixes (old and new text, who, when).
    """

    class Kind(models.TextChoices):
        SURVEY = "survey", _("survey")
        SECTION = "section", _("section")
        QUESTION = "question", _("question")
        OPTION = "option", _("option")
        ROW = "row", _("matrix row")
        SCALE_LABEL = "scale_label", _("scale label")

    class Action(models.TextChoices):
        EDIT = "edit", _("Text changed")
        CONFIRM = "confirm", _("Translation confirmed")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="text_changes"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # No foreign key: the record outlives a deleted option or question.
    object_id = models.PositiveBigIntegerField(_("object id"))
    field = models.CharField(_("field"), max_length=32)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.EDIT
    )
    old = models.TextField(_("old text"), blank=True)
    new = models.TextField(_("new text"), blank=True)
    # True when the survey already had responses: a wording fix of a locked questionnaire.
    wording_fix = models.BooleanField(_("wording fix after responses"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("text change")
        verbose_name_plural = _("text changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["survey", "kind", "object_id"], name="textchange_object"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.kind}#{self.object_id}.{self.field}_{self.language}"
