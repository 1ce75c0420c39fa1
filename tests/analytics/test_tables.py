"""Result tables on small hand-made answer frames: no database, no Django."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterable, Sequence
from itertools import count
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.tables import (
    composition_table,
    crosstab_table,
    matrix_table,
    multiple_table,
    number_table,
    paper_percent,
    rating_table,
    round1,
    single_table,
)

ROOT = Path(__file__).resolve().parents[2]
BARRIERS = [
    ("perception", "Барьеры восприятия информации"),
    ("citizen_behaviour", "Поведенческие барьеры со стороны граждан"),
    ("servant_behaviour", "Поведенческие барьеры со стороны госслужащих"),
    ("language", "Языковые барьеры"),
    ("emotional", "Эмоциональные барьеры"),
    ("cultural", "Культурные барьеры"),
    ("gender", "Гендерные барьеры"),
    ("other", "Другое"),
]
TABLE_2 = {
    "perception": 1122,
    "citizen_behaviour": 1241,
    "servant_behaviour": 310,
    "language": 374,
    "emotional": 686,
    "cultural": 487,
    "gender": 79,
    "other": 99,
}
CHANNELS = [("meeting", "Личная встреча"), ("phone", "Телефон"), ("email", "Эл. почта")]
CHANNELS += [("written", "Письменный ответ")]
TABLE_1 = {
    "meeting": [54, 57, 205, 456, 1290],
    "phone": [46, 64, 356, 652, 944],
    "email": [49, 103, 377, 575, 958],
    "written": [56, 91, 294, 559, 1062],
}
ABC = [("a", "A"), ("b", "B"), ("c", "C")]
XYZ = [("x", "X"), ("y", "Y"), ("z", "Z")]


def fact(response: int, question: str, option=None, row=None, value=np.nan) -> dict:
    return {
        "response": response,
        "question": question,
        "option": option,
        "row": row,
        "value": value,
    }


def answer_frame(facts: Iterable[dict]) -> pd.DataFrame:
    columns = ["response", "question", "option", "row", "value"]
    return pd.DataFrame(list(facts), columns=columns).astype({"value": "float64"})


def choices(question: str, counts: dict[str, int], ids: Iterable[int] | None = None) -> list[dict]:
    """One single-choice fact per respondent: `counts[code]` respondents chose `code`."""
    ids = iter(ids) if ids is not None else count(1)
    return [fact(next(ids), question, code) for code, c in counts.items() for _ in range(c)]


def scale(question: str, row, counts: dict[int, int]) -> list[dict]:
    ids = count(1)
    return [
        fact(next(ids), question, row=row, value=p) for p, c in counts.items() for _ in range(c)
    ]


def crosstab_frame(counts: Sequence[Sequence[int]], rows: Sequence[str], groups: Sequence[str]):
    """`counts[i][j]` respondents answered `q` with rows[i] and `g` with groups[j]."""
    ids, facts = count(1), []
    for code, line in zip(rows, counts, strict=True):
        for group, c in zip(groups, line, strict=True):
            for _ in range(c):
                response = next(ids)
                facts += [fact(response, "q", code), fact(response, "g", group)]
    return answer_frame(facts)


def lines_hold_no_lone_suppressed_cell(mask: np.ndarray) -> bool:
    return all(s != 1 for s in [*mask.sum(axis=0), *mask.sum(axis=1)])


# --- rounding -------------------------------------------------------------------------------


def test_percentages_round_like_python_round_on_the_exact_quotient():
    assert paper_percent(1241, 4398) == 28.2
    assert paper_percent(5, 16) == 31.2  # 31.25 is a true half: Python rounds to even
    assert paper_percent(1, 0) is None
    assert round1(float("nan")) is None and round1(None) is None and round1(2 / 3) == 0.7


# --- single, multiple, composition ----------------------------------------------------------


def test_single_choice_counts_in_option_order_with_zero_options():
    frame = answer_frame([*choices("approach", {"b": 3, "a": 1}), fact(9, "other_question", "a")])
    table = single_table(frame, options=ABC, question="approach")
    assert table == {
        "type": "single",
        "respondents": 4,
        "options": [
            {"code": "a", "label": "A", "count": 1, "percent": 25.0},
            {"code": "b", "label": "B", "count": 3, "percent": 75.0},
            {"code": "c", "label": "C", "count": 0, "percent": 0.0},
        ],
    }


def table_2_frame() -> pd.DataFrame:
    """The paper's Table 2: 4398 answers of 2062 respondents, at most three each."""
    answers = [code for code, c in TABLE_2.items() for _ in range(c)]
    # Answer i goes to respondent i mod 2062: each option's block (< 2062) hits distinct people.
    return answer_frame(fact(i % 2062, "barriers", code) for i, code in enumerate(answers))


