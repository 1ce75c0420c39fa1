"""Answer rows -> data frames for the tables, aggregated in the database.

The tables are counts, so the database counts: one GROUP BY over the answer rows of the selected
responses gives every closed question's table, and every number's distribution, at once; a
second counts respondents per question. A filter is evaluated once per computation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils.translation import gettext as _

from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema

Filters = dict[str, list[str]]
CLOSED_TYPES = ("single", "multiple", "matrix", "rating")
NUMBER_TYPES = ("number", "decimal")
ANSWERS = Answer._meta.db_table
RESPONSES = Response._meta.db_table


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


def responses_watermark_recent(*, survey: Survey) -> tuple[int, datetime | None]:
    """The watermark of `responses_watermark`, read from the database at most every
    RESULTS_FRESHNESS_SECONDS per survey (a COUNT over every response: 140 ms at a million).

    A page may therefore show the snapshot of a few seconds ago; it still says what it covers
    (respondents, computed at), and that stays exact. 0 reads it on every request."""
    seconds = settings.RESULTS_FRESHNESS_SECONDS
    if seconds <= 0:
        return responses_watermark(survey=survey)
    key = f"results-watermark:{survey.pk}"
    found = cache.get(key)
    if found is None:
        found = responses_watermark(survey=survey)
        cache.set(key, found, seconds)
    return found


@dataclass(frozen=True)
class AnswerCounts:
    """What the tables are built from, with codes in place of ids."""

    respondents: int
    # question, option, row, value, count, key: one row per distinct answer fact; `key` is the
    # sum of its respondents' record keys (analytics.disclosure: the cell key before the modulo)
    counts: pd.DataFrame
    # question -> distinct responses that answered it
    answered: dict[str, int]
    # question -> the values of a number or decimal question, one per respondent
    numbers: dict[str, list[float]]
    # The record-key sums of the margins and of each number value, for the disclosure control.
    respondents_key: int = 0
    answered_keys: dict[str, int] = field(default_factory=dict)
    # question -> value -> (respondents, key sum)
    number_cells: dict[str, dict[float, tuple[int, int]]] = field(default_factory=dict)
    # With a weighting scheme only: `counts` gains columns `wsum` and `wsq` (Σw, Σw² per row),
    # and these are the same sums for the margins (question -> (Σw, Σw²), and the selection).
    weighted_answered: dict[str, tuple[float, float]] | None = None
    weighted_respondents: tuple[float, float] | None = None


SELECTED_TABLE = "analytics_selected_responses"


@contextmanager
def _selected(
    *, survey: Survey, schema: SurveySchema, filters: Filters
) -> Iterator[tuple[str, list[Any]]]:
    """SQL giving the ids of the selected responses, and its parameters, for one computation.

    Without a filter that is a cheap subquery on the survey's complete responses. A filter is an
    EXISTS over the answer rows per response, which costs about as much as a query that uses it,
    so its ids are stored once in a temporary table. On an error the rolled-back transaction drops
    the table too: both PostgreSQL and SQLite undo DDL.
    """
    query = responses_selected(survey=survey, schema=schema, filters=filters).values("pk").query
    sql, params = query.sql_with_params()
    if not filters:
        yield sql, list(params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {SELECTED_TABLE} (id integer PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {SELECTED_TABLE} (id) {sql}", params)
        if connection.vendor == "postgresql":
            # Autovacuum never analyzes temporary tables; the plans below need the row count.
            cursor.execute(f"ANALYZE {SELECTED_TABLE}")
        yield f"SELECT id FROM {SELECTED_TABLE}", []
        cursor.execute(f"DROP TABLE {SELECTED_TABLE}")


def _placeholders(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids)) or "NULL"


WEIGHTS = "analytics_responseweight"


def _counts_sql(selected: str, params: list[Any], weighting: int | None = None) -> tuple[str, list]:
    # No `question_id IN (...)`: with it, a table not yet analyzed (just after an import) was
    # planned as one response, each probing the whole question index: 72 s for 4790 responses
    # instead of 0.2 s. Text questions add one group each, dropped by the caller. The record
    # keys come from the response rows of the same selection (one join on the primary key).
    # The marked rows (one per response and question answered, `Answer.marks_respondent`) count
    # each question's respondents and their key sum in the same pass.
    sql = (
        "SELECT a.question_id, a.option_id, a.row_id, a.value_int, COUNT(*), "
        "SUM(r.record_key), a.value_decimal, "
        "SUM(CASE WHEN a.marks_respondent THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN a.marks_respondent THEN r.record_key ELSE 0 END) FROM {ANSWERS} a "
        f"JOIN {RESPONSES} r ON r.id = a.response_id WHERE a.response_id IN ({selected}) "
        "GROUP BY a.question_id, a.option_id, a.row_id, a.value_int, a.value_decimal"
    )
    if weighting is None:
        return sql, params
    # The weighted sums, when asked, come from the same GROUP BY: the unweighted SQL above is
    # left as it is. A response without a weight row (none is, once weights are current) has 0.
    sql = sql.replace(
        f"ELSE 0 END) FROM {ANSWERS}",
        "ELSE 0 END), SUM(COALESCE(w.weight, 0)), SUM(COALESCE(w.weight * w.weight, 0)), "
        "SUM(CASE WHEN a.marks_respondent THEN COALESCE(w.weight, 0) ELSE 0 END), "
        "SUM(CASE WHEN a.marks_respondent THEN COALESCE(w.weight * w.weight, 0) ELSE 0 END) "
        f"FROM {ANSWERS}",
    ).replace(
        " WHERE a.response_id IN",
        f" LEFT JOIN {WEIGHTS} w ON w.response_id = a.response_id AND w.scheme_id = %s"
        " WHERE a.response_id IN",
    )
    return sql, [weighting, *params]


def _answered_sum(rows: list[tuple], closed: set[int], weighted: bool) -> dict[int, tuple]:
    """Respondents per closed question id: (n, key sum[, Σw, Σw²]) over its marked rows."""
    answered: dict[int, list] = {}
    for row in rows:
        if row[0] in closed and row[7]:
            sums = answered.setdefault(row[0], [0, 0, 0.0, 0.0])
            sums[0] += row[7]
            sums[1] += row[8] or 0
            if weighted:
                sums[2] += float(row[11] or 0)
                sums[3] += float(row[12] or 0)
    return {question: tuple(sums) for question, sums in answered.items()}


def _number(value: Any) -> int | float:
    """A decimal as the database driver gives it (Decimal, float or int by backend), as a
    Python number the tables compute with; exact for the values a question allows."""
    number = float(Decimal(str(value)))
    return int(number) if number.is_integer() else number


def answer_counts_get(
    *, survey: Survey, schema: SurveySchema, filters: Filters, weighting: int | None = None
) -> AnswerCounts:
    """The counts of the selection; with `weighting` (a scheme id, its weights current) the
    weighted sums too."""
    closed = [q for q in schema.questions.values() if q.type in CLOSED_TYPES]
    # A decimal is summarised as a number is: from the distribution of its values.
    numbers = [q for q in schema.questions.values() if q.type in NUMBER_TYPES]
    question_code = {q.id: q.code for q in schema.questions.values()}
    with (
        _selected(survey=survey, schema=schema, filters=filters) as (selected, params),
        connection.cursor() as cursor,
    ):
        cursor.execute(*_counts_sql(selected, params, weighting))
        wanted = {q.id for q in closed + numbers}
        # A decimal's value takes the place of the whole number (which is null for it).
        rows = [row for row in cursor.fetchall() if row[0] in wanted]
        grouped = [
            (*row[:3], row[3] if row[6] is None else _number(row[6]), *row[4:6]) for row in rows
        ]
        answered = _answered_sum(rows, {q.id for q in closed}, weighting is not None)
        cursor.execute(
            f"SELECT COUNT(*), SUM(r.record_key) FROM {RESPONSES} r WHERE r.id IN ({selected})",
            params,
        )
        respondents, respondents_key = cursor.fetchone()
        weighted_respondents = None
        if weighting is not None:
            cursor.execute(
                f"SELECT SUM(w.weight), SUM(w.weight * w.weight) FROM {WEIGHTS} w "
                f"WHERE w.scheme_id = %s AND w.response_id IN ({selected})",
                [weighting, *params],
            )
            sum_w, sum_w2 = cursor.fetchone()
            weighted_respondents = (float(sum_w or 0), float(sum_w2 or 0))
    number_ids = {q.id for q in numbers}
    values: dict[str, list[float]] = {q.code: [] for q in numbers}
    cells: dict[str, dict[float, tuple[int, int]]] = {q.code: {} for q in numbers}
    for question_id, _option, _row, value, n, key in grouped:
        if question_id in number_ids:
            # A number's summary needs every value, but only as a distribution: its count of
            # distinct values (years of service, an age) is small whatever the responses.
            values[question_code[question_id]].extend(repeat(value, n))
            cells[question_code[question_id]][value] = (int(n), int(key or 0))
    counts = pd.DataFrame.from_records(
        [row for row in grouped if row[0] not in number_ids],
        columns=["question", "option", "row", "value", "count", "key"],
    )
    if weighting is not None:
        sums = [(float(r[9]), float(r[10])) for r in rows if r[0] not in number_ids]
        counts["wsum"] = pd.Series([w for w, _q in sums], dtype="float64")
        counts["wsq"] = pd.Series([q for _w, q in sums], dtype="float64")
    option_code = {o.id: o.code for q in closed for o in q.options}
    row_code = {r.id: r.code for q in closed for r in q.rows}
    counts["question"] = counts["question"].map(question_code)
    counts["option"] = counts["option"].map(option_code)
    counts["row"] = counts["row"].map(row_code)
    counts["value"] = counts["value"].astype("float64")
    return AnswerCounts(
        respondents=respondents,
        counts=counts,
        answered={question_code[k]: n for k, (n, _key, *_w) in answered.items()},
        numbers=values,
        respondents_key=int(respondents_key or 0),
        answered_keys={question_code[k]: int(key or 0) for k, (_n, key, *_w) in answered.items()},
        number_cells=cells,
        weighted_answered=None
        if weighting is None
        else {question_code[k]: (float(v[2] or 0), float(v[3] or 0)) for k, v in answered.items()},
        weighted_respondents=weighted_respondents,
    )


@dataclass(frozen=True)
class PairCounts:
    """The cells of a cross-tabulation of `question` by the groups of `by`."""

    cells: dict[tuple[str, str], int]  # (option, group) -> respondents
    group_sizes: dict[str, int]  # group -> respondents who answered both questions
    respondents: int  # respondents who answered both questions
    # The same, as sums of the respondents' record keys (analytics.disclosure).
    cell_keys: dict[tuple[str, str], int] = field(default_factory=dict)
    group_keys: dict[str, int] = field(default_factory=dict)
    respondents_key: int = 0
    # group -> respondents of the whole selection in that group, answered `question` or not:
    # the size of the group a column describes, for the group thresholds.
    group_totals: dict[str, int] = field(default_factory=dict)
    group_total_keys: dict[str, int] = field(default_factory=dict)
    # With a weighting scheme only: Σw per cell, (Σw, Σw²) per group.
    cell_weights: dict[tuple[str, str], float] | None = None
    group_weights: dict[str, tuple[float, float]] | None = None


def pair_counts_get(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    question: str,
    by: str,
    weighting: int | None = None,
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
    keys = pd.DataFrame.from_records(
        list(selected.values_list("pk", "record_key").iterator(chunk_size=20_000)),
        columns=["response", "key"],
    )
    both = answers.merge(groups, on="response").drop_duplicates().merge(keys, on="response")
    cells = both.groupby(["option", "group"]).agg(n=("response", "nunique"), key=("key", "sum"))
    people = both.drop_duplicates("response")
    sizes = people.groupby("group").agg(n=("response", "nunique"), key=("key", "sum"))
    members = groups.drop_duplicates("response").merge(keys, on="response")
    totals = members.groupby("group").agg(n=("response", "nunique"), key=("key", "sum"))
    weighted: dict[str, Any] = {}
    if weighting is not None:
        from .weighting.models import ResponseWeight

        weights = pd.DataFrame.from_records(
            list(
                ResponseWeight.objects.filter(scheme_id=weighting, response__in=selected)
                .values_list("response_id", "weight")
                .iterator(chunk_size=20_000)
            ),
            columns=["response", "w"],
        )
        both = both.merge(weights, on="response", how="left").fillna({"w": 0.0})
        people = both.drop_duplicates("response").assign(w2=lambda f: f["w"] ** 2)
        wcells = both.groupby(["option", "group"])["w"].sum()
        wgroups = people.groupby("group")[["w", "w2"]].sum()
        weighted = {
            "cell_weights": {(o, g): float(v) for (o, g), v in wcells.items()},
            "group_weights": {g: (float(r.w), float(r.w2)) for g, r in wgroups.iterrows()},
        }
    return PairCounts(
        **weighted,
        cells={(o, g): int(row.n) for (o, g), row in cells.iterrows()},
        group_sizes={g: int(row.n) for g, row in sizes.iterrows()},
        respondents=int(people["response"].nunique()),
        cell_keys={(o, g): int(row.key) for (o, g), row in cells.iterrows()},
        group_keys={g: int(row.key) for g, row in sizes.iterrows()},
        respondents_key=int(people["key"].sum()),
        group_totals={g: int(row.n) for g, row in totals.iterrows()},
        group_total_keys={g: int(row.key) for g, row in totals.iterrows()},
    )
