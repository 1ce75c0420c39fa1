"""Result tables of a survey: pure pandas over an answer frame, no Django (not even indirectly).

An *answer frame* holds one row per stored answer fact of complete responses: ``response``
(int), ``question`` (str), ``option`` (str | None), ``row`` (str | None), ``value`` (float, NaN
when absent). The per-question tables take the rows of one question (the caller slices, e.g. one
``groupby("question")`` pass; or passes ``question=`` to have it sliced here); the composition
and crosstab tables take a frame with several questions. Question metadata comes as plain values:
``options``/``rows`` as ``(code, label)`` pairs in display order, ``points`` as ints, ``na`` when
the point 0 means "cannot assess". Every table is a JSON-ready dict: ints, floats (never NaN),
str, bool, None. Percentages are `paper_percent`; means, sd and quantiles have two decimals.

Every closed-question table can also be built from aggregated counts (one database GROUP BY),
``*_from_counts`` in `analytics.tables_counts`, re-exported here: ``single_from_counts``,
``multiple_from_counts``, ``matrix_from_counts``, ``rating_from_counts``,
``composition_from_counts``, ``crosstab_from_counts``. They are the one implementation of the
tables' arithmetic and suppression: each frame function below only counts its frame and calls
its counts function, so both give the same dict for the same answers. Scale means and sd are
computed exactly from the counts per point. Numbers need their values: `number_table` stays on
a frame (the values of one number question, one row per respondent).

Small-cell protection, ``k``
----------------------------
``k=None`` (default everywhere but the crosstab): nothing is suppressed, the whole sample's tables
stay exact. A caller passes ``k`` when the table breaks the sample down by a group (a crosstab) or
the frame is a filtered subgroup. Then:

1. Whole table: 1..k-1 respondents -> ``"suppressed": true``, respondents and every count,
   percent and statistic ``None`` (codes and labels stay, for the layout).
2. Primary: a count of 1..k-1 becomes ``None`` with its percents and the entry gets
   ``"suppressed": true``. A zero is shown: it describes nobody.
3. Complementary: a reader knows the margins: the respondents or answers of an option list,
   the row totals and group sizes of a crosstab; from this table or from the exact unfiltered
   ones. A line with exactly one suppressed cell would give it back by subtraction, so its
   smallest other non-zero cell is suppressed too, repeated until no line (option list,
   crosstab row or column) holds exactly one. The usual first-order heuristic, no LP audit.
4. Scales (matrix rows, rating): mean and sd are weighted sums of the counts, so a mean next to
   partly suppressed counts would let them be solved back. A distribution with a cell of 1..k-1
   shows n, mean, sd only: all counts and top2 ``None``, ``"counts_suppressed": true``. A row
   with n of 1..k-1 is suppressed whole (``"suppressed": true``).
5. Numbers: min and max are one respondent's value each: ``None`` whenever ``k > 1``.
6. Crosstab: a group (column) of 1..k-1 respondents is suppressed whole (rule 3 then protects it
   against the row totals); row totals of 1..k-1 are ``None``. The test runs on the exact counts,
   but with the margins known chi2 (and p, V, both functions of it) is an equation in the
   suppressed cells; so when any cell is suppressed chi2, p and V are ``None`` and only ``dof``,
   ``n``, ``valid`` and the band ``p_below`` (0.001, 0.01, 0.05 or None) are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analytics._stats import round2, small
from analytics.tables_counts import (
    Choices,
    Table,
    composition_from_counts,
    crosstab_from_counts,
    crosstab_type_check,
    matrix_from_counts,
    multiple_from_counts,
    paper_percent,
    rating_from_counts,
    round1,
    single_from_counts,
)

__all__ = [
    "Choices",
    "Table",
    "composition_from_counts",
    "composition_table",
    "crosstab_from_counts",
    "crosstab_table",
    "matrix_from_counts",
    "matrix_table",
    "multiple_from_counts",
    "multiple_table",
    "number_table",
    "paper_percent",
    "rating_from_counts",
    "rating_table",
    "round1",
    "single_from_counts",
    "single_table",
]


def single_table(
    frame: pd.DataFrame, *, options: Choices, k: int | None = None, question: str | None = None
) -> Table:
    """One row per chosen option; percent of the respondents who answered the question."""
    chosen = _chosen(frame, question)
    n = int(chosen["response"].nunique())
    counts = chosen["option"].value_counts().to_dict()
    return single_from_counts(options=options, counts=counts, respondents=n, k=k)


def multiple_table(
    frame: pd.DataFrame, *, options: Choices, k: int | None = None, question: str | None = None
) -> Table:
    """One row per chosen option per respondent; percents of answers and of respondents."""
    chosen = _chosen(frame, question)
    n = int(chosen["response"].nunique())
    counts = chosen["option"].value_counts().to_dict()
    return multiple_from_counts(options=options, counts=counts, respondents=n, k=k)


def matrix_table(
    frame: pd.DataFrame,
    *,
    rows: Choices,
    points: Sequence[int],
    na: bool = False,
    k: int | None = None,
    question: str | None = None,
) -> Table:
    """Per matrix row: counts per point, n, mean, sd (ddof=1) and top-2 share over real points."""
    part = _slice(frame, question)
    respondents = int(part["response"].nunique())
    counts = part.groupby(["row", "value"]).size().to_dict()
    return matrix_from_counts(
        rows=rows, points=points, na=na, counts=counts, respondents=respondents, k=k
    )


def rating_table(
    frame: pd.DataFrame,
    *,
    points: Sequence[int],
    na: bool = False,
    k: int | None = None,
    question: str | None = None,
) -> Table:
    """A rating scale: like one matrix row, without code and label."""
    counts = _slice(frame, question)["value"].value_counts().to_dict()
    return rating_from_counts(points=points, na=na, counts=counts, k=k)


def number_table(
    frame: pd.DataFrame, *, k: int | None = None, question: str | None = None
) -> Table:
    """n, mean, median, quartiles (pandas' linear interpolation), min, max and sd of a number.

    ``sd`` (ddof=1, None below 2 values) comes last: the confidence interval of the mean needs it.
    """
    values = _slice(frame, question)["value"].dropna()
    n = len(values)
    keys = ("mean", "median", "q1", "q3", "min", "max")
    if small(n, k):
        blank = {"type": "number", "n": None} | dict.fromkeys(keys)
        return blank | {"sd": None, "suppressed": True}
    table: Table = {"type": "number", "n": n} | dict.fromkeys(keys) | {"sd": None}
    if n:
        q1, median, q3 = values.quantile([0.25, 0.5, 0.75]).tolist()
        stats = (values.mean(), median, q1, q3, values.min(), values.max())
        table |= {key: round2(float(x)) for key, x in zip(keys, stats, strict=True)}
    if n >= 2:
        table["sd"] = round2(float(values.std(ddof=1)))
    if k is not None and k > 1:
        table |= {"min": None, "max": None}  # one respondent's value each
    return table


def composition_table(
    frame: pd.DataFrame,
    *,
    variables: Sequence[tuple[str, str, Choices]],
    k: int | None = None,
) -> Table:
    """The sample's make-up by profile questions (region, body_level, gender, age, ...).

    Each variable is a single-choice table: percent of the respondents who answered it.
    """
    codes = [code for code, _, _ in variables]
    chosen = frame.loc[frame["question"].isin(codes) & frame["option"].notna()]
    return composition_from_counts(
        variables=variables,
        counts=chosen.groupby(["question", "option"]).size().to_dict(),
        answered=chosen.groupby("question")["response"].nunique().to_dict(),
        respondents=int(frame["response"].nunique()),
        k=k,
    )


def crosstab_table(
    frame: pd.DataFrame,
    *,
    question: str,
    question_type: Literal["single", "multiple"],
    options: Choices,
    by: str,
    by_options: Choices,
    k: int | None = 5,
) -> Table:
    """A closed question (rows) by a single-choice question (columns), with a chi-square test.

    Only respondents who answered both count. Cells are respondents: for a multiple choice a
    respondent counts in every option chosen (a multiple-response set), percents stay of the
    group's respondents and the test is an approximation (``multiple_response``, note).
    """
    crosstab_type_check(question_type)
    codes, groups = [c for c, _ in options], [c for c, _ in by_options]
    answers = frame.loc[
        (frame["question"] == question) & frame["option"].isin(codes), ["response", "option"]
    ]
    group_of = frame.loc[
        (frame["question"] == by) & frame["option"].isin(groups), ["response", "option"]
    ].drop_duplicates("response")
    both = answers.merge(group_of.rename(columns={"option": "group"}), on="response")
    both = both.drop_duplicates(["response", "option"])
    return crosstab_from_counts(
        question=question,
        question_type=question_type,
        options=options,
        by=by,
        by_options=by_options,
        cells=both.groupby(["option", "group"]).size().to_dict(),
        group_sizes=both.groupby("group")["response"].nunique().to_dict(),
        respondents=int(both["response"].nunique()),
        k=k,
    )


# --- private helpers -----------------------------------------------------------------------


def _slice(frame: pd.DataFrame, question: str | None) -> pd.DataFrame:
    return frame if question is None else frame.loc[frame["question"] == question]


def _chosen(frame: pd.DataFrame, question: str | None) -> pd.DataFrame:
    part = _slice(frame, question)
    return part.loc[part["option"].notna()]
