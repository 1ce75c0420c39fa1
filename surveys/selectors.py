"""Reads shared by views, commands and tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from surveys.answers import Answers, QuestionAnswer, answers_to_wide
from surveys.models import Answer, Option, Question, Response, Row, ScaleLabel, Section, Survey
from surveys.schema import (
    Condition,
    OptionSpec,
    QuestionSpec,
    RowSpec,
    SectionSpec,
    SurveySchema,
    Text,
)
from surveys.validation import response_validate


def survey_schema_get(*, survey: Survey) -> SurveySchema:
    """The questionnaire as an immutable snapshot, in seven queries whatever its size."""
    options_by_question: dict[int, list[OptionSpec]] = defaultdict(list)
    option_ref: dict[int, tuple[int, str]] = {}
    for o in Option.objects.filter(question__survey=survey).order_by("position", "id"):
        options_by_question[o.question_id].append(
            OptionSpec(o.id, o.code, Text(o.label_kk, o.label_ru), o.is_other, o.is_exclusive)
        )
        option_ref[o.id] = (o.question_id, o.code)
    rows_by_question: dict[int, list[RowSpec]] = defaultdict(list)
    for r in Row.objects.filter(question__survey=survey).order_by("position", "id"):
        rows_by_question[r.question_id].append(RowSpec(r.id, r.code, Text(r.label_kk, r.label_ru)))
    labels_by_question: dict[int, list[tuple[int, Text]]] = defaultdict(list)
    for s in ScaleLabel.objects.filter(question__survey=survey).order_by("value"):
        labels_by_question[s.question_id].append((s.value, Text(s.label_kk, s.label_ru)))

    questions = list(
        Question.objects.filter(survey=survey).order_by("section__position", "position", "id")
    )
    code_by_id = {q.id: q.code for q in questions}

    def conditions(through: type, owner_field: str, owner_ids: set[int]) -> dict[int, Condition]:
        chosen: dict[int, list[int]] = defaultdict(list)
        links = through.objects.filter(**{f"{owner_field}__in": owner_ids})
        for owner_id, option_id in links.values_list(f"{owner_field}_id", "option_id"):
            chosen[owner_id].append(option_id)
        result = {}
        for owner_id, option_ids in chosen.items():
            # A condition names one question; definition files and the admin refuse options of
            # two. Should such data exist anyway, the earliest question's options alone count,
            # rather than codes of one question being read as the other's.
            question_id = min(option_ref[i][0] for i in option_ids)
            codes = frozenset(
                option_ref[i][1] for i in option_ids if option_ref[i][0] == question_id
            )
            result[owner_id] = Condition(code_by_id[question_id], codes)
        return result

    sections = list(Section.objects.filter(survey=survey).order_by("position", "id"))
    q_conditions = conditions(Question.show_if_options.through, "question", set(code_by_id))
    s_conditions = conditions(Section.show_if_options.through, "section", {s.id for s in sections})
    section_code = {s.id: s.code for s in sections}

    specs: dict[str, QuestionSpec] = {}
    for q in questions:
        specs[q.code] = QuestionSpec(
            id=q.id,
            code=q.code,
            type=q.type,
            section=section_code[q.section_id],
            text=Text(q.text_kk, q.text_ru),
            help=Text(q.help_kk, q.help_ru),
            required=q.required,
            widget=q.widget,
            min_choices=q.min_choices,
            max_choices=q.max_choices,
            scale_min=q.scale_min,
            scale_max=q.scale_max,
            scale_na=q.scale_na,
            number_min=q.number_min,
            number_max=q.number_max,
            decimals=q.decimals,
            decimal_min=q.decimal_min,
            decimal_max=q.decimal_max,
            options=tuple(options_by_question[q.id]),
            rows=tuple(rows_by_question[q.id]),
            scale_labels=tuple(labels_by_question[q.id]),
            condition=q_conditions.get(q.id),
        )
    section_specs = tuple(
        SectionSpec(
            id=s.id,
            code=s.code,
            title=Text(s.title_kk, s.title_ru),
            description=Text(s.description_kk, s.description_ru),
            questions=tuple(q.code for q in questions if q.section_id == s.id),
            condition=s_conditions.get(s.id),
        )
        for s in sections
    )
    return SurveySchema(
        survey_id=survey.id, slug=survey.slug, sections=section_specs, questions=specs
    )


# Schema snapshots by survey id, each with the Survey.updated_at it was read under. Every write to
# the structure touches updated_at: the builder's services and Survey.save() (auto_now) do, and
# the receivers below cover every other save or delete of a structure row (the admin's section,
# question and option pages, their imports). A snapshot is only reused for the updated_at that
# the caller read in its own request, so a stale one is never served.
_schemas: dict[int, tuple[datetime, SurveySchema]] = {}


def survey_schema_cached(*, survey: Survey) -> SurveySchema:
    """`survey_schema_get`, kept in process memory while `survey.updated_at` stays the same.

    `survey` must have been read in the same request: its updated_at is the cache key.
    """
    stamp = survey.updated_at
    found = _schemas.get(survey.pk)
    if stamp is not None and found is not None and found[0] == stamp:
        return found[1]
    schema = survey_schema_get(survey=survey)
    if stamp is not None:
        _schemas[survey.pk] = (stamp, schema)
    return schema


def _survey_touch(survey_ids: QuerySet | list[int]) -> None:
    Survey.objects.filter(pk__in=survey_ids).update(updated_at=timezone.now())


@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Question)
def _structure_changed(sender: type, instance: Section | Question, **kwargs: object) -> None:
    _survey_touch([instance.survey_id])


@receiver([post_save, post_delete], sender=Option)
@receiver([post_save, post_delete], sender=Row)
@receiver([post_save, post_delete], sender=ScaleLabel)
def _question_part_changed(
    sender: type, instance: Option | Row | ScaleLabel, **kwargs: object
) -> None:
    _survey_touch(Question.objects.filter(pk=instance.question_id).values("survey_id"))


@receiver(m2m_changed, sender=Question.show_if_options.through)
@receiver(m2m_changed, sender=Section.show_if_options.through)
def _condition_changed(sender: type, instance: object, action: str, **kwargs: object) -> None:
    if action.startswith("post_") and isinstance(instance, Section | Question):
        _survey_touch([instance.survey_id])
    elif action.startswith("post_") and isinstance(instance, Option):
        # Changed from the option's side: the survey of its question (conditions stay in one).
        _survey_touch(Question.objects.filter(pk=instance.question_id).values("survey_id"))


@dataclass(frozen=True)
class _Decoder:
    """Id -> code lookups and option and row order of one schema, for rebuilding answers."""

    by_id: dict[int, QuestionSpec]
    option_code: dict[int, str]
    row_code: dict[int, str]
    option_order: dict[str, dict[str, int]]  # question code -> option code -> position
    row_order: dict[str, dict[str, int]]


def _decoder(schema: SurveySchema) -> _Decoder:
    """Built once per schema and kept on it (as functools.cached_property does on a frozen
    dataclass): an export decodes every response with the same schema."""
    found = vars(schema).get("_answers_decoder")
    if found is None:
        questions = schema.questions.values()
        found = _Decoder(
            by_id={q.id: q for q in questions},
            option_code={o.id: o.code for q in questions for o in q.options},
            row_code={r.id: r.code for q in questions for r in q.rows},
            option_order={q.code: {o.code: i for i, o in enumerate(q.options)} for q in questions},
            row_order={q.code: {r.code: i for i, r in enumerate(q.rows)} for q in questions},
        )
        vars(schema)["_answers_decoder"] = found
    return found


# The Answer columns `answers_from_rows` reads, in its order: every reader asks for these.
ANSWER_FIELDS = ("question_id", "option_id", "row_id", "value_int", "value_text", "value_decimal")


def answers_from_rows(schema: SurveySchema, rows: list[tuple]) -> Answers:
    """Rebuild answers from tuples of ANSWER_FIELDS."""
    decoder = _decoder(schema)
    by_id, option_code, row_code = decoder.by_id, decoder.option_code, decoder.row_code
    parts: dict[str, dict] = defaultdict(lambda: {"options": [], "cells": [], "other": ""})
    for question_id, option_id, row_id, value_int, value_text, value_decimal in rows:
        question = by_id[question_id]
        part = parts[question.code]
        if option_id is not None:
            part["options"].append(option_code[option_id])
            if value_text:
                part["other"] = value_text
        elif row_id is not None:
            part["cells"].append((row_code[row_id], value_int))
        else:
            part["number"], part["text"] = value_int, value_text
            part["decimal"] = value_decimal
    answers: Answers = {}
    for code, part in parts.items():
        options, cells = part["options"], part["cells"]
        if len(options) > 1:
            options.sort(key=decoder.option_order[code].__getitem__)
        if len(cells) > 1:
            row_order = decoder.row_order[code]
            cells.sort(key=lambda cell: row_order[cell[0]])
        answers[code] = QuestionAnswer(
            options=tuple(options),
            other_text=part["other"],
            cells=tuple(cells),
            number=part.get("number"),
            text=part.get("text") or "",
            decimal=part.get("decimal"),
        )
    return answers


def response_answers_get(*, response: Response, schema: SurveySchema) -> Answers:
    rows = Answer.objects.filter(response=response).values_list(*ANSWER_FIELDS)
    return answers_from_rows(schema, list(rows))


def response_resume_section(*, schema: SurveySchema, answers: Answers) -> int:
    """The 1-based number of the first shown section still missing an answer; else the last."""
    sections = schema.visible_sections(answers)
    for number, section in enumerate(sections, start=1):
        page = set(section.questions)
        held = {code: answer for code, answer in answers.items() if code in page}
        context = {code: answer for code, answer in answers.items() if code not in page}
        result = response_validate(
            schema=schema, data=answers_to_wide(schema, held), only=page, context=context
        )
        if not result.is_valid:
            return number
    return len(sections)
