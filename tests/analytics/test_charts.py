"""SVG charts of results tables (analytics/charts.py): accessible, escaped, proportional."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from analytics.charts import (
    WIDTH,
    ChartWords,
    chart_words,
    choice_chart_svg,
    matrix_chart_svg,
    rating_chart_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
SCALE = {"0": "Бағалай алмаймын", "1": "Төмен", "5": "Өте жақсы"}
WORDS = ChartWords(suppressed="fewer than 5 respondents")


def matrix(*rows):
    return {"type": "matrix", "rows": list(rows)}


def row(code, label, counts, **extra):
    valid = [v or 0 for k, v in counts.items() if k != "0"]
    n = sum(valid)
    return {"code": code, "label": label, "counts": counts, "n": n, "mean": 3.5, **extra}


def hidden_row(code, label):
    return {
        "code": code,
        "label": label,
        "counts": None,
        "n": None,
        "mean": None,
        "suppressed": True,
    }


MEETING = row("meeting", "Кездесу", {"1": 3, "2": 5, "3": 10, "4": 20, "5": 12, "0": 7})
PHONE = row("phone", "Телефон", {"1": 1, "2": 0, "3": 0, "4": 1, "5": 40, "0": 0})
BARRIERS = {
    "type": "multiple",
    "respondents": 80,
    "answers": 150,
    "options": [
        {
            "code": "perception",
            "label": "Қабылдау",
            "count": 40,
            "percent_of_answers": 26.7,
            "percent_of_respondents": 50.0,
        },
        {
            "code": "language",
            "label": "Тіл",
            "count": 30,
            "percent_of_answers": 20.0,
            "percent_of_respondents": 37.5,
        },
    ],
}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[list[tuple[int, float]]]:
    """(count, width) of each segment, bar by bar (a bar's segments share their y)."""
    by_y: dict[str, list[tuple[int, float]]] = {}
    for group in root.iter(f"{SVG}g"):
        if "data-count" in group.attrib:
            rect = group.find(f"{SVG}rect")
            by_y.setdefault(rect.get("y"), []).append(
                (int(group.get("data-count")), float(rect.get("width")))
            )
    return list(by_y.values())


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_a_chart_is_accessible_scalable_and_self_contained():
    svg = matrix_chart_svg(matrix(MEETING), title="Арналар", scale_labels=SCALE, words=WORDS)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Арналар"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Кездесу" in desc.text and "n = 50" in desc.text
    assert not list(root.iter(f"{SVG}script"))
    assert "<style" not in svg and "href" not in svg and "@import" not in svg


def test_segment_widths_follow_the_counts_and_fill_the_bar():
    root = parse(
        matrix_chart_svg(matrix(MEETING, PHONE), title="t", scale_labels=SCALE, words=WORDS)
    )
    meeting, phone = bars(root)
    for segments in (meeting, phone):
        total = sum(count for count, _ in segments)
        full = sum(width for _, width in segments)
        assert abs(full - (WIDTH - 16)) <= 1
        for count, width in segments:
            assert width == pytest.approx(full * count / total, abs=0.01)
    # a bar is the n of real answers (as mean and top-2); zero counts draw nothing
    assert [count for count, _ in meeting] == [3, 5, 10, 20, 12]
    assert [count for count, _ in phone] == [1, 1, 40]


def test_cannot_assess_is_written_under_the_bar_not_drawn_in_it():
    root = parse(matrix_chart_svg(matrix(MEETING), title="t", scale_labels=SCALE, words=WORDS))
    assert "Бағалай алмаймын: 7" in texts(root)
    assert "Бағалай алмаймын: 7" in root.find(f"{SVG}desc").text
    withheld = {**MEETING, "counts": {**MEETING["counts"], "0": None}, "na": None}
    root = parse(matrix_chart_svg(matrix(withheld), title="t", scale_labels={}, words=WORDS))
    assert "Cannot assess: —" in texts(root)
    assert "— fewer than 5 respondents" in texts(root)
    assert len(bars(root)) == 1


def test_legend_names_every_scale_point_with_its_label():
    root = parse(matrix_chart_svg(matrix(MEETING), title="t", scale_labels=SCALE, words=WORDS))
    shown = texts(root)
    for name in ("1 Төмен", "2", "3", "4", "5 Өте жақсы"):
        assert name in shown


def test_user_labels_are_escaped_and_cannot_inject_markup():
    label = "<script>alert('x')</script> & «Co»"
    evil = row("evil", label, {"1": 1, "2": 1})
    svg = matrix_chart_svg(
        matrix(evil), title="A & <b>B</b>", scale_labels={"1": "x & <y>"}, words=WORDS
    )
    assert "<script" not in svg and "<b>" not in svg
    root = parse(svg)
    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == "A & <b>B</b>"
    assert label in texts(root)
    assert "1 x & <y>" in texts(root)


def test_control_characters_in_labels_do_not_break_the_document():
    evil = row("evil", "bell\x07 and nul\x00", {"1": 2})
    assert "bell and nul" in texts(
        parse(matrix_chart_svg(matrix(evil), title="t", scale_labels={}))
    )


def test_a_suppressed_matrix_row_is_hatched_with_a_dash_and_explained_never_zero():
    svg = matrix_chart_svg(
        matrix(MEETING, hidden_row("phone", "Телефон")), title="t", scale_labels=SCALE, words=WORDS
    )
    root = parse(svg)
    assert len(bars(root)) == 1  # the hidden row has no segment, not a segment of 0
    hatch = root.find(f".//{SVG}pattern").get("id")
    assert any(r.get("fill") == f"url(#{hatch})" for r in root.iter(f"{SVG}rect"))
    assert "—" in texts(root)
    assert "— fewer than 5 respondents" in texts(root)
    assert "Телефон: —" in root.find(f"{SVG}desc").text


def test_a_row_with_withheld_counts_is_hidden_whole_but_keeps_its_n_and_mean():
    partial = {"code": "phone", "label": "Телефон", "counts": {"1": None, "2": None, "3": None},
               "n": 42, "mean": 2.25, "counts_suppressed": True}  # fmt: skip
    root = parse(matrix_chart_svg(matrix(partial), title="t", scale_labels={}, words=WORDS))
    assert bars(root) == []
    assert "mean 2.25 · n = 42" in texts(root)
    assert "— fewer than 5 respondents" in texts(root)


def test_a_suppressed_choice_option_shows_a_dash_not_zero():
    table = {**BARRIERS, "options": [*BARRIERS["options"]]}
    table["options"].append(
        {
            "code": "gender",
            "label": "Гендер",
            "count": None,
            "percent_of_answers": None,
            "percent_of_respondents": None,
            "suppressed": True,
        }
    )
    root = parse(
        choice_chart_svg(table, title="t", percent_key="percent_of_respondents", words=WORDS)
    )
    shown = texts(root)
    assert "—" in shown and "0" not in " ".join(shown).split()
    assert "— fewer than 5 respondents" in shown
    assert "Гендер: —" in root.find(f"{SVG}desc").text


@pytest.mark.parametrize(
    ("key", "expected"),
    [("percent_of_respondents", "40 · 50%"), ("percent_of_answers", "40 · 26.7%")],
)
def test_choice_bars_have_count_and_percent_and_length_of_the_percent(key, expected):
    root = parse(choice_chart_svg(BARRIERS, title="Кедергілер", percent_key=key, words=WORDS))
    assert expected in texts(root)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#2c728e"]
    track = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#eceef1")
    share = BARRIERS["options"][0][key] / 100
    assert float(rects[0].get("width")) == pytest.approx(
        float(track.get("width")) * share, abs=0.01
    )
    assert "n = 80" in texts(root)


def test_a_rating_is_one_stacked_bar_with_its_mean():
    table = {"type": "rating", "counts": {"1": 2, "2": 4, "3": 10}, "n": 16, "mean": 2.5}
    words = ChartWords(mean="орташа", decimal_separator=",")
    root = parse(rating_chart_svg(table, title="Жалпы", scale_labels={}, words=words))
    assert [[c for c, _ in bar] for bar in bars(root)] == [[2, 4, 10]]
    assert "орташа 2,5 · n = 16" in texts(root)


@pytest.mark.parametrize(
    "svg",
    [
        lambda: matrix_chart_svg(matrix(), title="t", scale_labels=SCALE),
        lambda: matrix_chart_svg(
            matrix(row("a", "A", {"1": 0, "2": 0})), title="t", scale_labels={}
        ),
        lambda: rating_chart_svg(
            {"type": "rating", "counts": {}, "n": 0, "mean": None}, title="t", scale_labels={}
        ),
        lambda: choice_chart_svg(
            {"type": "single", "respondents": 0, "options": []}, title="t", percent_key="percent"
        ),
    ],
)
def test_an_empty_table_says_there_are_no_answers(svg):
    with translation.override("en"):
        root = parse(svg())
    assert texts(root) == ["No answers yet"]
    assert root.find(f"{SVG}desc").text == "No answers yet"


def test_a_wholly_suppressed_table_says_so():
    rating = {"type": "rating", "counts": {"1": None}, "n": None, "mean": None, "suppressed": True}
    options = [
        {**o, "count": None, "percent": None, "suppressed": True} for o in BARRIERS["options"]
    ]
    single = {"type": "single", "respondents": None, "options": options, "suppressed": True}
    for svg in (
        rating_chart_svg(rating, title="t", scale_labels={}, words=WORDS),
        choice_chart_svg(single, title="t", percent_key="percent", words=WORDS),
    ):
        assert texts(parse(svg)) == ["— fewer than 5 respondents"]


def test_two_charts_on_one_page_have_distinct_ids():
    one = parse(matrix_chart_svg(matrix(MEETING), title="a", scale_labels={}))
    two = parse(matrix_chart_svg(matrix(PHONE), title="b", scale_labels={}))
    assert one.find(f"{SVG}title").get("id") != two.find(f"{SVG}title").get("id")


def test_chart_words_follow_the_active_language():
    with translation.override("en"):
        words = chart_words(min_cell_size=5)
        generic = chart_words()
    assert words.suppressed == "fewer than 5 respondents"
    assert generic.suppressed == "too few respondents to show"
    assert words.no_data == "No answers yet"
    with translation.override("ru"):
        assert chart_words().decimal_separator == ","
