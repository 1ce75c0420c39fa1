"""Builder writes for questions (re-exported by `builder`); their options, rows and scale labels
are in `builder.items`.

Once a survey has responses, whatever an answer points at keeps its meaning: an answered
question keeps its code and type and its scale only widens; a chosen option or an answered row
keeps its code. Wording may change; each change is recorded (`builder.changes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from surveys.builder.changes import texts_snapshot
from surveys.builder.checks import (
    ALL,
    Problems,
    boolean_of,
    choice_of,
    code_check,
    decimal_of,
    fail,
    integer_of,
    text_of,
    texts_check,
)
from surveys.builder.edit import (
    conditions_using_check,
    edit_begin,
    next_position,
    positions_set,
    restoring,
)
from surveys.decimals import DECIMAL_LIMIT, decimal_places
from surveys.formats.definition_checks import DECIMALS_DEFAULT
from surveys.models import Question, Section
from surveys.models.questionnaire import DECIMAL_PLACES_MAX

User = AbstractBaseUser
CHOICE_TYPES = (Question.Type.SINGLE, Question.Type.MULTIPLE)
SCALED_TYPES = (Question.Type.MATRIX, Question.Type.RATING)
QUESTION_TEXTS = ("text_kk", "text_ru", "help_kk", "help_ru")
LIMITS = (
    "min_choices", "max_choices", "scale_min", "scale_max", "number_min", "number_max", "decimals",
)  # fmt: skip
DECIMAL_BOUNDS = ("decimal_min", "decimal_max")
# What question_add and question_update take: the builder form, the admin and its import send these.
QUESTION_FIELDS = (
    "code",
    "type",
    "text_kk",
    "text_ru",
    "help_kk",
    "help_ru",
    "required",
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
LABELS = ("label_kk", "label_ru")
SCALE_SPAN = 101  # points; a wider "scale" is a number question
RANGE = {  # the columns' own ranges, so PostgreSQL never refuses what passed here
    "min_choices": (0, 32767),
    "max_choices": (0, 32767),
    "scale_min": (-1000, 1000),
    "scale_max": (-1000, 1000),
    "number_min": (-(2**31), 2**31 - 1),
    "number_max": (-(2**31), 2**31 - 1),
    "decimals": (1, DECIMAL_PLACES_MAX),
}


# Questions


def _question_values(
    problems: Problems, data: Mapping[str, Any], question: Question | None, survey_id: int
) -> dict[str, Any]:
    current = question or Question(type="", required=True, widget=Question.Widget.RADIO.value)
    values: dict[str, Any] = {
        key: text_of(data, key, getattr(current, key)) for key in QUESTION_TEXTS
    }
    values["code"] = text_of(data, "code", current.code)
    if not data.get("type", current.type):
        problems.add("type", "required")
        values["type"] = current.type
    else:
        values["type"] = choice_of(problems, data, "type", current.type, Question.Type.values)
    values["required"] = boolean_of(data, "required", current.required)
    # A blank widget is "not chosen" (only single choice questions have one), not an error.
    widget_data = {"widget": data["widget"]} if data.get("widget") else {}
    values["widget"] = choice_of(
        problems, widget_data, "widget", current.widget or "radio", Question.Widget.values
    )
    for key in LIMITS:
        values[key] = integer_of(problems, data, key, getattr(current, key))
        low, high = RANGE[key]
        if values[key] is not None and not low <= values[key] <= high:
            problems.add(key, "out_of_range", low=low, high=high)
            values[key] = None
    for key in DECIMAL_BOUNDS:
        values[key] = decimal_of(problems, data, key, getattr(current, key))
        if values[key] is not None and abs(values[key]) > DECIMAL_LIMIT:
            problems.add(key, "not_decimal")
            values[key] = None
    values["scale_na"] = boolean_of(data, "scale_na", current.scale_na)
    taken = set(Question.objects.filter(survey_id=survey_id).values_list("code", flat=True))
    taken.discard(current.code)
    code_check(problems, values["code"], taken)
    texts_check(problems, values, "text")
    _settings_clear(values)
    _settings_check(problems, values)
    return values


def _settings_clear(v: dict[str, Any]) -> None:
    """Settings of another type no longer apply: a type change (or stray input) clears them."""
    if v["type"] != Question.Type.MULTIPLE:
        v["min_choices"] = v["max_choices"] = None
    if v["type"] != Question.Type.SINGLE:
        v["widget"] = Question.Widget.RADIO.value
    if v["type"] not in SCALED_TYPES:
        v["scale_min"] = v["scale_max"] = None
        v["scale_na"] = False
    if v["type"] != Question.Type.NUMBER:
        v["number_min"] = v["number_max"] = None
    if v["type"] != Question.Type.DECIMAL:
        v["decimals"] = v["decimal_min"] = v["decimal_max"] = None
    elif v["decimals"] is None:
        v["decimals"] = DECIMALS_DEFAULT
    if v["type"] == Question.Type.NOTE:
        v["required"] = False  # a note takes no answer


def _settings_check(problems: Problems, v: dict[str, Any]) -> None:
    if v["type"] == Question.Type.MULTIPLE:
        for key in ("min_choices", "max_choices"):
            if v[key] is not None and v[key] < 1:
                problems.add(key, "min_one")
        if None not in (v["min_choices"], v["max_choices"]) and v["min_choices"] > v["max_choices"]:
            problems.add("max_choices", "min_gt_max")
    if v["type"] in SCALED_TYPES:
        low, high = v["scale_min"], v["scale_max"]
        if low is None or high is None or low >= high:
            problems.add("scale_max" if low is not None else "scale_min", "scale_bounds")
        elif high - low + 1 > SCALE_SPAN:
            problems.add("scale_max", "scale_span", limit=SCALE_SPAN)
        elif v["scale_na"] and low <= 0:
            problems.add("scale_na", "scale_na_zero")
    low, high = v["number_min"], v["number_max"]
    if v["type"] == Question.Type.NUMBER and None not in (low, high) and low > high:
        problems.add("number_max", "min_gt_max")
    if v["type"] == Question.Type.DECIMAL:
        low, high = v["decimal_min"], v["decimal_max"]
        if None not in (low, high) and low > high:
            problems.add("decimal_max", "min_gt_max")
        for key in DECIMAL_BOUNDS:
            if v[key] is not None and decimal_places(v[key]) > v["decimals"]:
                problems.add(key, "decimal_places")


def _narrower(old: Decimal | None, new: Decimal | None, low_bound: bool) -> bool:
    """Would a bound moving from `old` to `new` refuse a value it accepted?"""
    if new is None:
        return False
    if old is None:
        return True
    return new > old if low_bound else new < old


def _lock_check(problems: Problems, question: Question, v: dict[str, Any]) -> None:
    """An answered question keeps its code and type, and its limits only widen."""
    params = {"question": question.code}
    if v["code"] != question.code:
        problems.add("code", "locked_question_code", **params)
    if v["type"] != question.type:
        problems.add("type", "locked_question_type", **params)
        return
    for key, low_bound in (
        ("scale_min", True),
        ("scale_max", False),
        ("number_min", True),
        ("number_max", False),
        ("decimal_min", True),
        ("decimal_max", False),
        ("decimals", False),
        ("min_choices", True),
        ("max_choices", False),
    ):
        if _narrower(getattr(question, key), v[key], low_bound):
            problems.add(key, "locked_question_narrow", **params)
    if question.scale_na and not v["scale_na"]:
        problems.add("scale_na", "locked_question_narrow", **params)


def _fit_to_type(problems: Problems, question: Question) -> None:
    """Remove what the question's (new) type and scale no longer have."""
    if question.type not in CHOICE_TYPES:
        conditions_using_check(
            problems, options=question.options.all(), leaving=[question], field="type"
        )
        problems.raise_if_any()
        question.options.all().delete()
    elif question.type == Question.Type.SINGLE:
        question.options.filter(is_exclusive=True).update(is_exclusive=False)
    if question.type != Question.Type.MATRIX:
        question.rows.all().delete()
    if question.type not in SCALED_TYPES:
        question.scale_labels.all().delete()
    else:
        points = set(range(question.scale_min, question.scale_max + 1))
        points |= {0} if question.scale_na else set()
        question.scale_labels.exclude(value__in=points).delete()


