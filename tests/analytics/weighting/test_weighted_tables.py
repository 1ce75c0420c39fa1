"""Weighted figures added to the tables, on hand-made counts and weights (no database)."""

import math

import pytest

from analytics import tables as t
from analytics.weighting import tables as wt

OPTIONS = [("a", "A"), ("b", "B"), ("c", "C")]


def test_single_choice_gets_weighted_percents_and_keeps_unweighted_counts():
    # Respondents: a,a,b with weights 2,1,1; c nobody.
    table = t.single_from_counts(options=OPTIONS, counts={"a": 2, "b": 1}, respondents=3)
    weighted = wt.option_list_weigh(
        table, name="s", cells={"a": 3.0, "b": 1.0}, answered=(4.0, 6.0)
    )
    entries = {e["code"]: e for e in weighted["options"]}
    assert [entries[c]["count"] for c in "abc"] == [2, 1, 0]
    assert [entries[c]["percent"] for c in "abc"] == [75.0, 25.0, 0.0]
    assert [entries[c]["weighted_count"] for c in "abc"] == [3.0, 1.0, 0.0]
    assert weighted["weighted"] == "s" and weighted["n_eff"] == round(16 / 6, 1)
    assert "weighted" not in table  # the unweighted table is not changed


def test_multiple_choice_percents_of_answers_and_of_respondents():
    # r1 (w=2): a, b; r2 (w=1): a.
    table = t.multiple_from_counts(options=OPTIONS, counts={"a": 2, "b": 1}, respondents=2)
    weighted = wt.option_list_weigh(
        table, name="s", cells={"a": 3.0, "b": 2.0}, answered=(3.0, 5.0)
    )
    a = weighted["options"][0]
    assert a["percent_of_answers"] == 60.0 and a["percent_of_respondents"] == 100.0
    assert weighted["options"][1]["percent_of_respondents"] == round(200 / 3, 1)


def test_a_hidden_count_hides_its_weighted_figures():
    table = t.single_from_counts(options=OPTIONS, counts={"a": 10, "b": 2}, respondents=12, k=5)
    weighted = wt.option_list_weigh(
        table, name="s", cells={"a": 9.0, "b": 3.0}, answered=(12.0, 13.0)
    )
    b = weighted["options"][1]
    assert b["count"] is None and b["percent"] is None and b["weighted_count"] is None


def test_a_scale_row_gets_weighted_mean_sd_top2_and_percents():
    # Points 1..5; respondents: 5 (w=3), 4 (w=1), 1 (w=1) -> n=3.
    table = t.rating_from_counts(points=[1, 2, 3, 4, 5], counts={5: 1, 4: 1, 1: 1})
    weighted = wt.rating_weigh(
        table,
        name="s",
        cells={5: 3.0, 4: 1.0, 1: 1.0},
        squares={5: 9.0, 4: 1.0, 1: 1.0},
        answered=(5.0, 11.0),
        na=False,
    )
    values, weights = [5, 4, 1], [3.0, 1.0, 1.0]
    mean = sum(v * w for v, w in zip(values, weights, strict=True)) / 5
    spread = sum(w * (v - mean) ** 2 for v, w in zip(values, weights, strict=True)) / 5
    assert weighted["mean"] == round(mean, 2)
    assert weighted["sd"] == round(math.sqrt(spread * 3 / 2), 2)
    assert weighted["top2_percent"] == 80.0
    assert weighted["percents"] == {"1": 20.0, "2": 0.0, "3": 0.0, "4": 20.0, "5": 60.0}
    assert weighted["counts"] == table["counts"] and weighted["n"] == 3
    assert weighted["n_eff"] == round(25 / 11, 1)


def test_matrix_rows_leave_cannot_assess_out_of_the_weighted_figures():
    table = t.matrix_from_counts(
        rows=[("r", "R")], points=[0, 1, 2], na=True, counts={("r", 0): 1, ("r", 2): 2},
        respondents=3,
    )  # fmt: skip
    weighted = wt.matrix_weigh(
        table, name="s", cells={("r", 0): 5.0, ("r", 2): 2.0},
        squares={("r", 0): 25.0, ("r", 2): 2.0}, answered=(7.0, 27.0), na=True,
    )  # fmt: skip
    row = weighted["rows"][0]
    assert row["percents"] == {"1": 0.0, "2": 100.0} and row["mean"] == 2.0
    assert row["n_eff"] == 2.0


def test_crosstab_gets_weighted_column_percents_and_column_n_eff():
    table = t.crosstab_from_counts(
        question="q", question_type="single", options=[("a", "A"), ("b", "B")],
        by="g", by_options=[("x", "X"), ("y", "Y")],
        cells={("a", "x"): 1, ("b", "x"): 1, ("a", "y"): 2}, group_sizes={"x": 2, "y": 2},
        respondents=4, k=None,
    )  # fmt: skip
    weighted = wt.crosstab_weigh(
        table, name="s", cells={("a", "x"): 3.0, ("b", "x"): 1.0, ("a", "y"): 2.0},
        groups={"x": (4.0, 10.0), "y": (2.0, 2.0)},
    )  # fmt: skip
    assert weighted["rows"][0]["counts"] == [1, 2]
    assert weighted["rows"][0]["percents"] == [75.0, 100.0]
    assert weighted["rows"][1]["percents"] == [25.0, 0.0]
    assert [c["n_eff"] for c in weighted["columns"]] == [1.6, 2.0]
    assert weighted["weighted"] == "s"


@pytest.mark.parametrize("sums", [None, (0.0, 0.0)])
def test_no_weight_gives_no_effective_n(sums):
    assert wt.kish_n(sums) is None
