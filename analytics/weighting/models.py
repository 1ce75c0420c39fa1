"""A weighting scheme of a survey and the weight it gives each complete response.

Imported by `analytics.models`, so the models belong to the analytics app and its migrations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Response, Survey


class WeightingScheme(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not computed")
        COMPLETE = "complete", _("Computed")
        ERROR = "error", _("Refused")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="weighting_schemes"
    )
    name = models.SlugField(_("name"), max_length=50)
    label = models.CharField(_("label"), max_length=200, blank=True)
    # {question code: {option code: population total}}, single-choice questions only.
    targets = models.JSONField(_("population totals"), default=dict)
    # Bounds on a weight relative to the mean weight (1 after normalising); none when null.
    trim_low = models.FloatField(_("lowest weight"), null=True, blank=True)
    trim_high = models.FloatField(_("highest weight"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    summary = models.JSONField(_("summary"), null=True, blank=True)
    error = models.TextField(_("reason"), blank=True)
    # The responses the weights were computed from (as a snapshot records them).
    source_count = models.PositiveIntegerField(_("complete responses"), null=True, blank=True)
    source_last = models.DateTimeField(_("latest submission"), null=True, blank=True)
    # Changes whenever the targets or the weights do: part of a weighted snapshot's key.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("weighting scheme")
        verbose_name_plural = _("weighting schemes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "name"], name="weighting_name_per_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}:{self.name}"

    @property
    def design_effect(self) -> float | None:
        """Kish's design effect of the weights over every weighted response (the summary)."""
        return (self.summary or {}).get("design_effect")


class ResponseWeight(models.Model):
    scheme = models.ForeignKey(
        WeightingScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="weights"
    )
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="+"
    )
    weight = models.FloatField(_("weight"))

    class Meta:
        verbose_name = _("response weight")
        verbose_name_plural = _("response weights")
        constraints = [
            # Led by the scheme: the counting queries join on (scheme, response).
            models.UniqueConstraint(fields=["scheme", "response"], name="weight_per_response"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}:{self.response_id}={self.weight:.4f}"