def question_add(*, section: Section, user: User, data: Mapping[str, Any]) -> Question:
    """A new question, placed last in `section`."""
    problems = Problems()
    values = _question_values(problems, data, None, section.survey_id)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=section.survey, user=user)
        question = Question.objects.create(
            survey_id=section.survey_id,
            section=section,
            position=next_position(section.questions.all()),
            **values,
        )
        edit.record(question)
        edit.finish(focus=("question", question.code))
    return question


def question_update(*, question: Question, user: User, data: Mapping[str, Any]) -> Question:
    """Change any of the question's fields; a new type clears the settings it does not have."""
    problems = Problems()
    values = _question_values(problems, data, question, question.survey_id)
    with restoring(question), transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        if edit.locked and question.answers.exists():
            _lock_check(problems, question, values)
        problems.raise_if_any()
        before = texts_snapshot(question)
        reshaped = any(
            getattr(question, key) != values[key]
            for key in ("type", "scale_min", "scale_max", "scale_na")
        )
        for key, value in values.items():
            setattr(question, key, value)
        question.save()
        if reshaped:
            _fit_to_type(problems, question)
        edit.record(question, before)
        edit.finish(focus=("question", question.code))
    return question


def question_delete(*, question: Question, user: User) -> None:
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        problems = Problems()
        if question.answers.exists():
            problems.add(ALL, "locked_question_delete", question=question.code)
        conditions_using_check(problems, options=question.options.all(), leaving=[question])
        problems.raise_if_any()
        question.delete()
        edit.finish()


def questions_reorder(*, section: Section, user: User, codes: Sequence[str]) -> None:
    """The full new order of `section`; a code of another section's question moves it here."""
    with transaction.atomic():
        edit = edit_begin(survey=section.survey, user=user)
        by_code = {q.code: q for q in Question.objects.filter(survey_id=section.survey_id)}
        own = {q.code for q in by_code.values() if q.section_id == section.pk}
        if len(codes) != len(set(codes)) or not own <= set(codes) or not set(codes) <= set(by_code):
            raise fail(ALL, "reorder_questions")
        positions_set([by_code[code] for code in codes], section=section)
        edit.finish()
