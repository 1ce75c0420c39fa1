"""The questionnaire builder's writes: surveys and sections, conditions, translations.

Questions are in `builder.questions`; options, matrix rows and scale labels in `builder.items`;
publishing, closing and duplicating in `builder.lifecycle`. All are re-exported here, so that
callers import every service from this one module. Each service runs in one transaction:
validate its input, write, record text changes, then check the whole questionnaire with the
definition files' checker (`builder.checks.structure_check`); a refusal rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.utils.dateparse import parse_datetime

from surveys.builder.changes import TEXT_FIELDS, kind_of, texts_snapshot
from surveys.builder.checks import (
    ALL,
    BuilderError,
    Problems,
    StructureLocked,
    choice_of,
    code_check,
    fail,
    integer_of,
    lengths_check,
    slug_check,
    text_of,
    texts_check,
)
from surveys.builder.edit import (
    conditions_using_check,
    edit_begin,
    next_position,
    owner_of,
    positions_set,
    restoring,
)
from surveys.builder.items import (
    option_add,
    option_delete,
    option_update,
    options_reorder,
    row_add,
    row_delete,
    row_update,
    rows_reorder,
    scale_label_delete,
    scale_label_set,
)
from surveys.builder.lifecycle import survey_close, survey_duplicate, survey_publish, survey_reopen
from surveys.builder.questions import (
    question_add,
    question_delete,
    question_update,
    questions_reorder,
)
from surveys.builder.selectors import condition_candidates
from surveys.models import (
    LANGUAGES,
    Answer,
    Language,
    Option,
    Question,
    Section,
    Survey,
    TextChange,
)

__all__ = [
    "BuilderError",
    "StructureLocked",
    "condition_set",
    "option_add",
    "option_delete",
    "option_update",
    "options_reorder",
    "question_add",
    "question_delete",
    "question_update",
    "questions_reorder",
    "row_add",
    "row_delete",
    "row_update",
    "rows_reorder",
    "scale_label_delete",
    "scale_label_set",
    "section_add",
    "section_delete",
    "section_update",
    "sections_reorder",
    "survey_close",
    "survey_create",
    "survey_duplicate",
    "survey_publish",
    "survey_reopen",
    "survey_update",
    "translation_confirm",
]

User = AbstractBaseUser
SURVEY_TEXTS = ("title_kk", "title_ru", "intro_kk", "intro_ru")
SECTION_TEXTS = ("title_kk", "title_ru", "description_kk", "description_ru")


# Surveys


def survey_create(*, user: User, data: Mapping[str, Any]) -> Survey:
    """A new, empty draft owned by `user`."""
    problems = Problems()
    slug = str(data.get("slug") or "").strip()
    slug_check(problems, slug)
    texts = {key: text_of(data, key) for key in SURVEY_TEXTS}
    texts_check(problems, texts, "title")
    lengths_check(problems, Survey, texts)
    language = choice_of(problems, data, "default_language", "kk", Language.values)
    problems.raise_if_any()
    with transaction.atomic():
        try:
            with transaction.atomic():
                survey = Survey.objects.create(
                    slug=slug,
                    owner=owner_of(user),
                    default_language=language,
                    status=Survey.Status.DRAFT.value,
                    **texts,
                )
        except IntegrityError:
            raise fail("slug", "slug_taken", slug=slug) from None
        edit = edit_begin(survey=survey, user=user)
        edit.record(survey)
        edit.finish(focus=("survey",))
    return survey


def _datetime_of(problems: Problems, data: Mapping[str, Any], key: str, current):
    if key not in data:
        return current
    value = data[key]
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    parsed = parse_datetime(str(value))
    if parsed is None:
        problems.add(key, "invalid_datetime")
        return current
    return parsed


def survey_update(*, survey: Survey, user: User, data: Mapping[str, Any]) -> Survey:
    """Texts and settings; only the keys present in `data` change."""
    problems = Problems()
    texts = {key: text_of(data, key, getattr(survey, key)) for key in SURVEY_TEXTS}
    texts_check(problems, texts, "title")
    lengths_check(problems, Survey, texts)
    language = choice_of(
        problems, data, "default_language", survey.default_language, Language.values
    )
    access = choice_of(problems, data, "access", survey.access, Survey.Access.values)
    k = integer_of(problems, data, "min_cell_size", survey.min_cell_size)
    if k is None or k < 1:
        problems.add("min_cell_size", "min_one")
    # How long drafts are kept, and the invitation reminders (surveys.drafts, accounts.reminders).
    counts = {
        key: integer_of(problems, data, key, getattr(survey, key))
        for key in ("draft_days", "reminder_after_days", "reminder_max")
    }
    for key in ("draft_days", "reminder_after_days"):
        if counts[key] is None or counts[key] < 1:
            problems.add(key, "min_one")
    if counts["reminder_max"] is None or counts["reminder_max"] < 0:
        problems.add("reminder_max", "out_of_range", low=0, high=32767)
    opens_at = _datetime_of(problems, data, "opens_at", survey.opens_at)
    closes_at = _datetime_of(problems, data, "closes_at", survey.closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        problems.add("closes_at", "closes_before_opens")
    problems.raise_if_any()
    with restoring(survey), transaction.atomic():
        edit = edit_begin(survey=survey, user=user)
        before = texts_snapshot(survey)
        for key, value in texts.items():
            setattr(survey, key, value)
        survey.default_language, survey.access, survey.min_cell_size = language, access, k
        survey.opens_at, survey.closes_at = opens_at, closes_at
        for key, value in counts.items():
            setattr(survey, key, value)
        survey.save()
        edit.record(survey, before)
        edit.finish(focus=("survey",))
    return survey


# Sections


def _section_values(
    problems: Problems, data: Mapping[str, Any], section: Section | None, survey: Survey
) -> dict[str, str]:
    current = section or Section()
    values = {key: text_of(data, key, getattr(current, key)) for key in SECTION_TEXTS}
    values["code"] = text_of(data, "code", current.code)
    taken = set(Survey.objects.get(pk=survey.pk).sections.values_list("code", flat=True))
    taken.discard(current.code)
    code_check(problems, values["code"], taken)
    texts_check(problems, values, "title")
    lengths_check(problems, Section, {k: v for k, v in values.items() if k != "code"})
    return values


def section_add(*, survey: Survey, user: User, data: Mapping[str, Any]) -> Section:
    """A new section, placed last."""
    problems = Problems()
    values = _section_values(problems, data, None, survey)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=survey, user=user)
        section = Section.objects.create(
            survey=survey, position=next_position(survey.sections.all()), **values
        )
        edit.record(section)
        edit.finish(focus=("section", section.code))
    return section


def section_update(*, section: Section, user: User, data: Mapping[str, Any]) -> Section:
    # A section's code is not part of any answer, so even a locked survey may recode it.
    problems = Problems()
    values = _section_values(problems, data, section, section.survey)
    problems.raise_if_any()
    with restoring(section), transaction.atomic():
        edit = edit_begin(survey=section.survey, user=user)
        before = texts_snapshot(section)
        for key, value in values.items():
            setattr(section, key, value)
        section.save()
        edit.record(section, before)
        edit.finish(focus=("section", section.code))
    return section


def section_delete(*, section: Section, user: User) -> None:
    """Delete a section with its questions; refused while any of them has answers."""
    with transaction.atomic():
        edit = edit_begin(survey=section.survey, user=user)
        problems = Problems()
        answered = sorted(
            set(
                Answer.objects.filter(question__section=section).values_list(
                    "question__code", flat=True
                )
            )
        )
        if answered:
            problems.add(
                ALL, "locked_section_delete", section=section.code, questions=", ".join(answered)
            )
        questions = list(section.questions.all())
        conditions_using_check(
            problems,
            options=Option.objects.filter(question__section=section),
            leaving=[section, *questions],
        )
        problems.raise_if_any()
        section.delete()
        edit.finish()


def sections_reorder(*, survey: Survey, user: User, codes: Sequence[str]) -> None:
    """Put the survey's sections in the order of `codes`, which lists every one exactly once."""
    with transaction.atomic():
        edit = edit_begin(survey=survey, user=user)
        sections = {s.code: s for s in survey.sections.all()}
        if len(codes) != len(set(codes)) or set(codes) != set(sections):
            raise fail(ALL, "reorder_sections")
        positions_set([sections[code] for code in codes])
        edit.finish()


