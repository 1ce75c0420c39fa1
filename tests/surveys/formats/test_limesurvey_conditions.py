"""LimeSurvey relevance equations as display conditions, and `partial` imports that leave out
what cannot be expressed (and whatever depended on it)."""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.formats.definitions import questionnaire_export
from surveys.formats.limesurvey.convert import limesurvey_import
from surveys.formats.limesurvey.problems import LimeSurveyError
from tests.surveys.formats.limesurvey_support import group, lss, lss_file
from tests.surveys.formats.test_limesurvey import ROWS, YES_NO, only, q, refused, run

pytestmark = pytest.mark.django_db
THREE = [*YES_NO, ("A3", {"ru": "Не знаю", "kk": "Білмеймін"})]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("equation", "options"),
    [
        ('Q1 == "A1"', ["a1"]),
        ("Q1.NAOK == 'A2'", ["a2"]),
        ('((Q1.NAOK == "A1" or Q1.NAOK == "A3"))', ["a1", "a3"]),
        ('Q1 == "A1" || Q1 == "A2"', ["a1", "a2"]),
        ("!is_empty(Q1)", ["a1", "a2", "a3"]),
        ('(Q1 == "A1" or Q1 == "A2") and (Q1 == "A2" or Q1 == "A3")', ["a2"]),
        ("{Q1 == 'A3'}", ["a3"]),
    ],
)
def test_single_choice_equations(equation, options):
    data, _ = run(q("Q1", "L", answers=THREE), q("Q2", "S", relevance=equation))
    assert only(data)[1]["show_if"] == {"question": "q1", "options": options}


def test_a_multiple_choice_option_chosen():
    data, _ = run(
        q("Q1", "M", subquestions=ROWS),
        q("Q2", "S", relevance='Q1_SQ001 == "Y" or Q1_SQ002.NAOK == "Y"'),
        q("Q3", "S", relevance="!is_empty(Q1_SQ002)"),
    )
    assert only(data)[1]["show_if"] == {"question": "q1", "options": ["sq001", "sq002"]}
    assert only(data)[2]["show_if"] == {"question": "q1", "options": ["sq002"]}


def test_the_other_answer_of_a_single_choice():
    data, _ = run(q("Q1", "L", answers=YES_NO, other="Y"), q("Q2", "S", relevance='Q1=="-oth-"'))
    assert only(data)[1]["show_if"]["options"] == ["other"]


@pytest.mark.parametrize("equation", ["1", "", " true "])
def test_always_shown(equation):
    data, _ = run(q("Q1", "S", relevance=equation))
    assert "show_if" not in only(data)[0]


@pytest.mark.parametrize(
    ("equation", "why"),
    [
        ('Q1 == "A1" or Q2 == "A1"', "“or” joins conditions on different questions"),
        ('Q1 == "A1" and Q2 == "A1"', "“and” joins conditions on different questions"),
        ('Q1 == "A1" and Q1 == "A2"', "the condition can never be met"),
        ('Q1 != "A1"', "not of a supported form"),
        ("Q1.shown", "“.shown” is not supported"),
        ('Q1 == "A9"', "“A9” is not an answer of the question"),
        ('Q3 == "x"', "“Q3” is not a single choice question"),
        ('Q4 == "A1"', "which comes later"),
        ("sum(Q1) > 2", "cannot read “> 2”"),
    ],
)
def test_equations_that_cannot_be_expressed_refuse_the_file(equation, why):
    problems = refused(
        q("Q1", "L", answers=YES_NO), q("Q2", "L", answers=YES_NO), q("Q3", "S"),
        q("Q5", "S", relevance=equation), q("Q4", "L", answers=YES_NO),
    )  # fmt: skip
    assert len(problems) == 1 and problems[0].startswith("Q5: the relevance equation")
    assert why in problems[0]


def test_partial_leaves_out_the_question_and_its_dependants_transitively():
    data, report = run(
        q("Q1", "L", answers=YES_NO),
        q("Q2", "L", answers=YES_NO, relevance='Q1 != "A1"'),
        q("Q3", "L", answers=YES_NO, relevance='Q2 == "A1"'),
        q("Q4", "S", relevance='Q3 == "A2"'),
        q("Q5", "D"),
        q("Q6", "S", relevance='Q1 == "A2"'),
        partial=True,
    )
    assert [n["code"] for n in only(data)] == ["q1", "q6"]
    left = [line for line in report if "left out" in line]
    assert left[0].startswith('Q2: left out: the relevance equation “Q1 != "A1"”')
    assert "Q3: left out" in left[1] and "it depends on “Q2”, which is not imported" in left[1]
    assert "Q4: left out" in left[2] and "“Q3”" in left[2]
    assert left[3] == "Q5: left out: the question type “D” (date) is not supported"
    assert len(left) == 4


def test_a_condition_on_a_hidden_question_is_a_problem_not_a_loosening():
    problems = refused(
        q("Q1", "L", answers=YES_NO, attributes={"hidden": "1"}),
        q("Q2", "S", relevance='Q1 == "A1"'),
    )
    assert problems == [
        'Q2: the relevance equation “Q1 == "A1"” cannot be imported: it depends on “Q1”, '
        "which is not imported"
    ]


def test_array_filter_is_reported():
    problems = refused(q("Q1", "M", subquestions=ROWS),
                       q("Q2", "F", subquestions=ROWS, answers=YES_NO,
                         attributes={"array_filter": "Q1"}))  # fmt: skip
    assert problems[0].startswith("Q2: array filter")


def test_group_relevance_becomes_the_section_condition_and_partial_leaves_a_group_out():
    content = lss([
        group({"ru": "А", "kk": "А"}, [q("Q1", "L", answers=YES_NO)]),
        group({"ru": "Б", "kk": "Б"}, [q("Q2", "S")], relevance='Q1.NAOK == "A1"'),
        group({"ru": "В", "kk": "В"}, [q("Q3", "S"), q("Q4", "S")], relevance="Q1 > 1"),
    ], languages=("ru", "kk"))  # fmt: skip
    with pytest.raises(LimeSurveyError, match="group 3 “В”: the relevance equation"):
        limesurvey_import(file=lss_file(content), user=None)
    survey, report = limesurvey_import(file=lss_file(content), user=None, partial=True)
    data = questionnaire_export(survey=survey)
    assert [s["title"]["ru"] for s in data["sections"]] == ["А", "Б"]
    assert data["sections"][1]["show_if"] == {"question": "q1", "options": ["a1"]}
    lines = [str(line) for line in report]
    assert "Q3: left out with its group group 3 “В”" in lines and any(
        line.startswith("Q4: left out") for line in lines
    )
