"""The one rule layer: raw answers in, validated answers and errors by question code out.

Every write path (the web form, the response import, the admin, the seed, any API) passes through
`response_validate`; nothing here touches the database or knows about web pages. Messages are
rendered in the caller's language on demand, so one result can be shown in Kazakh and in Russian.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from surveys.answers import OTHER_SUFFIX, Answers, QuestionAnswer
from surveys.decimals import (
    DECIMAL_LIMIT,
    DecimalUnreadable,
    decimal_parse,
    decimal_places,
    decimal_plain,
)
from surveys.schema import QuestionSpec, SurveySchema, Text, condition_met

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
INT_LIMIT = 2_147_483_647  # the integer column's range

MESSAGES: dict[str, Any] = {
    "required": _("Please answer this question."),
    "unknown_field": _("This field does not belong to the questionnaire."),
    "unknown_option": _("“%(value)s” is not one of the options of this question."),
    "unknown_row": _("“%(value)s” is not a row of this question."),
    "not_applicable": _(
        "This question does not apply given the earlier answers, so it must be left unanswered."
    ),
    "duplicate_option": _("The option “%(value)s” is chosen more than once."),
    "single_expected": _("Choose only one option."),
    "min_choices": ngettext_lazy(
        "Choose at least %(limit)d option.", "Choose at least %(limit)d options.", "limit"
    ),
    "max_choices": ngettext_lazy(
        "Choose no more than %(limit)d option.", "Choose no more than %(limit)d options.", "limit"
    ),
    "exact_choices": ngettext_lazy(
        "Choose exactly %(limit)d option.", "Choose exactly %(limit)d options.", "limit"
    ),
    "exclusive": _("“%(value)s” cannot be combined with other options."),
    "other_text_required": _("Please write your answer for “%(value)s”."),
    "other_text_unexpected": _("There is text for “%(value)s”, but that option is not chosen."),
    "not_a_whole_number": _("Enter a whole number."),
    "out_of_scale": _("Choose a value from %(min)d to %(max)d."),
    "out_of_scale_na": _("Choose a value from %(min)d to %(max)d, or 0 if you cannot assess."),
    "number_below_min": _("The number must be at least %(min)d."),
    "number_above_max": _("The number must be at most %(max)d."),
    "rows_missing": _("Please answer every row. Not answered: %(rows)s."),
    "text_too_long": _("The text must be at most %(limit)d characters long."),
    "invalid_characters": _("The text contains characters that cannot be stored."),
    "invalid_value": _("This value cannot be read."),
    "not_a_decimal": _("Enter a number, such as 3.5 or 3,5."),
    "decimal_places": ngettext_lazy(
        "Enter at most %(limit)d digit after the decimal point.",
        "Enter at most %(limit)d digits after the decimal point.",
        "limit",
    ),
    "decimal_below_min": _("The number must be at least %(min)s."),
    "decimal_above_max": _("The number must be at most %(max)s."),
    "note_answered": _("“%(value)s” is a note shown to respondents: it takes no answer."),
}

# Control characters other than tab and newlines; PostgreSQL cannot store NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INTEGER = re.compile(r"^[+-]?\d{1,12}$")


@dataclass(frozen=True)
class AnswerError:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, language: str) -> str:
        params = {key: _resolve(value, language) for key, value in self.params.items()}
        with translation.override(language):
            template = MESSAGES[self.code]
            return str(template % params) if params else str(template)


def _resolve(value: Any, language: str) -> Any:
    if isinstance(value, Text):
        return value.get(language)
    if isinstance(value, tuple):
        return ", ".join(str(_resolve(v, language)) for v in value)
    return value


@dataclass
class ValidationResult:
    answers: Answers
    errors: dict[str, list[AnswerError]]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def messages(self, language: str) -> dict[str, list[str]]:
        return {key: [e.message(language) for e in errs] for key, errs in self.errors.items()}


class _Invalid(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.error = AnswerError(code, params)


def response_validate(
    *,
    schema: SurveySchema,
    data: Mapping[str, Any],
    partial: bool = False,
    only: Collection[str] | None = None,
    context: Answers | None = None,
) -> ValidationResult:
    """Check `data` (wide keys, raw values) against every rule of the questionnaire.

    `partial` skips the required checks (historic data, a draft); `only` limits the check to some
    questions (one page), with `context` giving the answers already held for the others so that
    display conditions can be decided.
    """
    errors: dict[str, list[AnswerError]] = {}
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        base, _dot, sub = str(key).partition(".")
        if base not in schema.questions or (only is not None and base not in only):
            errors.setdefault(str(key), []).append(AnswerError("unknown_field"))
            continue
        grouped.setdefault(base, {})[sub] = value

    known: Answers = dict(context or {})
    answers: Answers = {}
    for section in schema.sections:
        section_visible = condition_met(section.condition, known)
        for code in section.questions:
            if only is not None and code not in only:
                continue
            question = schema.questions[code]
            known.pop(code, None)
            raw = grouped.get(code, {})
            if question.is_note:
                # Said whether shown or not: a value for a note is always a mistake of the
                # sender (a column named after it), never a respondent's answer.
                if any(_given(value) for value in raw.values()):
                    errors.setdefault(code, []).append(
                        AnswerError("note_answered", {"value": code})
                    )
                continue
            try:
                answer = _parse(question, raw)
            except _Invalid as invalid:
                answer, parse_error = None, invalid.error
            else:
                parse_error = None
            visible = section_visible and condition_met(question.condition, known)
            if not visible:
                if answer is not None or parse_error is not None:
                    errors.setdefault(code, []).append(AnswerError("not_applicable"))
                continue
            if parse_error is not None:
                errors.setdefault(code, []).append(parse_error)
                continue
            if answer is None:
                if question.required and not partial:
                    errors.setdefault(code, []).append(AnswerError("required"))
                continue
            completeness = None if partial else _completeness_error(question, answer)
            if completeness is not None:
                errors.setdefault(code, []).append(completeness)
                continue
            answers[code] = answer
            known[code] = answer
    return ValidationResult(answers=answers, errors=errors)


def _completeness_error(question: QuestionSpec, answer: QuestionAnswer) -> AnswerError | None:
    """Rules that a draft may still break: a matrix with rows left, too few choices."""
    if question.type == "matrix" and question.required:
        answered = {row for row, _value in answer.cells}
        missing = tuple(r.label for r in question.rows if r.code not in answered)
        if missing:
            return AnswerError("rows_missing", {"rows": missing})
    too_few = question.min_choices and len(answer.options) < question.min_choices
    if question.type == "multiple" and too_few:
        return _choice_count_error(question)
    return None


def _choice_count_error(question: QuestionSpec) -> AnswerError:
    low, high = question.min_choices or 1, question.max_choices
    if low == high:
        return AnswerError("exact_choices", {"limit": low})
    return AnswerError("min_choices", {"limit": low})


def _parse(question: QuestionSpec, raw: dict[str, Any]) -> QuestionAnswer | None:
    allowed_subs = {""}
    if question.type == "matrix":
        allowed_subs = set(question.row_by_code)
    elif question.other_option is not None:
        allowed_subs.add(OTHER_SUFFIX)
    for sub in raw:
        if sub not in allowed_subs:
            raise _Invalid(
                "unknown_row" if question.type == "matrix" else "unknown_field", value=sub
            )
    if question.type == "single":
        return _parse_single(question, raw)
    if question.type == "multiple":
        return _parse_multiple(question, raw)
    if question.type == "matrix":
        return _parse_matrix(question, raw)
    if question.type == "rating":
        value = _as_int(raw.get(""))
        if value is None:
            return None
        _check_scale(question, value)
        return QuestionAnswer(number=value)
    if question.type == "number":
        return _parse_number(question, raw.get(""))
    if question.type == "decimal":
        return _parse_decimal(question, raw.get(""))
    limit = SHORT_TEXT_MAX if question.type == "short_text" else LONG_TEXT_MAX
    text = _as_text(raw.get(""), limit)
    return QuestionAnswer(text=text) if text else None


def _parse_single(question: QuestionSpec, raw: dict[str, Any]) -> QuestionAnswer | None:
    value = raw.get("")
    if isinstance(value, list | tuple):
        values = [v for v in value if str(v).strip()]
        if len(values) > 1:
            raise _Invalid("single_expected")
        value = values[0] if values else None
    code = _as_text(value, SHORT_TEXT_MAX)
    other_text = _as_text(raw.get(OTHER_SUFFIX), SHORT_TEXT_MAX)
    if not code:
        if other_text and question.other_option is not None:
            raise _Invalid("other_text_unexpected", value=question.other_option.label)
        return None
    option = question.option_by_code.get(code)
    if option is None:
        raise _Invalid("unknown_option", value=code)
    _check_other_text(question, {code}, other_text)
    return QuestionAnswer(options=(code,), other_text=other_text)


def _parse_multiple(question: QuestionSpec, raw: dict[str, Any]) -> QuestionAnswer | None:
    value = raw.get("")
    if value is None:
        codes: list[str] = []
    elif isinstance(value, list | tuple):
        codes = [_as_text(v, SHORT_TEXT_MAX) for v in value]
        codes = [c for c in codes if c]
    else:
        codes = _as_text(value, LONG_TEXT_MAX).split()
    other_text = _as_text(raw.get(OTHER_SUFFIX), SHORT_TEXT_MAX)
    if not codes:
        if other_text and question.other_option is not None:
            raise _Invalid("other_text_unexpected", value=question.other_option.label)
        return None
    seen: set[str] = set()
    for code in codes:
        if code not in question.option_by_code:
            raise _Invalid("unknown_option", value=code)
        if code in seen:
            raise _Invalid("duplicate_option", value=question.option_by_code[code].label)
        seen.add(code)
    if question.max_choices is not None and len(codes) > question.max_choices:
        if question.min_choices == question.max_choices:
            raise _Invalid("exact_choices", limit=question.max_choices)
        raise _Invalid("max_choices", limit=question.max_choices)
    if len(codes) > 1:
        for code in codes:
            option = question.option_by_code[code]
            if option.is_exclusive:
                raise _Invalid("exclusive", value=option.label)
    _check_other_text(question, seen, other_text)
    return QuestionAnswer(options=tuple(codes), other_text=other_text)


def _check_other_text(question: QuestionSpec, chosen: set[str], other_text: str) -> None:
    other = question.other_option
    if other is None:
        return
    if other.code in chosen and not other_text:
        raise _Invalid("other_text_required", value=other.label)
    if other.code not in chosen and other_text:
        raise _Invalid("other_text_unexpected", value=other.label)


def _parse_matrix(question: QuestionSpec, raw: dict[str, Any]) -> QuestionAnswer | None:
    cells: list[tuple[str, int]] = []
    for row in question.rows:
        value = _as_int(raw.get(row.code))
        if value is None:
            continue
        _check_scale(question, value)
        cells.append((row.code, value))
    return QuestionAnswer(cells=tuple(cells)) if cells else None


def _parse_number(question: QuestionSpec, raw: Any) -> QuestionAnswer | None:
    value = _as_int(raw)
    if value is None:
        return None
    low = question.number_min if question.number_min is not None else -INT_LIMIT
    high = question.number_max if question.number_max is not None else INT_LIMIT
    if value < low:
        raise _Invalid("number_below_min", min=low)
    if value > high:
        raise _Invalid("number_above_max", max=high)
    return QuestionAnswer(number=value)


def _parse_decimal(question: QuestionSpec, raw: Any) -> QuestionAnswer | None:
    value = _as_decimal(raw)
    if value is None:
        return None
    places = question.decimals or 0
    if decimal_places(value) > places:
        raise _Invalid("decimal_places", limit=places)
    low = question.decimal_min if question.decimal_min is not None else -DECIMAL_LIMIT
    high = question.decimal_max if question.decimal_max is not None else DECIMAL_LIMIT
    if value < low:
        raise _Invalid("decimal_below_min", min=decimal_plain(low))
    if value > high:
        raise _Invalid("decimal_above_max", max=decimal_plain(high))
    return QuestionAnswer(decimal=value)


def _as_decimal(value: Any) -> Decimal | None:
    try:
        return decimal_parse(value)
    except DecimalUnreadable as exc:
        raise _Invalid(exc.kind) from exc


def _given(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_given(v) for v in value)
    return value is not None and str(value).strip() != ""


def _check_scale(question: QuestionSpec, value: int) -> None:
    if value in question.scale_points():
        return
    code = "out_of_scale_na" if question.scale_na else "out_of_scale"
    raise _Invalid(code, min=question.scale_min, max=question.scale_max)


def _as_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Invalid("not_a_whole_number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or a fraction
            raise _Invalid("not_a_whole_number")
        return int(value)
    if not isinstance(value, str):
        raise _Invalid("invalid_value")
    text = value.strip()
    if not text:
        return None
    if not _INTEGER.match(text):
        raise _Invalid("not_a_whole_number")
    return int(text)


def _as_text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid("invalid_value")
    text = str(value).strip()
    if _CONTROL.search(text):
        raise _Invalid("invalid_characters")
    if len(text) > limit:
        raise _Invalid("text_too_long", limit=limit)
    return text
