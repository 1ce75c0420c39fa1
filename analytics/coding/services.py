"""Writes of the coding: codes created and deleted, texts given codes and taken them back."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey
from surveys.schema import SurveySchema

from .models import OpenCode, OpenCoding
from .selectors import question_is_open
from .version import coding_version_bump

ERRORS = {
    "not_open": _("This question has no open answers to code."),
    "label_kk": _("Write the code's label in Kazakh."),
    "label_ru": _("Write the code's label in Russian."),
    "unknown_option": _("The question has no option “%(option)s”."),
    "other_option": _("The “other” option itself cannot be a code."),
    "duplicate": _("The question already has the code “%(code)s”."),
    "no_texts": _("Choose at least one text."),
    "no_codes": _("Choose at least one code."),
}


def _error(kind: str, /, **params: str) -> ValidationError:
    return ValidationError(ERRORS[kind], code=kind, params=params or None)


def _code_slug(label_ru: str, label_kk: str, taken: set[str]) -> str:
    base = slugify(label_ru, allow_unicode=True) or slugify(label_kk, allow_unicode=True)
    base = (base or "code")[:56]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def open_code_create(
    *,
    survey: Survey,
    schema: SurveySchema,
    question_code: str,
    label_kk: str = "",
    label_ru: str = "",
    option_code: str = "",
    user: object | None = None,
) -> OpenCode:
    """A code of the question: an existing option (labels from it when not given) or a new
    code, whose labels in both languages are required. Raises ValidationError."""
    question = schema.questions.get(question_code)
    if question is None or not question_is_open(question):
        raise _error("not_open")
    label_kk, label_ru = label_kk.strip(), label_ru.strip()
    if option_code:
        option = question.option_by_code.get(option_code)
        if option is None:
            raise _error("unknown_option", option=option_code)
        if option.is_other:
            raise _error("other_option")
        label_kk, label_ru = label_kk or option.label.kk, label_ru or option.label.ru
    errors: dict[str, list[ValidationError]] = {}
    if not label_kk:
        errors["label_kk"] = [_error("label_kk")]
    if not label_ru:
        errors["label_ru"] = [_error("label_ru")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = OpenCode.objects.select_for_update().filter(
            survey=survey, question_code=question_code
        )
        taken = set(existing.values_list("code", flat=True))
        if option_code and option_code in taken:
            raise _error("duplicate", code=option_code)
        labels = {(c.label_kk.casefold(), c.label_ru.casefold()) for c in existing}
        if (label_kk.casefold(), label_ru.casefold()) in labels:
            raise _error("duplicate", code=label_ru)
        reserved = taken | set(question.option_by_code)
        made = OpenCode.objects.create(
            survey=survey,
            question_code=question_code,
            code=option_code or _code_slug(label_ru, label_kk, reserved),
            label_kk=label_kk,
            label_ru=label_ru,
            option_code=option_code,
            created_by=user if getattr(user, "pk", None) else None,
        )
        coding_version_bump(survey_id=survey.pk)
        return made


def open_code_delete(*, code: OpenCode) -> None:
    """Delete a code; its assignments go with it."""
    code.delete()
    coding_version_bump(survey_id=code.survey_id)


def open_codings_assign(
    *,
    survey: Survey,
    question_code: str,
    text_hashes: Iterable[str],
    code_ids: Iterable[int],
    user: object | None = None,
) -> int:
    """Give every text every code (of this question only); one already given stays as it was
    (who and when). Returns how many pairs were asked for."""
    hashes, ids = sorted(set(text_hashes)), set(code_ids)
    if not hashes:
        raise _error("no_texts")
    codes = list(OpenCode.objects.filter(survey=survey, question_code=question_code, pk__in=ids))
    if not codes or len(codes) != len(ids):
        raise _error("no_codes")
    coder = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        made = OpenCoding.objects.bulk_create(
            [
                OpenCoding(
                    code=code,
                    survey=survey,
                    question_code=question_code,
                    text_hash=digest,
                    coded_by=coder,
                )
                for code in codes
                for digest in hashes
            ],
            ignore_conflicts=True,
        )
        coding_version_bump(survey_id=survey.pk)
    return len(made)


def open_codings_unassign(
    *, survey: Survey, question_code: str, text_hashes: Iterable[str], code_ids: Iterable[int]
) -> int:
    """Take the codes from the texts; returns how many assignments were deleted."""
    hashes = set(text_hashes)
    if not hashes:
        raise _error("no_texts")
    deleted, _by_model = OpenCoding.objects.filter(
        survey=survey, question_code=question_code, text_hash__in=hashes, code_id__in=set(code_ids)
    ).delete()
    coding_version_bump(survey_id=survey.pk)
    return deleted
