"""The questionnaire: survey, section, question, option, row, scale label.

Respondent-visible text is stored as one column per language (`*_kk`, `*_ru`) rather than through
django-modeltranslation: there are exactly two languages, both are always required, and explicit
columns keep the parity check, the definition files and the exports plain field reads with no
patched managers or registration magic.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("kk", "ru")
DECIMAL_PLACES_MAX = 6  # Answer.value_decimal's places

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    _("Use lowercase Latin letters, digits and underscores, starting with a letter."),
)


class Language(models.TextChoices):
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")


def localized(obj: object, field: str, language: str) -> str:
    """The text of `field` in `language`, falling back to the other language if empty."""
    other = "ru" if language == "kk" else "kk"
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_{other}", "")


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Access(models.TextChoices):
        OPEN = "open", _("Open link: anyone with the address")
        INVITATION = "invitation", _("Personal invitations only")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300)
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    intro_kk = models.TextField(_("introduction (Kazakh)"), blank=True)
    intro_ru = models.TextField(_("introduction (Russian)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.KAZAKH
    )
    # Small-cell protection: in any breakdown a count resting on fewer respondents is withheld.
    min_cell_size = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Counts resting on fewer respondents are suppressed in filtered results."),
    )
    access = models.CharField(
        _("who can answer"), max_length=10, choices=Access.choices, default=Access.OPEN
    )
    # Invitation uses are never linked to responses, whatever this says; it is what respondents
    # are promised, and what later features (reminders, follow-ups) must respect.
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Responses are never linked to the invitation or person they came from."),
    )
    # A draft not saved for this many days is purged (and so is every draft when the survey
    # closes): an abandoned draft is a partial answer nobody asked to keep.
    draft_days = models.PositiveSmallIntegerField(
        _("days a draft is kept"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("A response not finished this many days after its last save is deleted."),
    )
    # Reminders go to the invitations not yet used: the first N days after the invitations were
    # sent, then every N days, at most M times. Nobody sees to whom (accounts.reminders).
    reminder_after_days = models.PositiveSmallIntegerField(
        _("days before a reminder"), default=7, validators=[MinValueValidator(1)]
    )
    reminder_max = models.PositiveSmallIntegerField(
        _("reminders at most"),
        default=0,
        help_text=_("0: no reminders."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_surveys",
    )
    # Set by "duplicate as a new version": the wave this survey was copied from, codes and all.
    previous_version = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def title(self, language: str) -> str:
        return localized(self, "title", language)

    def intro(self, language: str) -> str:
        return localized(self, "intro", language)


class Section(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300)
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    description_kk = models.TextField(_("description (Kazakh)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    # Shown only when an earlier answer is one of these options; empty means always shown.
    show_if_options = models.ManyToManyField(
        "Option",
        verbose_name=_("shown only if the answer is one of"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["survey", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="section_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}/{self.code}"

    def title(self, language: str) -> str:
        return localized(self, "title", language)


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        MATRIX = "matrix", _("Matrix (rows on one scale)")
        RATING = "rating", _("Rating scale")
        NUMBER = "number", _("Number")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        DECIMAL = "decimal", _("Decimal number")
        NOTE = "note", _("Note (text without an answer)")

    class Widget(models.TextChoices):
        RADIO = "radio", _("Radio buttons")
        DROPDOWN = "dropdown", _("Dropdown")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    text_kk = models.TextField(_("text (Kazakh)"))
    text_ru = models.TextField(_("text (Russian)"))
    help_kk = models.TextField(_("help (Kazakh)"), blank=True)
    help_ru = models.TextField(_("help (Russian)"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    widget = models.CharField(
        _("widget"), max_length=10, choices=Widget.choices, default=Widget.RADIO
    )
    min_choices = models.PositiveSmallIntegerField(_("minimum choices"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(_("maximum choices"), null=True, blank=True)
    scale_min = models.SmallIntegerField(_("scale minimum"), null=True, blank=True)
    scale_max = models.SmallIntegerField(_("scale maximum"), null=True, blank=True)
    # 0 as an extra point meaning "cannot assess": allowed as an answer, left out of means.
    scale_na = models.BooleanField(_("0 means 'cannot assess'"), default=False)
    number_min = models.IntegerField(_("number minimum"), null=True, blank=True)
    number_max = models.IntegerField(_("number maximum"), null=True, blank=True)
    # A decimal's places and bounds; its answers are stored in Answer.value_decimal, whose six
    # places bound `decimals`.
    decimals = models.PositiveSmallIntegerField(
        _("decimal places"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(DECIMAL_PLACES_MAX)],
    )
    decimal_min = models.DecimalField(
        _("decimal minimum"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    decimal_max = models.DecimalField(
        _("decimal maximum"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    show_if_options = models.ManyToManyField(
        "Option",
        verbose_name=_("shown only if the answer is one of"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "section__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_code_unique"),
            models.CheckConstraint(
                condition=Q(min_choices__isnull=True)
                | Q(max_choices__isnull=True)
                | Q(min_choices__lte=models.F("max_choices")),
                name="question_min_choices_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_max__isnull=True)
                | Q(scale_min__lt=models.F("scale_max")),
                name="question_scale_min_lt_max",
            ),
            models.CheckConstraint(
                condition=Q(number_min__isnull=True)
                | Q(number_max__isnull=True)
                | Q(number_min__lte=models.F("number_max")),
                name="question_number_min_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(decimal_min__isnull=True)
                | Q(decimal_max__isnull=True)
                | Q(decimal_min__lte=models.F("decimal_max")),
                name="question_decimal_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def text(self, language: str) -> str:
        return localized(self, "text", language)


class Option(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    label_kk = models.CharField(_("label (Kazakh)"), max_length=500)
    label_ru = models.CharField(_("label (Russian)"), max_length=500)
    is_other = models.BooleanField(_("'other': asks for text"), default=False)
    is_exclusive = models.BooleanField(_("exclusive"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="option_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}={self.code}"

    def label(self, language: str) -> str:
        return localized(self, "label", language)


class Row(models.Model):
    """A row of a matrix question; every row is answered on the question's one scale."""

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="rows"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    label_kk = models.CharField(_("label (Kazakh)"), max_length=500)
    label_ru = models.CharField(_("label (Russian)"), max_length=500)

    class Meta:
        verbose_name = _("matrix row")
        verbose_name_plural = _("matrix rows")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="row_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}.{self.code}"

    def label(self, language: str) -> str:
        return localized(self, "label", language)


class ScaleLabel(models.Model):
    """The words for one point of a matrix or rating scale (e.g. 1 = low, 0 = cannot assess)."""

    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="scale_labels",
    )
    value = models.SmallIntegerField(_("value"))
    label_kk = models.CharField(_("label (Kazakh)"), max_length=300)
    label_ru = models.CharField(_("label (Russian)"), max_length=300)

    class Meta:
        verbose_name = _("scale label")
        verbose_name_plural = _("scale labels")
        ordering = ["question", "value"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="scale_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}:{self.value}"

    def label(self, language: str) -> str:
        return localized(self, "label", language)
