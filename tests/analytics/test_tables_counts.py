"""Tables from aggregated counts equal the tables from the raw answer frame, suppression included.

Each random answer frame (fixed seeds) is counted here the way the database counts it (one
GROUP BY, distinct respondents per key) and fed to the ``*_from_counts`` functions; the dicts
must equal the frame functions' ones, without ``k`` and with ``k=5``.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.tables import (
    composition_from_counts,
    composition_table,
    crosstab_from_counts,
    crosstab_table,
    matrix_from_counts,
    matrix_table,
    multiple_from_counts,
    multiple_table,
    rating_from_counts,
    rating_table,
    single_from_counts,
    single_table,
)

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D"), ("e", "E")]
SKEW = [0.45, 0.3, 0.13, 0.05, 0.02, 0.05]  # options a..e and one unknown code
MATRIX_P = [0.1, 0.03, 0.07, 0.2, 0.3, 0.28, 0.02]
GROUPS = [("x", "X"), ("y", "Y"), ("z", "Z")]
ROWS = [("r1", "R1"), ("r2", "R2"), ("r3", "R3"), ("r4", "R4")]
SIZES = [3, 25, 60, 400]  # a whole table suppressed, then partly, then (nearly) nothing
SEEDS = [1, 2]
KS = [None, 5]


def answer_frame(rows: list[tuple]) -> pd.DataFrame:
    columns = ["response", "question", "option", "row", "value"]
    return pd.DataFrame(rows, columns=columns).astype({"value": "float64"})


def fact(response: int, question: str, option=None, row=None, value=np.nan) -> tuple:
    return (response, question, option, row, value)


def random_frame(seed: int, size: int) -> pd.DataFrame:
    """`size` respondents answering, or skipping, every kind of question; some codes unknown."""
    rng = np.random.default_rng(seed)
    codes = [code for code, _ in OPTIONS]
    facts: list[tuple] = []
    for r in range(size):
        if rng.random() < 0.9:  # "retired": an option the question no longer lists
            facts.append(fact(r, "single", str(rng.choice([*codes, "retired"], p=SKEW))))
        for code, p in zip(codes, [0.6, 0.4, 0.2, 0.06, 0.03], strict=True):
            if rng.random() < p:
                facts.append(fact(r, "multiple", code))
        if rng.random() < 0.9:
            group = rng.choice([c for c, _ in GROUPS], p=[0.6, 0.35, 0.05])
            facts.append(fact(r, "group", str(group)))
        if rng.random() < 0.85:  # rows may be skipped; "old" is no row, 9 no point
            for row in ["r1", "r2", "r3", "old"]:
                if rng.random() < 0.8:
                    value = rng.choice([0, 1, 2, 3, 4, 5, 9], p=MATRIX_P)
                    facts.append(fact(r, "matrix", row=row, value=float(value)))
        if rng.random() < 0.9:
            value = rng.choice([0, 1, 2, 3, 4, 5], p=[0.15, 0.04, 0.06, 0.2, 0.25, 0.3])
            facts.append(fact(r, "rating", value=float(value)))
        facts.append(fact(r, "years", value=float(rng.integers(1, 40))))
    return answer_frame(facts)


# --- the database's side: one GROUP BY, distinct respondents per key --------------------------


def of(frame: pd.DataFrame, question: str) -> pd.DataFrame:
    return frame.loc[frame["question"] == question]


def point(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def option_counts(part: pd.DataFrame) -> dict[str, int]:
    return part.groupby("option")["response"].nunique().to_dict()


def scale_counts(part: pd.DataFrame) -> dict[tuple[str, int | float], int]:
    grouped = part.groupby(["row", "value"])["response"].nunique()
    return {(row, point(value)): n for (row, value), n in grouped.items()}


def respondents(part: pd.DataFrame) -> int:
    return int(part["response"].nunique())


def crosstab_counts(frame: pd.DataFrame, question: str, by: str):
    answers = of(frame, question)[["response", "option"]]
    groups = of(frame, by)[["response", "option"]].rename(columns={"option": "group"})
    both = answers.merge(groups, on="response")
    cells = both.groupby(["option", "group"])["response"].nunique().to_dict()
    sizes = both.groupby("group")["response"].nunique().to_dict()
    return cells, sizes, respondents(both)


def suppressed_somewhere(table: Any) -> bool:
    if isinstance(table, dict):
        if any(table.get(key) is True for key in ("suppressed", "counts_suppressed")):
            return True
        return any(suppressed_somewhere(v) for v in table.values())
    if isinstance(table, list):  # a crosstab row's "suppressed" is a list of flags
        return any(v is True or suppressed_somewhere(v) for v in table)
    return False


cases = pytest.mark.parametrize(
    ("seed", "size", "k"), [(s, n, k) for s in SEEDS for n in SIZES for k in KS]
)


# --- both ways, equal -----------------------------------------------------------------------


@cases
def test_single_from_counts_equals_the_frame_table(seed, size, k):
    frame = random_frame(seed, size)
    part = of(frame, "single")
    raw = single_table(frame, options=OPTIONS, k=k, question="single")
    counted = single_from_counts(
        options=OPTIONS, counts=option_counts(part), respondents=respondents(part), k=k
    )
    assert raw == counted


@cases
def test_multiple_from_counts_equals_the_frame_table(seed, size, k):
    frame = random_frame(seed, size)
    part = of(frame, "multiple")
    raw = multiple_table(frame, options=OPTIONS, k=k, question="multiple")
    counted = multiple_from_counts(
        options=OPTIONS, counts=option_counts(part), respondents=respondents(part), k=k
    )
    assert raw == counted


@cases
@pytest.mark.parametrize("na", [False, True])
def test_matrix_from_counts_equals_the_frame_table(seed, size, k, na):
    frame = random_frame(seed, size)
    part = of(frame, "matrix")
    points = range(6) if na else range(1, 6)
    raw = matrix_table(frame, rows=ROWS, points=points, na=na, k=k, question="matrix")
    counted = matrix_from_counts(
        rows=ROWS,
        points=points,
        na=na,
        counts=scale_counts(part),
        respondents=respondents(part),
        k=k,
    )
    assert raw == counted


@cases
@pytest.mark.parametrize("na", [False, True])
def test_rating_from_counts_equals_the_frame_table(seed, size, k, na):
    frame = random_frame(seed, size)
    part = of(frame, "rating")
    points = range(6) if na else range(1, 6)
    raw = rating_table(frame, points=points, na=na, k=k, question="rating")
    grouped = part.groupby("value")["response"].nunique()
    counts = {point(value): n for value, n in grouped.items()}
    assert raw == rating_from_counts(points=points, na=na, counts=counts, k=k)


@cases
def test_composition_from_counts_equals_the_frame_table(seed, size, k):
    frame = random_frame(seed, size)
    variables = [
        ("single", "Single", OPTIONS),
        ("group", "Group", GROUPS),
        ("never_asked", "Never", GROUPS),
    ]
    raw = composition_table(frame, variables=variables, k=k)
    chosen = frame.loc[frame["option"].notna()]
    counted = composition_from_counts(
        variables=variables,
        counts=chosen.groupby(["question", "option"])["response"].nunique().to_dict(),
        answered=chosen.groupby("question")["response"].nunique().to_dict(),
        respondents=respondents(frame),
        k=k,
    )
    assert raw == counted


@cases
@pytest.mark.parametrize("question_type", ["single", "multiple"])
def test_crosstab_from_counts_equals_the_frame_table(seed, size, k, question_type):
    # The crosstab's question holds only real codes: "answered" means one of its options.
    frame = random_frame(seed, size)
    frame = frame.loc[frame["option"] != "retired"]
    cells, sizes, n = crosstab_counts(frame, question_type, "group")
    common = {"question": question_type, "question_type": question_type, "options": OPTIONS}
    common |= {"by": "group", "by_options": GROUPS, "k": k}
    raw = crosstab_table(frame, **common)
    counted = crosstab_from_counts(**common, cells=cells, group_sizes=sizes, respondents=n)
    assert raw == counted


def test_the_random_frames_exercise_the_suppression():
    frame = random_frame(1, 25)
    tables = [
        single_table(frame, options=OPTIONS, k=5, question="single"),
        multiple_table(frame, options=OPTIONS, k=5, question="multiple"),
        matrix_table(frame, rows=ROWS, points=range(6), na=True, k=5, question="matrix"),
        rating_table(frame, points=range(6), na=True, k=5, question="rating"),
        composition_table(frame, variables=[("group", "G", GROUPS)], k=5),
        crosstab_table(
            frame,
            question="single",
            question_type="single",
            options=OPTIONS,
            by="group",
            by_options=GROUPS,
        ),
    ]
    assert all(suppressed_somewhere(table) for table in tables)
    assert all(table.get("suppressed") is not True for table in tables)  # partly, not whole
    whole = single_table(random_frame(1, 3), options=OPTIONS, k=5, question="single")
    assert whole["suppressed"] is True
    big = single_table(random_frame(1, 400), options=OPTIONS, k=5, question="single")
    assert big["respondents"] > 300 and [o["count"] is None for o in big["options"]].count(True) < 5


# --- counts-only behaviour ------------------------------------------------------------------


def test_unknown_codes_are_ignored_and_missing_ones_are_zero():
    table = single_from_counts(options=OPTIONS[:3], counts={"b": 6, "gone": 4}, respondents=10)
    assert [(o["count"], o["percent"]) for o in table["options"]] == [
        (0, 0.0),
        (6, 60.0),
        (0, 0.0),
    ]
    matrix = matrix_from_counts(
        rows=ROWS[:1],
        points=range(1, 4),
        counts={("r1", 3): 2, ("r1", 7): 5, ("gone", 1): 9},
        respondents=2,
    )
    assert matrix["rows"][0]["counts"] == {"1": 0, "2": 0, "3": 2}
    assert (matrix["rows"][0]["n"], matrix["rows"][0]["mean"]) == (2, 3.0)


def test_scale_values_match_points_by_equality():
    # The database gives the value column back as floats (or Decimals): 4.0 is the point 4.
    by_int = rating_from_counts(points=range(1, 6), counts={2: 3, 4: 5})
    assert rating_from_counts(points=range(1, 6), counts={2.0: 3, 4.0: 5}) == by_int
    assert rating_from_counts(points=range(1, 6), counts={Decimal(2): 3, Decimal(4): 5}) == by_int
    assert rating_from_counts(points=range(1, 6), counts={2.5: 3, 4: 5})["n"] == 5


def test_a_million_respondents_need_no_frame():
    counts = {1: 100_000, 2: 50_000, 3: 150_000, 4: 300_000, 5: 400_000}
    table = rating_from_counts(points=range(1, 6), counts=counts, k=5)
    values = np.repeat(list(counts), list(counts.values())).astype("float64")
    assert table["n"] == 1_000_000 and table["top2_percent"] == 70.0
    assert (table["mean"], table["sd"]) == (
        round(values.mean(), 2),
        round(float(values.std(ddof=1)), 2),
    )


def test_crosstab_from_counts_rejects_an_unsupported_question_type():
    with pytest.raises(ValueError, match="rating"):
        crosstab_from_counts(
            question="q",
            question_type="rating",
            options=OPTIONS,
            by="g",
            by_options=GROUPS,
            cells={},
            group_sizes={},
            respondents=0,
        )


def test_counts_functions_import_no_django():
    code = (
        "import sys, analytics.tables_counts; "
        "assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
