"""Builder writes for options, matrix rows and scale labels (re-exported by `builder`).

A chosen option or an answered row keeps its code once the survey has responses, and a chosen
option keeps its "other" flag; labels may change, each change recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

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
Item = TypeVar("Item", Option, Row)  # options and rows are written the same way
# Reads an option's or row's fields from posted data (the stored item, or None for a new one)
# and checks them, adding what is wrong to the problems.
ValuesOf = Callable[[Problems, Mapping[str, Any], Any, Question], dict[str, Any]]


# Options


def _item_values(
    problems: Problems, data: Mapping[str, Any], current: Item, question: Question
) -> dict[str, Any]:
    """The labels and code of an option or row (`current`, unsaved for a new one), checked: a
    code unique among the question's items of that kind, both labels, their lengths."""
    values: dict[str, Any] = {key: text_of(data, key, getattr(current, key)) for key in LABELS}
    values["code"] = text_of(data, "code", current.code)
    siblings = type(current)._default_manager.filter(question=question).exclude(pk=current.pk)
    code_check(problems, values["code"], set(siblings.values_list("code", flat=True)))
    texts_check(problems, values, "label")
    lengths_check(problems, type(current), {key: values[key] for key in LABELS})
    return values


def _option_values(
    problems: Problems, data: Mapping[str, Any], option: Option | None, question: Question
) -> dict[str, Any]:
    current = option or Option()
    if question.type not in CHOICE_TYPES:
        problems.add(ALL, "no_options")
    values = _item_values(problems, data, current, question)
    values["is_other"] = boolean_of(data, "is_other", current.is_other)
    values["is_exclusive"] = boolean_of(data, "is_exclusive", current.is_exclusive)
    siblings = question.options.exclude(pk=current.pk)
    if values["is_other"] and siblings.filter(is_other=True).exists():
        problems.add("is_other", "one_other")
    if values["is_exclusive"] and question.type != Question.Type.MULTIPLE:
        problems.add("is_exclusive", "exclusive_single")
    return values


def _item_add(
    model: type[Item],
    question: Question,
    user: User,
    data: Mapping[str, Any],
    values_of: ValuesOf,
) -> Item:
    """A new option or row of `question`, placed last; `values_of` reads and checks `data`."""
    problems = Problems()
    values = values_of(problems, data, None, question)
    problems.raise_if_any()
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        siblings = model._default_manager.filter(question=question)
        item = model._default_manager.create(
            question=question, position=next_position(siblings), **values
        )
        edit.record(item)
        edit.finish(focus=(model._meta.model_name, question.code, item.code))
    return item


def _item_update(
    item: Item,
    user: User,
    data: Mapping[str, Any],
    values_of: ValuesOf,
    locked_check: Callable[[Problems, Item, dict[str, Any]], None],
) -> Item:
    """Store `data` on an option or row. `locked_check` adds the refusals of a survey with
    responses: called only then, inside the transaction that holds the survey."""
    question = item.question
    problems = Problems()
    values = values_of(problems, data, item, question)
    with restoring(item), transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        if edit.locked:
            locked_check(problems, item, values)
        problems.raise_if_any()
        before = texts_snapshot(item)
        for key, value in values.items():
            setattr(item, key, value)
        item.save()
        edit.record(item, before)
        edit.finish(focus=(item._meta.model_name, question.code, item.code))
    return item


def _option_locked(problems: Problems, option: Option, values: dict[str, Any]) -> None:
    if option.answers.exists():
        params = {"option": option.code, "question": option.question.code}
        if values["code"] != option.code:
            problems.add("code", "locked_option_code", **params)
        if values["is_other"] != option.is_other:
            problems.add("is_other", "locked_option_other", **params)


def option_add(*, question: Question, user: User, data: Mapping[str, Any]) -> Option:
    return _item_add(Option, question, user, data, _option_values)


def option_update(*, option: Option, user: User, data: Mapping[str, Any]) -> Option:
    return _item_update(option, user, data, _option_values, _option_locked)


def _item_delete(item: Item, user: User, check: Callable[[Problems], None]) -> None:
    """Delete an option or row unless `check`, run inside the transaction, finds a problem."""
    with transaction.atomic():
        edit = edit_begin(survey=item.question.survey, user=user)
        problems = Problems()
        check(problems)
        problems.raise_if_any()
        item.delete()
        edit.finish()


def option_delete(*, option: Option, user: User) -> None:
    def check(problems: Problems) -> None:
        if option.answers.exists():
            params = {"option": option.code, "question": option.question.code}
            problems.add(ALL, "locked_option_delete", **params)
        conditions_using_check(problems, options=Option.objects.filter(pk=option.pk))

    _item_delete(option, user, check)


def _items_reorder(
    question: Question, user: User, current: QuerySet[Option] | QuerySet[Row], codes: Sequence[str]
) -> None:
    """Options or rows of `question` in the order of `codes`, which must name each one once."""
    with transaction.atomic():
        edit = edit_begin(survey=question.survey, user=user)
        items = {item.code: item for item in current}
        if len(codes) != len(set(codes)) or set(codes) != set(items):
            raise fail(ALL, "reorder_items")
        positions_set([items[code] for code in codes])
        edit.finish()


def options_reorder(*, question: Question, user: User, codes: Sequence[str]) -> None:
    _items_reorder(question, user, question.options.all(), codes)


# Matrix rows


def _row_values(
    problems: Problems, data: Mapping[str, Any], row: Row | None, question: Question
) -> dict[str, Any]:
    if question.type != Question.Type.MATRIX:
        problems.add(ALL, "no_rows")
    return _item_values(problems, data, row or Row(), question)


def _row_locked(problems: Problems, row: Row, values: dict[str, Any]) -> None:
    if values["code"] != row.code and row.answers.exists():
        problems.add("code", "locked_row_code", row=row.code, question=row.question.code)


def row_add(*, question: Question, user: User, data: Mapping[str, Any]) -> Row:
    return _item_add(Row, question, user, data, _row_values)


def row_update(*, row: Row, user: User, data: Mapping[str, Any]) -> Row:
    return _item_update(row, user, data, _row_values, _row_locked)


def row_delete(*, row: Row, user: User) -> None:
    def check(problems: Problems) -> None:
        if Answer.objects.filter(row=row).exists():
            problems.add(ALL, "locked_row_delete", row=row.code, question=row.question.code)

    _item_delete(row, user, check)


def rows_reorder(*, question: Question, user: User, codes: Sequence[str]) -> None:
    _items_reorder(question, user, question.rows.all(), codes)


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
