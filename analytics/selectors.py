"""Answer rows -> data frames for the tables, aggregated in the database.

The tables are counts, so the database counts: one GROUP BY over the answer rows of the selected
responses gives every closed question's table at once, and a second counts respondents per
question. Only number questions, whose medians need the values, are read row by row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils.translation import gettext as _

from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema

Filters = dict[str, list[str]]
CLOSED_TYPES = ("single", "multiple", "matrix", "rating")


class FilterError(ValueError):
    """A filter names a question or an option the survey does not have."""


def filters_normalize(*, schema: SurveySchema, raw: Mapping[str, Iterable[str]]) -> Filters:
    """Check and order a filter: question code -> option codes, any of which selects a response."""
    filters: Filters = {}
    for code, values in raw.items():
        question = schema.questions.get(code)
        if question is None or not question.is_choice:
            raise FilterError(
                _("“%(code)s” is not a choice question of this survey.") % {"code": code}
            )
        chosen = sorted({v for value in values for v in str(value).split(",") if v})
        unknown = [v for v in chosen if v not in question.option_by_code]
        if unknown:
            raise FilterError(
                _("“%(value)s” is not an option of “%(code)s”.")
                % {"value": ", ".join(unknown), "code": code}
            )
        if chosen:
            filters[code] = chosen
    return dict(sorted(filters.items()))


def filter_key(filters: Filters) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()


def responses_selected(*, survey: Survey, schema: SurveySchema, filters: Filters) -> QuerySet:
    """Complete responses of the survey that match every filter (any option within one)."""
    responses = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    for code, options in filters.items():
        question = schema.questions[code]
        option_ids = [question.option_by_code[o].id for o in options]
        chosen = Answer.objects.filter(
            response=OuterRef("pk"), question_id=question.id, option_id__in=option_ids
        )
        responses = responses.filter(Exists(chosen))
    return responses


def responses_watermark(*, survey: Survey) -> tuple[int, datetime | None]:
    """How many complete responses there are and the latest submission: a snapshot's freshness."""
    stats = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).aggregate(
        count=Count("id"), last=Max("submitted_at")
    )
    return stats["count"], stats["last"]


@dataclass(frozen=True)
class AnswerCounts:
    """What the tables are built from, with codes in place of ids."""

    respondents: int
    # question, option, row, value, count: one row per distinct answer fact
    counts: pd.DataFrame
    # question -> distinct responses that answered it
    answered: dict[str, int]
    # question -> the values of a number question, one per respondent
    numbers: dict[str, list[int]]


def answer_counts_get(*, survey: Survey, schema: SurveySchema, filters: Filters) -> AnswerCounts:
    selected = responses_selected(survey=survey, schema=schema, filters=filters)
    closed = [q for q in schema.questions.values() if q.type in CLOSED_TYPES]
    numbers = [q for q in schema.questions.values() if q.type == "number"]
    rows = Answer.objects.filter(response__in=selected.values("pk"))
    grouped = (
        rows.filter(question_id__in=[q.id for q in closed])
        .values_list("question_id", "option_id", "row_id", "value_int")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = pd.DataFrame.from_records(
        list(grouped), columns=["question", "option", "row", "value", "count"]
    )
    question_code = {q.id: q.code for q in schema.questions.values()}
    option_code = {o.id: o.code for q in closed for o in q.options}
    row_code = {r.id: r.code for q in closed for r in q.rows}
    counts["question"] = counts["question"].map(question_code)
    counts["option"] = counts["option"].map(option_code)
    counts["row"] = counts["row"].map(row_code)
    counts["value"] = counts["value"].astype("float64")
    answered = dict(
        rows.filter(question_id__in=[q.id for q in closed])
        .values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    values: dict[str, list[int]] = {q.code: [] for q in numbers}
    number_rows = rows.filter(question_id__in=[q.id for q in numbers]).values_list(
        "question_id", "value_int"
    )
    for question_id, value in number_rows.iterator(chunk_size=20_000):
        values[question_code[question_id]].append(value)
    return AnswerCounts(
        respondents=selected.count(),
        counts=counts,
        answered={question_code[k]: v for k, v in answered.items()},
        numbers=values,
    )


@dataclass(frozen=True)
class PairCounts:
    """The cells of a cross-tabulation of `question` by the groups of `by`."""

    cells: dict[tuple[str, str], int]  # (option, group) -> respondents
    group_sizes: dict[str, int]  # group -> respondents who answered both questions
    respondents: int  # respondents who answered both questions


def pair_counts_get(
    *, survey: Survey, schema: SurveySchema, filters: Filters, question: str, by: str
) -> PairCounts:
    """Respondents per (option of `question`, option of `by`), among those who answered both.

    Two reads of (response, option) pairs merged in pandas: plain index scans that every
    database plans well. A respondent counts once per option chosen, so a multiple choice
    question gives a multiple-response table.
    """
    selected = responses_selected(survey=survey, schema=schema, filters=filters).values("pk")
    q, b = schema.questions[question], schema.questions[by]

    def chosen(spec) -> pd.DataFrame:
        pairs = Answer.objects.filter(
            response__in=selected, question_id=spec.id, option__isnull=False
        ).values_list("response_id", "option_id")
        frame = pd.DataFrame.from_records(
            list(pairs.iterator(chunk_size=20_000)), columns=["response", "option"]
        )
        frame["option"] = frame["option"].map({o.id: o.code for o in spec.options})
        return frame

    answers, groups = chosen(q), chosen(b).rename(columns={"option": "group"})
    both = answers.merge(groups, on="response").drop_duplicates()
    cells = both.groupby(["option", "group"])["response"].nunique()
    sizes = both.drop_duplicates("response").groupby("group")["response"].nunique()
    return PairCounts(
        cells={(o, g): int(n) for (o, g), n in cells.items()},
        group_sizes={g: int(n) for g, n in sizes.items()},
        respondents=int(both["response"].nunique()),
    )