def test_table_2_percent_of_answers_and_of_respondents():
    frame = table_2_frame()
    assert frame.groupby("response").size().max() == 3
    table = multiple_table(frame, options=BARRIERS)
    assert (table["type"], table["respondents"], table["answers"]) == ("multiple", 2062, 4398)
    by_code = {o["code"]: o for o in table["options"]}
    assert {code: o["percent_of_answers"] for code, o in by_code.items()} == {
        "perception": 25.5,
        "citizen_behaviour": 28.2,
        "emotional": 15.6,
        "language": 8.5,
        "cultural": 11.1,
        "servant_behaviour": 7.0,
        "gender": 1.8,
        "other": 2.3,
    }
    assert {code: o["percent_of_respondents"] for code, o in by_code.items()} == {
        "perception": 54.4,  # 1122 / 2062
        "citizen_behaviour": 60.2,
        "emotional": 33.3,
        "language": 18.1,
        "cultural": 23.6,
        "servant_behaviour": 15.0,
        "gender": 3.8,
        "other": 4.8,
    }
    assert by_code["citizen_behaviour"]["count"] == 1241


def test_composition_shows_the_papers_regions():
    region = choices("region", {"aktobe": 1000, "west_kazakhstan": 506, "mangystau": 371})
    region += choices("region", {"atyrau": 185}, ids=range(1878, 2063))
    gender = choices("gender", {"female": 1200, "male": 800})  # 62 left it blank
    options = [("aktobe", "Актобе"), ("west_kazakhstan", "ЗКО"), ("mangystau", "Мангистау")]
    options += [("atyrau", "Атырау"), ("almaty", "Алматы")]
    table = composition_table(
        answer_frame(region + gender),
        variables=[
            ("region", "Регион", options),
            ("gender", "Пол", [("female", "Ж"), ("male", "М")]),
        ],
    )
    assert table["respondents"] == 2062
    region_table, gender_table = table["variables"]
    assert region_table["code"] == "region" and region_table["respondents"] == 2062
    percents = [o["percent"] for o in region_table["options"]]
    assert percents == [48.5, 24.5, 18.0, 9.0, 0.0]
    assert paper_percent(1000 + 506, 2062) == 73.0  # the paper's "Aktobe and WKO 73%"
    assert gender_table["respondents"] == 2000
    assert [o["percent"] for o in gender_table["options"]] == [60.0, 40.0]


# --- scales and numbers ---------------------------------------------------------------------


def table_1_frame() -> pd.DataFrame:
    return answer_frame(
        f
        for code, line in TABLE_1.items()
        for f in scale("channel_effectiveness", code, dict(enumerate(line, start=1)))
    )


