"""django-import-export resources: questions and options as CSV/XLSX rows keyed by codes.

A row names its survey by slug, its section and question by code, never by database id, so that a
file exported from one installation imports into another and a re-import updates in place. Model
validation (`full_clean`: code format, unique codes, min <= max) runs on every row; a row whose
survey, section or question cannot be found, or that repeats a code already in the file, is
reported as a row error instead of being saved.

Once a survey has responses, a row may not change what its answers mean: the code is the row's
key, so it cannot recode; the builder's own services are tried on every answered question and
chosen option (rolled back) and their structure-lock refusals become row errors. Text changes
are recorded as the builder records them (`builder.changes`), wording fixes included.
"""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX
from import_export.widgets import ForeignKeyWidget
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.uploads import row_characters_check
from surveys.admin.writes import OPTION_FIELDS, dry_run
from surveys.builder import services as builder
from surveys.builder.changes import texts_record, texts_snapshot
from surveys.builder.questions import QUESTION_FIELDS
from surveys.builder.selectors import survey_locked
from surveys.formats.io import csv_text_protect, csv_text_restore
from surveys.models import Answer, Option, Question, Section, Survey

CHOICE_TYPES = (Question.Type.SINGLE, Question.Type.MULTIPLE)
SCALED_TYPES = (Question.Type.MATRIX, Question.Type.RATING)


def question_errors(question: Question) -> dict[str, str]:
    """Rules on a question's settings beyond the model's constraints; the admin uses them too."""
    errors: dict[str, str] = {}
    if question.type in SCALED_TYPES and (question.scale_min is None or question.scale_max is None):
        errors["scale_min"] = _("A matrix or rating question needs a scale minimum and maximum.")
    if question.pk:
        stored = Question.objects.filter(pk=question.pk).values_list("type", flat=True).first()
        if stored not in (None, question.type) and question.answers.exists():
            errors["type"] = _("The question already has answers, so its type cannot change.")
    return errors


def _lock_errors(write: Any, errors: dict[str, list[str]], skip: tuple[str, ...] = ()) -> None:
    """Add the structure-lock refusals of the builder's `write`, tried and rolled back."""
    refusal = dry_run(write)
    if refusal is None:
        return
    for name, codes in refusal.codes.items():
        for code, message in zip(codes, refusal.errors[name], strict=True):
            if code.startswith("locked_") and code not in skip:
                errors.setdefault(name, []).append(message)


