"""The code book of a survey's open answers, and which texts carry which codes.

A coding is keyed by the text, not by the answer row: (survey, question code, sha256 of the
normalised text). Answer rows and responses get new ids whenever responses are imported again
(`import_responses`, `seed_paper_dataset --force`), while the same texts come back; keyed by the
text, the coding comes back with them, and identical texts of several respondents share it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey


def text_normalize(text: str) -> str:
    """The text as coded: spaces at the ends and runs of whitespace do not make a new text."""
    return " ".join(text.split())


def text_hash(text: str) -> str:
    return hashlib.sha256(text_normalize(text).encode()).hexdigest()


class OpenCode(models.Model):
    """One entry of a question's code book: an existing option of the question or a new code."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="open_codes"
    )
    question_code = models.CharField(_("question code"), max_length=64)
    code = models.SlugField(_("code"), max_length=64)
    label_kk = models.CharField(_("label (Kazakh)"), max_length=300)
    label_ru = models.CharField(_("label (Russian)"), max_length=300)
    # The option of the question this code stands for (a code, so that a questionnaire loaded
    # again keeps it); blank for a new code.
    option_code = models.CharField(_("option code"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("open answer code")
        verbose_name_plural = _("open answer codes")
        ordering = ["survey", "question_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question_code", "code"], name="open_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_code}:{self.code}"

    @property
    def new_code(self) -> bool:
        return not self.option_code

    def label(self, language: str) -> str:
        first, second = (
            (self.label_kk, self.label_ru) if language == "kk" else (self.label_ru, self.label_kk)
        )
        return first or second


class OpenCoding(models.Model):
    """A text of a question carries a code: who said so, and when."""

    code = models.ForeignKey(
        OpenCode, verbose_name=_("code"), on_delete=models.CASCADE, related_name="codings"
    )
    # Denormalised from the code, for the lookups by text within a question.
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+"
    )
    question_code = models.CharField(_("question code"), max_length=64)
    text_hash = models.CharField(_("text hash"), max_length=64)
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    coded_at = models.DateTimeField(_("coded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coding of an open answer")
        verbose_name_plural = _("codings of open answers")
        constraints = [
            models.UniqueConstraint(fields=["code", "text_hash"], name="open_coding_unique"),
        ]
        indexes = [
            models.Index(fields=["survey", "question_code", "text_hash"], name="open_coding_text"),
        ]

    def __str__(self) -> str:
        return f"{self.question_code}:{self.text_hash[:8]}"
