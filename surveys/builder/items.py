"""Builder writes for options, matrix rows and scale labels (re-exported by `builder`).

A chosen option or an answered row keeps its code once the survey has responses, and a chosen
option keeps its "other" flag; labels may change, each change recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from surveys.builder.changes import texts_snapshot
from surveys.builder.checks import (
    ALL,
    Problems,
    boolean_of,
    code_check,
    fail,
    lengths_check,
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
from surveys.builder.questions import CHOICE_TYPES, SCALED_TYPES
from surveys.models import Answer, Option, Question, Row, ScaleLabel

User = AbstractBaseUser
LABELS = ("label_kk", "label_ru")


# Options


def _option_values(
    problems: Problems, data: Mapping[str, Any], option: Option | None, question: Question
) -> dict[str, Any]:
    current = option or Option()
    values: dict[str, Any] = {key: text_of(data, key, getattr(current, key)) for key in LABELS}
    values["code"] = text_of(data, "code", current.code)
    values["is_other"] = boolean_of(data, "is_other", current.is_other)
    values["is_exclusive"] = boolean_of(data, "is_exclusive", current.is_exclusive)
    if question.type not in CHOICE_TYPES:
        problems.add(ALL, "no_options")
    siblings = question.options.exclude(pk=current.pk)
    code_check(problems, values["code"], set(siblings.values_list("code", flat=True)))
    texts_check(problems, values, "label")
    lengths_check(problems, Option, {key: values[key] for key in LABELS})
    if values["is_other"] and siblings.filter(is_other=True).exists():
        problems.add("is_other", "one_other")
    if values["is_exclusive"] and question.type != Question.Type.MULTIPLE:
        problems.add("is_exclusive", "exclusive_single")
    return values


def option_add(*, question: Question, user: User, data: Mapping[str, Any]) -> Option:
    problems = Problems()
    values = _option_values(problems, data, None, question)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        option = Option.objects.create(
            question=question, position=next_position(question.options.all()), **values
        )
        edit.record(option)
        edit.finish(focus=("option", question.code, option.code))
    return option


def option_update(*, option: Option, user: User, data: Mapping[str, Any]) -> Option:
    question = option.question
    problems = Problems()
    values = _option_values(problems, data, option, question)
    with restoring(option), transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        if edit.locked and option.answers.exists():
            params = {"option": option.code, "question": question.code}
            if values["code"] != option.code:
                problems.add("code", "locked_option_code", **params)
            if values["is_other"] != option.is_other:
                problems.add("is_other", "locked_option_other", **params)
        problems.raise_if_any()
        before = texts_snapshot(option)
        for key, value in values.items():
            setattr(option, key, value)
        option.save()
        edit.record(option, before)
        edit.finish(focus=("option", question.code, option.code))
    return option


def option_delete(*, option: Option, user: User) -> None:
    question = option.question
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        problems = Problems()
        if option.answers.exists():
            problems.add(ALL, "locked_option_delete", option=option.code, question=question.code)
        conditions_using_check(problems, options=Option.objects.filter(pk=option.pk))
        problems.raise_if_any()
        option.delete()
        edit.finish()


def _items_reorder(items: dict[str, Any], codes: Sequence[str]) -> None:
    if len(codes) != len(set(codes)) or set(codes) != set(items):
        raise fail(ALL, "reorder_items")
    positions_set([items[code] for code in codes])


def options_reorder(*, question: Question, user: User, codes: Sequence[str]) -> None:
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        _items_reorder({o.code: o for o in question.options.all()}, codes)
        edit.finish()


# Matrix rows


def _row_values(
    problems: Problems, data: Mapping[str, Any], row: Row | None, question: Question
) -> dict[str, Any]:
    current = row or Row()
    values: dict[str, Any] = {key: text_of(data, key, getattr(current, key)) for key in LABELS}
    values["code"] = text_of(data, "code", current.code)
    if question.type != Question.Type.MATRIX:
        problems.add(ALL, "no_rows")
    taken = set(question.rows.exclude(pk=current.pk).values_list("code", flat=True))
    code_check(problems, values["code"], taken)
    texts_check(problems, values, "label")
    lengths_check(problems, Row, {key: values[key] for key in LABELS})
    return values


def row_add(*, question: Question, user: User, data: Mapping[str, Any]) -> Row:
    problems = Problems()
    values = _row_values(problems, data, None, question)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        row = Row.objects.create(
            question=question, position=next_position(question.rows.all()), **values
        )
        edit.record(row)
        edit.finish(focus=("row", question.code, row.code))
    return row


def row_update(*, row: Row, user: User, data: Mapping[str, Any]) -> Row:
    question = row.question
    problems = Problems()
    values = _row_values(problems, data, row, question)
    with restoring(row), transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        if edit.locked and values["code"] != row.code and row.answers.exists():
            problems.add("code", "locked_row_code", row=row.code, question=question.code)
        problems.raise_if_any()
        before = texts_snapshot(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        edit.record(row, before)
        edit.finish(focus=("row", question.code, row.code))
    return row


def row_delete(*, row: Row, user: User) -> None:
    question = row.question
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        if Answer.objects.filter(row=row).exists():
            raise fail(ALL, "locked_row_delete", row=row.code, question=question.code)
        row.delete()
        edit.finish()


def rows_reorder(*, question: Question, user: User, codes: Sequence[str]) -> None:
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        _items_reorder({r.code: r for r in question.rows.all()}, codes)
        edit.finish()


# Scale labels


def scale_label_set(
    *, question: Question, user: User, value: int, label_kk: str, label_ru: str
) -> ScaleLabel:
    """The words for one point of a matrix or rating scale, created or replaced."""
    problems = Problems()
    texts = {"label_kk": (label_kk or "").strip(), "label_ru": (label_ru or "").strip()}
    if question.type not in SCALED_TYPES:
        problems.add(ALL, "no_scale")
    else:
        points = set(range(question.scale_min, question.scale_max + 1))
        points |= {0} if question.scale_na else set()
        if isinstance(value, bool) or not isinstance(value, int) or value not in points:
            problems.add("value", "not_on_scale", value=value)
    texts_check(problems, texts, "label")
    lengths_check(problems, ScaleLabel, texts)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        label = ScaleLabel.objects.filter(question=question, value=value).first()
        before = texts_snapshot(label) if label else {}
        if label is None:
            label = ScaleLabel(question=question, value=value)
        label.label_kk, label.label_ru = texts["label_kk"], texts["label_ru"]
        label.save()
        edit.record(label, before)
        edit.finish(focus=("question", question.code))
    return label


def scale_label_delete(*, question: Question, user: User, value: int) -> None:
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        ScaleLabel.objects.filter(question=question, value=value).delete()
        edit.finish()