def test_table_1_counts_and_top2_percent():
    table = matrix_table(table_1_frame(), rows=CHANNELS, points=[1, 2, 3, 4, 5])
    rows = {r["code"]: r for r in table["rows"]}
    assert rows["meeting"]["counts"] == {"1": 54, "2": 57, "3": 205, "4": 456, "5": 1290}
    assert all(r["n"] == 2062 and "na" not in r for r in rows.values())
    top2 = {code: r["top2_percent"] for code, r in rows.items()}
    # meeting 1746/2062, phone 1596/2062, email 1533/2062, written 1621/2062
    assert top2 == {"meeting": 84.7, "phone": 77.4, "email": 74.3, "written": 78.6}
    assert rows["meeting"]["mean"] == 4.39  # (54 + 2*57 + 3*205 + 4*456 + 5*1290) / 2062


def test_matrix_mean_and_sample_sd_with_zero_points_listed():
    frame = answer_frame(
        scale("m", "r1", {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}) + scale("m", "r2", {4: 1})
    )
    table = matrix_table(frame, rows=[("r1", "R1"), ("r2", "R2"), ("r3", "R3")], points=range(1, 6))
    r1, r2, r3 = table["rows"]
    assert (r1["n"], r1["mean"], r1["sd"], r1["top2_percent"]) == (5, 3.0, 1.58, 40.0)
    assert r2["counts"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert (r2["mean"], r2["sd"]) == (4.0, None)  # one value: no sample sd
    assert (r3["n"], r3["mean"], r3["sd"], r3["top2_percent"]) == (0, None, None, None)


def test_cannot_assess_is_reported_apart_and_left_out_of_n_and_mean():
    frame = answer_frame(scale("rate_central", "akims", {0: 3, 2: 1, 4: 1, 5: 2}))
    (row,) = matrix_table(frame, rows=[("akims", "Акимы")], points=range(6), na=True)["rows"]
    assert row["counts"] == {"0": 3, "1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    assert (row["n"], row["na"], row["mean"]) == (4, 3, 4.0)
    assert row["top2_percent"] == 75.0  # 3 of the 4 who could assess


def test_rating_is_one_scale_row_without_code():
    frame = answer_frame(fact(i, "channel_known", value=v) for i, v in enumerate([0, 0, 1, 3, 5]))
    table = rating_table(frame, points=[1, 2, 3, 4, 5], na=True)
    assert table == {
        "type": "rating",
        "counts": {"0": 2, "1": 1, "2": 0, "3": 1, "4": 0, "5": 1},
        "n": 3,
        "mean": 3.0,
        "sd": 2.0,
        "top2_percent": 33.3,
        "na": 2,
    }


def test_number_quartiles_use_linear_interpolation():
    frame = answer_frame(fact(i, "years", value=v) for i, v in enumerate([1, 2, 3, 4, 10, np.nan]))
    assert number_table(frame) == {
        "type": "number",
        "n": 5,
        "mean": 4.0,
        "median": 3.0,
        "q1": 2.0,
        "q3": 4.0,
        "min": 1.0,
        "max": 10.0,
        "sd": 3.54,
    }
    four = number_table(answer_frame(fact(i, "years", value=v) for i, v in enumerate([1, 2, 3, 4])))
    assert (four["q1"], four["median"], four["q3"]) == (1.75, 2.5, 3.25)
    empty = number_table(answer_frame([]))
    assert empty["n"] == 0 and empty["mean"] is None and empty["max"] is None


# --- small-cell protection ------------------------------------------------------------------


def test_cell_of_four_is_suppressed_with_a_complementary_cell():
    frame = answer_frame(choices("q", {"a": 4, "b": 10, "c": 20}))
    table = single_table(frame, options=[*ABC, ("d", "D")], k=5)
    a, b, c, d = table["options"]
    assert a == {"code": "a", "label": "A", "count": None, "percent": None, "suppressed": True}
    # 34 - 10 - 20 would give the 4 back: the next smallest cell goes too.
    assert b["count"] is None and b["suppressed"] is True
    assert (c["count"], c["percent"], d["count"]) == (20, 58.8, 0)
    assert "suppressed" not in c and table["respondents"] == 34


def test_without_k_small_counts_stay_exact():
    frame = answer_frame(choices("q", {"a": 4, "b": 1}))
    assert [o["count"] for o in single_table(frame, options=ABC)["options"]] == [4, 1, 0]


def test_a_whole_small_table_shows_no_counts():
    table = single_table(answer_frame(choices("q", {"a": 3, "b": 1})), options=ABC, k=5)
    assert table["suppressed"] is True and table["respondents"] is None
    assert all(o["count"] is None and o["percent"] is None for o in table["options"])
    multiple = multiple_table(answer_frame(choices("q", {"a": 3})), options=ABC, k=5)
    assert (multiple["suppressed"], multiple["respondents"], multiple["answers"]) == (
        True,
        None,
        None,
    )


def test_multiple_choice_suppression_keeps_answers_but_hides_two_cells():
    frame = answer_frame(choices("q", {"a": 2, "b": 30, "c": 40}))
    table = multiple_table(frame, options=ABC, k=5)
    assert [o["count"] for o in table["options"]] == [None, None, 40]
    assert table["options"][0]["percent_of_answers"] is None
    assert (table["answers"], table["respondents"]) == (72, 72)


def test_scale_with_a_small_cell_shows_moments_but_no_distribution():
    frame = answer_frame(
        scale("m", "big", {1: 2, 2: 10, 3: 10, 4: 10, 5: 10}) + scale("m", "tiny", {5: 3})
    )
    big, tiny = matrix_table(frame, rows=[("big", "B"), ("tiny", "T")], points=range(1, 6), k=5)[
        "rows"
    ]
    assert big["counts"] == dict.fromkeys(["1", "2", "3", "4", "5"])
    assert (big["counts_suppressed"], big["top2_percent"]) == (True, None)
    assert (big["n"], big["mean"]) == (42, 3.38)  # 142 / 42
    assert tiny["suppressed"] is True
    assert tiny["n"] is tiny["mean"] is tiny["sd"] is tiny["top2_percent"] is None
    assert set(tiny["counts"].values()) == {None}


def test_small_cannot_assess_count_is_suppressed():
    frame = answer_frame(scale("r", None, {0: 2, 4: 6, 5: 6}))
    table = rating_table(frame, points=range(6), na=True, k=5)
    assert (table["na"], table["counts"]["0"], table["counts"]["5"], table["n"]) == (
        None,
        None,
        6,
        12,
    )


def test_whole_small_matrix_is_suppressed():
    frame = answer_frame(scale("m", "r1", {1: 2, 5: 2}))
    table = matrix_table(frame, rows=[("r1", "R1")], points=range(1, 6), k=5)
    assert table["suppressed"] is True and table["respondents"] is None
    assert table["rows"][0]["suppressed"] is True and table["rows"][0]["mean"] is None


def test_number_in_a_subgroup_hides_min_max_and_small_samples():
    frame = answer_frame(fact(i, "years", value=float(i)) for i in range(1, 11))
    table = number_table(frame, k=5)
    assert (table["n"], table["mean"], table["min"], table["max"]) == (10, 5.5, None, None)
    small = number_table(frame.head(4), k=5)
    assert small["suppressed"] is True and small["n"] is None and small["median"] is None


# --- crosstab and the chi-square test -------------------------------------------------------


def test_chi_square_matches_agrestis_party_identification_example():
    # Agresti, An Introduction to Categorical Data Analysis (2nd ed., 2007), Table 2.5, sec. 2.4:
    # gender x party identification (Democrat, Independent, Republican), 2757 respondents,
    # Pearson X^2 = 30.07 with df = 2, P < 0.001.
    frame = crosstab_frame([[762, 484], [327, 239], [468, 477]], ["dem", "ind", "rep"], "fm")
    table = crosstab_table(
        frame,
        question="q",
        question_type="single",
        options=[("dem", "D"), ("ind", "I"), ("rep", "R")],
        by="g",
        by_options=[("f", "Female"), ("m", "Male")],
    )
    test = table["test"]
    assert test["chi2"] == pytest.approx(30.07, abs=0.005)
    assert (test["dof"], test["n"], test["valid"], test["p_below"]) == (2, 2757, True, 0.001)
    assert test["p"] < 0.001
    assert test["cramers_v"] == round(math.sqrt(30.070 / (2757 * (2 - 1))), 3)  # 0.104
    assert [c["respondents"] for c in table["columns"]] == [1557, 1200]
    dem = table["rows"][0]
    assert (dem["counts"], dem["percents"], dem["total"]) == ([762, 484], [48.9, 40.3], 1246)
    assert test["note"] is None and "suppressed" not in table


@pytest.mark.parametrize(
    ("counts", "v"),
    [
        ([[30, 0, 0], [0, 20, 0], [0, 0, 25]], 1.0),  # perfectly associated
        ([[10, 20, 30], [20, 40, 60], [5, 10, 15]], 0.0),  # independent: proportional rows
        ([[40, 0], [0, 60]], 1.0),  # 2x2 without Yates' correction: chi2 = n
    ],
)
def test_cramers_v_at_its_extremes(counts, v):
    rows, groups = ["a", "b", "c"][: len(counts)], ["x", "y", "z"][: len(counts[0])]
    table = crosstab_table(
        crosstab_frame(counts, rows, groups),
        question="q",
        question_type="single",
        options=ABC[: len(rows)],
        by="g",
        by_options=XYZ[: len(groups)],
    )
    assert table["test"]["cramers_v"] == v
    if len(counts) == 2:
        assert table["test"]["chi2"] == 100.0


def test_empty_rows_are_dropped_before_testing_and_sparse_tables_are_not_valid():
    frame = crosstab_frame([[6, 1], [2, 7]], ["a", "b"], ["x", "y"])
    table = crosstab_table(
        frame, question="q", question_type="single", options=ABC, by="g", by_options=XYZ, k=None
    )
    assert table["rows"][2]["counts"] == [0, 0, 0] and table["columns"][2]["respondents"] == 0
    test = table["test"]
    assert test["dof"] == 1 and test["valid"] is False  # all four expected counts are below 5
    assert test["note_codes"] == ["dropped_empty", "sparse"]
    one_group = crosstab_table(
        crosstab_frame([[6], [2]], ["a", "b"], ["x"]),
        question="q",
        question_type="single",
        options=ABC,
        by="g",
        by_options=XYZ,
        k=None,
    )
    assert one_group["test"]["chi2"] is None and "degenerate" in one_group["test"]["note_codes"]


def test_only_respondents_who_answered_both_questions_count():
    frame = answer_frame(
        [fact(1, "q", "a"), fact(1, "g", "x"), fact(2, "q", "a"), fact(3, "g", "y")]
    )
    table = crosstab_table(
        frame, question="q", question_type="single", options=ABC, by="g", by_options=XYZ, k=None
    )
    assert table["respondents"] == 1 and table["rows"][0]["counts"] == [1, 0, 0]


def test_multiple_choice_crosstab_counts_respondents_per_option():
    facts = []
    for response, group, chosen in [
        (1, "x", "ab"),
        (2, "x", "a"),
        (3, "x", "abc"),
        (4, "y", "bc"),
        (5, "y", "c"),
    ]:
        facts += [fact(response, "g", group)] + [fact(response, "q", code) for code in chosen]
    table = crosstab_table(
        answer_frame(facts),
        question="q",
        question_type="multiple",
        options=ABC,
        by="g",
        by_options=XYZ[:2],
        k=None,
    )
    assert table["multiple_response"] is True
    assert [c["respondents"] for c in table["columns"]] == [3, 2]
    assert [r["counts"] for r in table["rows"]] == [[3, 0], [2, 1], [1, 2]]
    assert [r["percents"] for r in table["rows"]] == [[100.0, 0.0], [66.7, 50.0], [33.3, 100.0]]
    assert [r["total"] for r in table["rows"]] == [3, 3, 3]
    assert table["test"]["n"] == 9  # the test runs on the 9 choices, not 5 respondents
    assert "multiple_response" in table["test"]["note_codes"]
    assert "approximation" in table["test"]["note"]


def test_crosstab_complementary_suppression_protects_the_small_cell():
    counts = [[3, 20, 30], [40, 50, 60], [25, 35, 45]]
    table = crosstab_table(
        crosstab_frame(counts, "abc", "xyz"),
        question="q",
        question_type="single",
        options=ABC,
        by="g",
        by_options=XYZ,
    )
    mask = np.array([r["suppressed"] for r in table["rows"]])
    # The 3; 20 (next smallest in its row), 25 (its column), then 35 (to cover 20's column).
    assert mask.tolist() == [[True, True, False], [False, False, False], [True, True, False]]
    assert lines_hold_no_lone_suppressed_cell(mask)
    assert table["rows"][0]["counts"] == [None, None, 30]
    assert table["rows"][0]["percents"] == [None, None, 22.2]
    assert [r["total"] for r in table["rows"]] == [53, 150, 105]
    assert [c["respondents"] for c in table["columns"]] == [68, 105, 135]
    test = table["test"]
    assert test["chi2"] is test["p"] is test["cramers_v"] is None
    assert (test["dof"], test["n"], test["p_below"]) == (4, 308, 0.05)  # only the band
    assert "suppressed" in test["note_codes"]


def test_crosstab_small_group_is_suppressed_whole_and_covered_in_its_rows():
    counts = [[2, 30, 40], [1, 25, 35], [0, 10, 50]]
    table = crosstab_table(
        crosstab_frame(counts, "abc", "xyz"),
        question="q",
        question_type="single",
        options=ABC,
        by="g",
        by_options=XYZ,
    )
    assert table["columns"][0] == {
        "code": "x",
        "label": "X",
        "respondents": None,
        "suppressed": True,
    }
    mask = np.array([r["suppressed"] for r in table["rows"]])
    assert mask[:, 0].all() and lines_hold_no_lone_suppressed_cell(mask)
    assert table["rows"][2]["counts"] == [None, None, 50]  # the 0 of x, covered by 10
    assert [r["total"] for r in table["rows"]] == [72, 61, 60]


def test_crosstab_of_too_few_respondents_shows_nothing():
    table = crosstab_table(
        crosstab_frame([[2, 1]], "a", "xy"),
        question="q",
        question_type="single",
        options=ABC,
        by="g",
        by_options=XYZ,
    )
    assert table["suppressed"] is True and table["respondents"] is None
    assert all(c is None for r in table["rows"] for c in r["counts"] + [r["total"]])
    assert table["test"]["chi2"] is None and table["test"]["note_codes"] == ["small_table"]


def test_crosstab_without_k_keeps_exact_small_counts():
    counts = [[3, 20, 30], [40, 50, 60], [25, 35, 45]]
    table = crosstab_table(
        crosstab_frame(counts, "abc", "xyz"),
        question="q",
        question_type="single",
        options=ABC,
        by="g",
        by_options=XYZ,
        k=None,
    )
    assert [r["counts"] for r in table["rows"]] == counts
    test = table["test"]
    assert 0.01 <= test["p"] < 0.05 and test["p_below"] == 0.05 and test["note"] is None


def test_crosstab_rejects_an_unsupported_question_type():
    with pytest.raises(ValueError, match="matrix"):
        crosstab_table(
            answer_frame([]),
            question="q",
            question_type="matrix",
            options=ABC,
            by="g",
            by_options=XYZ,
        )


# --- purity ---------------------------------------------------------------------------------


def test_tables_import_no_django():
    code = (
        "import sys, analytics.tables; assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
