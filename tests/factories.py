"""Builders of test data: valid answer sets for any questionnaire, and loaded surveys."""

from __future__ import annotations

from typing import Any

from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.models import Survey
from surveys.schema import SurveySchema, condition_met
from tests.conftest import QUESTIONNAIRE


def survey_2022_load() -> Survey:
    return questionnaire_load(data=definition_parse(text=QUESTIONNAIRE.read_text()))


def answers_fill(schema: SurveySchema, **overrides: Any) -> dict[str, Any]:
    """A valid, complete set of wide answers; `overrides` sets some questions' raw values.

    Questions hidden by a display condition are left out, following the answers as they build up.
    An override value of None leaves that question (or wide key) unanswered.
    """
    data: dict[str, Any] = {}
    known: dict[str, Any] = {}

    class _Chosen:
        def __init__(self, options: tuple[str, ...]) -> None:
            self.options = options

    for section in schema.sections:
        section_shown = condition_met(section.condition, known)
        for code in section.questions:
            q = schema.questions[code]
            if not (section_shown and condition_met(q.condition, known)):
                continue
            plain = [o.code for o in q.options if not (o.is_other or o.is_exclusive)]
            if q.type == "single":
                value: Any = plain[0]
            elif q.type == "multiple":
                value = plain[: max(q.min_choices or 1, 1)]
            elif q.type == "matrix":
                for row in q.rows:
                    data[f"{code}.{row.code}"] = str(q.scale_max - 1)
                value = None
            elif q.type == "rating":
                value = str(q.scale_max - 1)
            elif q.type == "number":
                low = q.number_min if q.number_min is not None else 0
                value = str(low + 5 if q.number_max is None or low + 5 <= q.number_max else low)
            else:
                value = "Жауап / Ответ"
            if code in overrides:
                value = overrides[code]
            if value is not None:
                data[code] = value
            if q.is_choice and value is not None:
                chosen = value if isinstance(value, list | tuple) else str(value).split()
                known[code] = _Chosen(tuple(chosen))
    for key, value in overrides.items():
        if "." in key:
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
    return data