# Display conditions


def condition_set(
    *,
    target: Section | Question,
    user: User,
    question_code: str | None,
    option_codes: Sequence[str],
) -> None:
    """Show `target` only when the answer to an earlier choice question is one of the options.

    `question_code` None removes the condition: `target` is then always shown.
    """
    survey = target.survey
    with transaction.atomic():
        edit = edit_begin(survey=survey, user=user)
        if not question_code:
            target.show_if_options.clear()
            edit.finish()
            return
        question = next(
            (q for q in condition_candidates(target=target) if q.code == question_code), None
        )
        if question is None:
            raise fail("question_code", "condition_not_earlier")
        options = {o.code: o for o in question.options.all()}
        problems = Problems()
        if not option_codes:
            problems.add("option_codes", "condition_no_options", question=question.code)
        for code in option_codes:
            if code not in options:
                problems.add(
                    "option_codes", "condition_unknown_option", code=code, question=question.code
                )
        problems.raise_if_any()
        target.show_if_options.set([options[code] for code in dict.fromkeys(option_codes)])
        focus = (
            ("section", target.code) if isinstance(target, Section) else ("question", target.code)
        )
        edit.finish(focus=focus)


# Translations


def _survey_of(obj: models.Model) -> Survey:
    if isinstance(obj, Survey):
        return obj
    if isinstance(obj, Section | Question):
        return obj.survey
    return obj.question.survey


def translation_confirm(*, obj: models.Model, user: User, field: str, language: str) -> None:
    """Record that the text of `field` in `language` still matches the other language."""
    kind = kind_of(obj)
    if field not in TEXT_FIELDS[kind]:
        raise fail("field", "confirm_field", field=field)
    if language not in LANGUAGES:
        raise fail("language", "invalid_language")
    text = getattr(obj, f"{field}_{language}")
    if not text.strip():
        raise fail("language", f"confirm_missing_{language}")
    survey = _survey_of(obj)
    with transaction.atomic():
        edit = edit_begin(survey=survey, user=user)
        TextChange.objects.create(
            survey=survey,
            kind=kind,
            object_id=obj.pk,
            field=field,
            language=language,
            action=TextChange.Action.CONFIRM,
            old=text,
            new=text,
            wording_fix=False,
            user=owner_of(user),
            changed_at=edit.now,
        )
