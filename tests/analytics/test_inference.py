"""Intervals and column tests against independent computations (statsmodels, scipy)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics.inference import (
    ci_annotate,
    ci_level_parse,
    column_letters,
    column_tests,
    crosstab_letters,
    design_effect,
    effective_n,
    mean_interval,
    wilson_interval,
)
from analytics.tables_counts import (
    composition_from_counts,
    crosstab_from_counts,
    matrix_from_counts,
    multiple_from_counts,
    rating_from_counts,
    single_from_counts,
)

ABC = [("a", "A"), ("b", "B"), ("c", "C")]


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
@pytest.mark.parametrize(("count", "n"), [(0, 10), (10, 10), (1, 1), (0, 1), (37, 120), (3, 7)])
def test_wilson_matches_statsmodels(count, n, level):
    low, high = wilson_interval(count / n, n, level)
    ref = proportion_confint(count, n, alpha=1 - level, method="wilson")
    assert low == pytest.approx(ref[0], abs=1e-12)
    assert high == pytest.approx(ref[1], abs=1e-12)


def test_wilson_edges():
    assert wilson_interval(0.3, 0, 0.95) == (None, None)
    assert wilson_interval(None, 10, 0.95) == (None, None)
    assert wilson_interval(0.3, None, 0.95) == (None, None)
    low, high = wilson_interval(0.0, 20, 0.95)
    assert low == 0.0 and 0 < high < 0.2
    low, high = wilson_interval(1.0, 20, 0.95)
    assert high == 1.0 and 0.8 < low < 1


def test_wilson_on_a_fractional_effective_n():
    # n_eff = 80.5 behaves as the formula with n = 80.5 (statsmodels takes floats too).
    low, high = wilson_interval(0.4, 80.5, 0.95)
    ref = proportion_confint(0.4 * 80.5, 80.5, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_mean_interval_matches_scipy(level):
    values = np.array([1, 2, 2, 3, 5, 5, 4, 1, 3, 5], dtype=float)
    mean, sd, n = values.mean(), values.std(ddof=1), len(values)
    ref = stats.t.interval(level, n - 1, loc=mean, scale=stats.sem(values))
    assert mean_interval(mean, sd, n, level) == pytest.approx(ref, abs=1e-12)


def test_mean_interval_edges():
    assert mean_interval(3.0, None, 1, 0.95) == (None, None)
    assert mean_interval(3.0, 1.0, 1, 0.95) == (None, None)
    assert mean_interval(None, 1.0, 10, 0.95) == (None, None)
    assert mean_interval(3.0, 0.0, 10, 0.95) == (3.0, 3.0)


def test_effective_n_and_design_effect():
    w = [1.0, 2.0, 1.0, 4.0]
    assert effective_n(w) == pytest.approx(64 / 22)
    assert design_effect(w) == pytest.approx(4 * 22 / 64)
    assert effective_n([1.0] * 7) == pytest.approx(7)
    assert design_effect([2.0] * 7) == pytest.approx(1)
    assert effective_n([]) == 0 and design_effect([]) is None


def test_ci_level_parse():
    assert ci_level_parse("95") == 0.95 and ci_level_parse("90") == 0.90
    assert ci_level_parse("99") == 0.99 and ci_level_parse(None) is None
    assert ci_level_parse("") is None
    for bad in ("80", "0.95", "x", "950"):
        with pytest.raises(ValueError):
            ci_level_parse(bad)


def test_column_letters():
    assert column_letters(3) == ["A", "B", "C"]
    assert column_letters(28)[25:] == ["Z", "AA", "AB"]


def _reference_letters(counts, sizes, alpha=0.05):
    """statsmodels' pooled z-test per pair, Bonferroni over the row's pairs."""
    letters = column_letters(len(sizes))
    out = []
    for line in counts:
        usable = [j for j, s in enumerate(sizes) if s >= 2 and line[j] is not None]
        pairs = list(combinations(usable, 2))
        pvalues, signs = [], []
        for a, b in pairs:
            if line[a] + line[b] in (0, sizes[a] + sizes[b]):
                pvalues.append(1.0)  # no variance: statsmodels gives nan
                signs.append(0)
                continue
            z, p = proportions_ztest([line[a], line[b]], [sizes[a], sizes[b]])
            pvalues.append(p)
            signs.append(np.sign(z))
        marks = [[] for _ in sizes]
        if pairs:
            reject = multipletests(pvalues, alpha=alpha, method="bonferroni")[0]
            for (a, b), r, s in zip(pairs, reject, signs, strict=True):
                if r:
                    winner, loser = (a, b) if s > 0 else (b, a)
                    marks[winner].append(letters[loser])
        out.append([sorted(m) for m in marks])
    return out


@pytest.mark.parametrize(
    ("counts", "sizes"),
    [
        ([[30, 10, 20], [5, 25, 15], [0, 0, 0], [40, 40, 40]], [40, 40, 40]),
        ([[12, 45, 3, 60], [50, 10, 30, 1]], [60, 70, 40, 90]),
        ([[1, 0], [0, 1]], [1, 30]),  # a column of 1 takes no part
        ([[8, 12, 25]], [20, 21, 30]),  # near the Bonferroni threshold
    ],
)
def test_column_tests_match_statsmodels(counts, sizes):
    assert column_tests(counts, sizes) == _reference_letters(counts, sizes)


def test_column_tests_known_case_and_bonferroni():
    # 30/40 vs 10/40: z = 4.47, clearly different; 30/40 vs 20/40 (and 20/40 vs 10/40) has
    # raw p 0.021, which Bonferroni over 3 pairs (0.063) no longer calls significant.
    sig = column_tests([[30, 10, 20]], [40, 40, 40])
    assert sig == [[["B"], [], []]]
    _z, raw = proportions_ztest([30, 20], [40, 40])
    assert raw < 0.05 < raw * 3
    # The same pair alone in its row is one comparison: significant.
    assert column_tests([[30, 20]], [40, 40]) == [[["B"], []]]


def test_column_tests_skip_suppressed_and_small_columns():
    sig = column_tests([[30, None, 2]], [40, 40, 1])
    assert sig == [[[], [], []]]
    hidden = column_tests([[30, 10]], [40, 40], hidden=[[False, True]])
    assert hidden == [[[], []]]
    assert column_tests([[3, 4]], [None, 10]) == [[[], []]]


def test_crosstab_letters_from_shown_counts():
    table = crosstab_from_counts(
        question="q",
        question_type="single",
        options=[("a", "A"), ("b", "B")],
        by="g",
        by_options=[("x", "X"), ("y", "Y"), ("z", "Z")],
        cells={("a", "x"): 30, ("b", "x"): 10, ("a", "y"): 10, ("b", "y"): 30, ("a", "z"): 1},
        group_sizes={"x": 40, "y": 40, "z": 1},
        respondents=81,
        k=None,
    )
    crosstab_letters(table)
    assert [c["letter"] for c in table["columns"]] == ["A", "B", "C"]
    # The group of 1 (100% in row a) takes no part: no letter in or against it.
    assert table["rows"][0]["sig"] == [["B"], [], []]
    assert table["rows"][1]["sig"] == [[], ["A"], []]
    assert table["column_test"] == {"alpha": 0.05, "correction": "bonferroni"}


def test_crosstab_letters_weighted_use_percents_on_n_eff():
    table = {
        "type": "crosstab",
        "weighted": "w",
        "columns": [{"respondents": 50, "n_eff": 40.0}, {"respondents": 50, "n_eff": 40.0}],
        "rows": [{"counts": [20, 20], "percents": [75.0, 25.0], "suppressed": [False, False]}],
    }
    crosstab_letters(table)
    assert table["rows"][0]["sig"] == column_tests([[30.0, 10.0]], [40.0, 40.0])[0]
    assert table["rows"][0]["sig"] == [["B"], []]


# --- ci_annotate on every table type ---------------------------------------------------------


def _wilson_pct(count, n, level=0.95):
    low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
    return round(100 * low, 1), round(100 * high, 1)


def test_single_table_intervals():
    table = single_from_counts(options=ABC, counts={"a": 37, "b": 83}, respondents=120)
    shown = ci_annotate(table, level=0.95)
    a, b, c = shown["options"]
    assert (a["ci_low"], a["ci_high"]) == _wilson_pct(37, 120)
    assert (b["ci_low"], b["ci_high"]) == _wilson_pct(83, 120)
    assert (c["ci_low"], c["ci_high"]) == _wilson_pct(0, 120)
    assert c["ci_low"] == 0.0
    assert shown["ci_level"] == 0.95
    assert "ci_low" not in table["options"][0]  # a copy: the original is untouched


def test_single_table_suppressed_cells_and_whole_table():
    table = single_from_counts(options=ABC, counts={"a": 4, "b": 10, "c": 20}, respondents=34, k=5)
    shown = ci_annotate(table, level=0.99)
    a, b, c = shown["options"]
    assert a["ci_low"] is None and b["ci_high"] is None
    assert (c["ci_low"], c["ci_high"]) == _wilson_pct(20, 34, 0.99)
    whole = ci_annotate(
        single_from_counts(options=ABC, counts={"a": 3}, respondents=3, k=5), level=0.95
    )
    assert all(o["ci_low"] is None and o["ci_high"] is None for o in whole["options"])
    empty = ci_annotate(single_from_counts(options=ABC, counts={}, respondents=0), level=0.95)
    assert all(o["ci_low"] is None for o in empty["options"])


def test_multiple_uses_percent_of_respondents():
    table = multiple_from_counts(options=ABC, counts={"a": 50, "b": 30, "c": 60}, respondents=100)
    shown = ci_annotate(table, level=0.90)
    assert [(o["ci_low"], o["ci_high"]) for o in shown["options"]] == [
        _wilson_pct(50, 100, 0.9),
        _wilson_pct(30, 100, 0.9),
        _wilson_pct(60, 100, 0.9),
    ]


def test_weighted_single_uses_n_eff_and_weighted_percent():
    table = single_from_counts(options=ABC, counts={"a": 40, "b": 60}, respondents=100)
    table |= {"weighted": "region", "n_eff": 64.5}
    table["options"][0]["percent"] = 55.0
    shown = ci_annotate(table, level=0.95)
    ref = proportion_confint(0.55 * 64.5, 64.5, alpha=0.05, method="wilson")
    assert (shown["options"][0]["ci_low"], shown["options"][0]["ci_high"]) == (
        round(100 * ref[0], 1),
        round(100 * ref[1], 1),
    )


def test_matrix_and_rating_intervals():
    counts = {("r1", 1): 2, ("r1", 2): 3, ("r1", 3): 5, ("r1", 4): 6, ("r1", 5): 4}
    table = matrix_from_counts(
        rows=[("r1", "R1")], points=[1, 2, 3, 4, 5], counts=counts, respondents=20
    )
    row = ci_annotate(table, level=0.95)["rows"][0]
    values = np.repeat([1, 2, 3, 4, 5], [2, 3, 5, 6, 4]).astype(float)
    low, high = stats.t.interval(0.95, 19, loc=values.mean(), scale=stats.sem(values))
    # The row's mean and sd are rounded to 2 decimals; the interval is built on them.
    assert row["mean_ci_low"] == pytest.approx(low, abs=0.011)
    assert row["mean_ci_high"] == pytest.approx(high, abs=0.011)
    assert (row["top2_ci_low"], row["top2_ci_high"]) == _wilson_pct(10, 20)
    rating = ci_annotate(
        rating_from_counts(points=[1, 2, 3], na=True, counts={0: 4, 1: 1, 2: 2, 3: 7}),
        level=0.95,
    )
    assert (rating["top2_ci_low"], rating["top2_ci_high"]) == _wilson_pct(9, 10)
    single = ci_annotate(rating_from_counts(points=[1, 2, 3], counts={3: 1}), level=0.95)
    assert single["mean_ci_low"] is None and single["top2_ci_low"] is not None


def test_scale_rows_suppressed():
    counts = {("r1", 1): 2, ("r1", 2): 10, ("r2", 1): 3}
    table = matrix_from_counts(
        rows=[("r1", "R1"), ("r2", "R2")], points=[1, 2], counts=counts, respondents=15, k=5
    )
    r1, r2 = ci_annotate(table, level=0.95)["rows"]
    # A count of 2 withholds the distribution and top-2 (rule 4); the mean stays, with its CI.
    assert r1["counts_suppressed"] and r1["top2_ci_low"] is None
    assert r1["mean_ci_low"] is not None
    assert r2["suppressed"] and r2["mean_ci_low"] is None and r2["top2_ci_low"] is None


def test_number_table_interval():
    table = {"type": "number", "n": 5, "mean": 4.0, "sd": 3.54, "median": 3.0}
    shown = ci_annotate(table, level=0.95)
    low, high = stats.t.interval(0.95, 4, loc=4.0, scale=3.54 / np.sqrt(5))
    assert (shown["mean_ci_low"], shown["mean_ci_high"]) == (round(low, 2), round(high, 2))
    old = ci_annotate({"type": "number", "n": 5, "mean": 4.0}, level=0.95)  # no sd stored
    assert old["mean_ci_low"] is None and old["mean_ci_high"] is None


def test_number_ranges_interval():
    table = {
        "type": "number_ranges",
        "n": 40,
        "ranges": [
            {"low": 0, "high": 9, "count": 10, "percent": 25.0},
            {"low": 10, "high": None, "count": 30, "percent": 75.0},
        ],
    }
    shown = ci_annotate(table, level=0.95)
    assert (shown["ranges"][0]["ci_low"], shown["ranges"][0]["ci_high"]) == _wilson_pct(10, 40)


def test_composition_intervals_per_variable():
    table = composition_from_counts(
        variables=[("region", "Region", [("n", "N"), ("s", "S")])],
        counts={("region", "n"): 12, ("region", "s"): 28},
        answered={"region": 40},
        respondents=45,
    )
    variable = ci_annotate(table, level=0.95)["variables"][0]
    assert [(o["ci_low"], o["ci_high"]) for o in variable["options"]] == [
        _wilson_pct(12, 40),
        _wilson_pct(28, 40),
    ]


ARGS = {
    "question": "q",
    "question_type": "single",
    "options": [("a", "A"), ("b", "B")],
    "by": "g",
    "by_options": [("x", "X"), ("y", "Y")],
    "cells": {("a", "x"): 3, ("b", "x"): 27, ("a", "y"): 20, ("b", "y"): 20},
    "group_sizes": {"x": 30, "y": 40},
    "respondents": 70,
}


def test_crosstab_intervals_parallel_to_percents():
    table = crosstab_from_counts(
        question="q",
        question_type="single",
        options=[("a", "A"), ("b", "B")],
        by="g",
        by_options=[("x", "X"), ("y", "Y")],
        cells={("a", "x"): 3, ("b", "x"): 27, ("a", "y"): 20, ("b", "y"): 20},
        group_sizes={"x": 30, "y": 40},
        respondents=70,
        k=None,
    )
    shown = ci_annotate(table, level=0.95)
    a, b = shown["rows"]
    assert (a["ci_lows"][0], a["ci_highs"][0]) == _wilson_pct(3, 30)
    assert (a["ci_lows"][1], a["ci_highs"][1]) == _wilson_pct(20, 40)
    assert (b["ci_lows"][0], b["ci_highs"][0]) == _wilson_pct(27, 30)
    protected = ci_annotate(crosstab_from_counts(**{**ARGS, "k": 5}), level=0.95)
    for row in protected["rows"]:
        for percent, low, high in zip(
            row["percents"], row["ci_lows"], row["ci_highs"], strict=True
        ):
            assert (low is None and high is None) == (percent is None)
    assert protected["rows"][0]["ci_lows"][0] is None  # the 3 is withheld


def test_weighted_scale_rows_and_crosstab_use_their_n_eff():
    row = {"code": "r", "counts": {"1": 10, "2": 30}, "n": 40, "mean": 1.6, "sd": 0.5}
    row |= {"top2_percent": 100.0, "n_eff": 25.0, "percents": {"1": 40.0, "2": 60.0}}
    table = {"type": "matrix", "weighted": "w", "n_eff": 25.0, "respondents": 40, "rows": [row]}
    shown = ci_annotate(table, level=0.95)["rows"][0]
    low, high = stats.t.interval(0.95, 24, loc=1.6, scale=0.5 / np.sqrt(25))
    assert (shown["mean_ci_low"], shown["mean_ci_high"]) == (round(low, 2), round(high, 2))
    crosstab = {
        "type": "crosstab",
        "weighted": "w",
        "columns": [{"respondents": 50, "n_eff": 30.5}, {"respondents": 40, "n_eff": 20.0}],
        "rows": [{"counts": [10, 20], "percents": [35.0, 45.0], "suppressed": [False, False]}],
    }
    line = ci_annotate(crosstab, level=0.90)["rows"][0]
    ref = proportion_confint(0.35 * 30.5, 30.5, alpha=0.10, method="wilson")
    assert (line["ci_lows"][0], line["ci_highs"][0]) == (
        round(100 * ref[0], 1),
        round(100 * ref[1], 1),
    )