def _values(instance: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


class SectionWidget(ForeignKeyWidget):
    """A section by its code within the survey named in the row's `survey` column."""

    def get_queryset(self, value: Any, row: dict[str, Any], *args: Any, **kwargs: Any):
        return Section.objects.filter(survey__slug=row.get("survey"))


class QuestionWidget(ForeignKeyWidget):
    """A question by its code within the survey named in the row's `survey` column."""

    def get_queryset(self, value: Any, row: dict[str, Any], *args: Any, **kwargs: Any):
        return Question.objects.filter(survey__slug=row.get("survey"))


class _CodedResource(resources.ModelResource):
    """Shared row checks: the keys exist, and no key appears twice in one file."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._seen: set[tuple[str, ...]] = set()

    def lookups(self) -> tuple[tuple[str, str], ...]:
        """(field name, message when its value is not found), checked before a row is loaded."""
        return ()

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._seen = set()

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        row_characters_check(row)
        for name, message in self.lookups():
            field = self.fields[name]
            value = str(row.get(field.column_name) or "").strip()
            try:
                found = field.clean(row)
            except field.widget.model.DoesNotExist:
                found = None
            if found is None:
                raise ValidationError({name: message % {"value": value}})
        ids = [self.fields[name].column_name for name in self.get_import_id_fields()]
        key = tuple(
            str(row.get(column) or "").strip() for column in dict.fromkeys(["survey", *ids])
        )
        if key in self._seen:
            message = _("The code “%(code)s” appears more than once in this file.")
            raise ValidationError({"code": message % {"code": key[-1]}})
        self._seen.add(key)

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        stored = type(instance).objects.filter(pk=instance.pk).first() if instance.pk else None
        self._before = texts_snapshot(stored) if stored else {}
        super().before_save_instance(instance, row, **kwargs)

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().after_save_instance(instance, row, **kwargs)
        survey = instance.survey if isinstance(instance, Question) else instance.question.survey
        texts_record(
            survey=survey,
            obj=instance,
            user=kwargs.get("user"),
            before=self._before,
            locked=survey_locked(survey=survey),
            now=timezone.now(),
        )


class QuestionResource(_CodedResource):
    survey = fields.Field(
        attribute="survey", column_name="survey", widget=ForeignKeyWidget(Survey, field="slug")
    )
    section = fields.Field(
        attribute="section", column_name="section", widget=SectionWidget(Section, field="code")
    )

    class Meta:
        model = Question
        fields = (
            "survey",
            "section",
            "position",
            "code",
            "type",
            "required",
            "text_kk",
            "text_ru",
            "help_kk",
            "help_ru",
            "widget",
            "min_choices",
            "max_choices",
            "scale_min",
            "scale_max",
            "scale_na",
            "number_min",
            "number_max",
            "decimals",
            "decimal_min",
            "decimal_max",
        )
        export_order = fields
        import_id_fields = ("survey", "code")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def lookups(self) -> tuple[tuple[str, str], ...]:
        return (
            ("survey", _("There is no survey with the slug “%(value)s”.")),
            ("section", _("The survey has no section with the code “%(value)s”.")),
        )

    def get_queryset(self):
        return super().get_queryset().select_related("survey", "section")

    def validate_instance(
        self,
        instance: Question,
        import_validation_errors: dict | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        for name, message in question_errors(instance).items():
            errors.setdefault(name, []).append(message)
        if instance.pk and Answer.objects.filter(question_id=instance.pk).exists():
            stored = Question.objects.select_related("survey").get(pk=instance.pk)
            values = _values(instance, QUESTION_FIELDS)
            _lock_errors(
                lambda: builder.question_update(question=stored, user=None, data=values),
                errors,
                # `question_errors` has said so already, in its own words.
                skip=("locked_question_type",),
            )
        super().validate_instance(instance, errors, validate_unique)


class OptionResource(_CodedResource):
    survey = fields.Field(attribute="question__survey__slug", column_name="survey", readonly=True)
    question = fields.Field(
        attribute="question", column_name="question", widget=QuestionWidget(Question, field="code")
    )

    class Meta:
        model = Option
        fields = (
            "survey",
            "question",
            "position",
            "code",
            "label_kk",
            "label_ru",
            "is_other",
            "is_exclusive",
        )
        export_order = fields
        import_id_fields = ("question", "code")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def lookups(self) -> tuple[tuple[str, str], ...]:
        return (("question", _("The survey has no question with the code “%(value)s”.")),)

    def get_queryset(self):
        return super().get_queryset().select_related("question__survey")

    def validate_instance(
        self,
        instance: Option,
        import_validation_errors: dict | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        question = instance.question
        if question.type not in CHOICE_TYPES:
            errors.setdefault("question", []).append(
                _("“%(code)s” is not a single or multiple choice question, so it has no options.")
                % {"code": question.code}
            )
        elif instance.is_exclusive and question.type != Question.Type.MULTIPLE:
            errors.setdefault("is_exclusive", []).append(
                _("Only an option of a multiple choice question can be exclusive.")
            )
        if instance.pk and Answer.objects.filter(option_id=instance.pk).exists():
            stored = Option.objects.select_related("question__survey").get(pk=instance.pk)
            values = _values(instance, OPTION_FIELDS)
            _lock_errors(
                lambda: builder.option_update(option=stored, user=None, data=values), errors
            )
        super().validate_instance(instance, errors, validate_unique)


# Formats for the admin's question and option files. import-export would write a label starting
# with "=" as a live formula in XLSX and as it is in CSV; researchers' texts are data, so these
# write them as text, with the CSV rule of the wide response format (surveys.formats.io), undone
# on import.

WHOLE_NUMBER = re.compile(r"[+-]?\d+")


def _csv_protect(value: Any) -> Any:
    if not isinstance(value, str) or WHOLE_NUMBER.fullmatch(value):
        return value  # positions and limits are numbers, "-1" included
    return csv_text_protect(value)


def _dataset_map(dataset: tablib.Dataset, change: Any) -> tablib.Dataset:
    rows = [[change(value) for value in row] for row in dataset]
    return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)


class TextCSV(CSV):
    """CSV whose text cells never start a formula; reading takes the apostrophe off again."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        dataset = super().create_dataset(in_stream, **kwargs)
        return _dataset_map(dataset, lambda v: csv_text_restore(v) if isinstance(v, str) else v)

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return super().export_data(_dataset_map(dataset, _csv_protect), **kwargs)


class TextXLSX(XLSX):
    """XLSX whose text cells are string cells: never a formula, never an error value."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title=(dataset.title or "Sheet1")[:31])
        for row in [dataset.headers or [], *dataset]:
            sheet.append([_xlsx_text(sheet, value) for value in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _xlsx_text(sheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
