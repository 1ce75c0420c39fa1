"""Computed results: a snapshot of all tables per survey and filter, and export jobs.

A snapshot records the responses it was computed from (how many complete ones, and the latest
submission), so a request can tell at once whether it is still current.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey

from .weighting.models import ResponseWeight, WeightingScheme

__all__ = ["ExportJob", "JobStatus", "ResponseWeight", "ResultSnapshot", "WeightingScheme"]


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Computing")
    COMPLETE = "complete", _("Ready")
    ERROR = "error", _("Failed")


class ResultSnapshot(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="snapshots"
    )
    # sha256 of the canonical filter; the filter itself is kept readable beside it.
    filter_key = models.CharField(_("filter key"), max_length=64)
    filters = models.JSONField(_("filters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    respondents = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    # Exact tables, for microdata users and the operator's `manage.py results`.
    tables = models.JSONField(_("tables"), null=True, blank=True)
    # What an aggregates-only viewer gets: the tables from perturbed counts, or the refusal of a
    # group too small (analytics.disclosure); computed with the exact ones, from the same counts.
    protected = models.JSONField(_("protected tables"), null=True, blank=True)
    # The responses the tables rest on: complete responses and the latest submission then.
    source_count = models.PositiveIntegerField(_("complete responses"), null=True, blank=True)
    source_last = models.DateTimeField(_("latest submission"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    # Weighted tables: the scheme, and its version then (which is in the filter key too).
    weighting = models.ForeignKey(
        WeightingScheme,
        verbose_name=_("weighting scheme"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="snapshots",
    )
    weighting_version = models.PositiveIntegerField(_("weights version"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("results snapshot")
        verbose_name_plural = _("results snapshots")
        constraints = [
            models.UniqueConstraint(fields=["survey", "filter_key"], name="snapshot_per_filter"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.filters or '{}'} ({self.status})"


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        RESPONSES = "responses", _("Responses")
        TABLES = "tables", _("Tables")
        # A Word report with exact figures (microdata users) or protected ones (aggregates-only
        # viewers, analytics.disclosure): which one a job is decides who may open it.
        REPORT = "report", _("Report")
        REPORT_PROTECTED = "report_agg", _("Report (protected figures)")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        SAV = "sav", "SPSS (.sav)"
        DOCX = "docx", "Word (.docx)"

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=2)
    filters = models.JSONField(_("filters"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    # A `weight` column from this scheme; none when null.
    weighting = models.ForeignKey(
        WeightingScheme,
        verbose_name=_("weighting scheme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.kind}.{self.format} ({self.status})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
