"""Aggregated answer counts -> one table per question, through the pure table functions.

Tables are stored with codes as labels; `presentation` puts in the words of a language when they
are shown, so one snapshot serves Kazakh and Russian alike.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from surveys.schema import QuestionSpec, SurveySchema

from . import tables as t
from .selectors import AnswerCounts


def _codes(items: Any) -> list[tuple[str, str]]:
    return [(item.code, item.code) for item in items]


def question_table(
    question: QuestionSpec, part: pd.DataFrame, answered: int, k: int | None
) -> dict[str, Any]:
    if question.type in ("single", "multiple"):
        counts = part.groupby("option")["count"].sum().to_dict()
        build = t.single_from_counts if question.type == "single" else t.multiple_from_counts
        return build(options=_codes(question.options), counts=counts, respondents=answered, k=k)
    points = question.scale_points()
    if question.type == "matrix":
        grouped = part.groupby(["row", "value"])["count"].sum()
        cells = {(row, int(value)): int(n) for (row, value), n in grouped.items()}
        return t.matrix_from_counts(
            rows=_codes(question.rows),
            points=points,
            na=question.scale_na,
            counts=cells,
            respondents=answered,
            k=k,
        )
    grouped = part.groupby("value")["count"].sum()
    return t.rating_from_counts(
        points=points,
        na=question.scale_na,
        counts={int(value): int(n) for value, n in grouped.items()},
        k=k,
    )


def results_tables_build(
    *, schema: SurveySchema, counts: AnswerCounts, k: int | None
) -> dict[str, dict[str, Any]]:
    """Every closed question's table and every number question's summary, by question code."""
    parts = dict(iter(counts.counts.groupby("question"))) if len(counts.counts) else {}
    empty = counts.counts.iloc[0:0]
    tables: dict[str, dict[str, Any]] = {}
    for question in schema.ordered_questions():
        if question.code in counts.numbers:
            values = counts.numbers[question.code]
            frame = pd.DataFrame(
                {
                    "response": range(len(values)),
                    "question": question.code,
                    "option": None,
                    "row": None,
                    "value": pd.Series(values, dtype="float64"),
                }
            )
            tables[question.code] = t.number_table(frame, k=k)
        elif question.type in ("single", "multiple", "matrix", "rating"):
            part = parts.get(question.code, empty)
            answered = counts.answered.get(question.code, 0)
            tables[question.code] = question_table(question, part, answered, k)
    return tables
