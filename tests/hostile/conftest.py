"""Hypothesis settings for the hostile-input tests, and the 2022 questionnaire they attack.

No example database is written (nothing lands in the repository). Under CI=true the examples are
derandomized, so a failure in CI is the same failure on every run and on a laptop.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("hostile", database=None, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("hostile"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "hostile")

# Each test loads its questionnaire once through a function-scoped fixture and every example
# works on rows of its own, so sharing the fixture across examples is intended.
SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def hostile(max_examples: int) -> settings:
    """The settings of one property test: few examples, no deadline (the database is slow)."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=SHARED_FIXTURES)


@pytest.fixture
def survey_2022(db):
    from tests.factories import survey_2022_load

    return survey_2022_load()


@pytest.fixture
def schema_2022(survey_2022):
    from surveys.selectors import survey_schema_get

    return survey_schema_get(survey=survey_2022)


# Values an attacker, a broken client or a pasted spreadsheet sends ------------------------------

FORMULAS = (
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+cmd",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "'=1+1",
    "''+1",
    "#N/A",
)
NUMBERS = (
    "1e400",
    str(10**100),
    "-" + str(10**100),
    "9" * 13,
    "2147483648",
    "-2147483649",
    "inf",
    "-inf",
    "NaN",
    "-0",
    "+5",
    " 5 ",
    "5.0",
    "0x10",
    "1_000",
    "٣",
    "５",
    "-1",
    "0",
)
BROKEN_TEXT = (
    "a\x00b",
    "\x00",
    "\x1b[31m",
    "\u202etxt",
    "\ufeff",
    "\x7f",
    "x" * 501,
    "ж" * 10_001,
    "<script>alert(1)</script>",
    "%s %(value)s {0}",
)


def hostile_text():
    from hypothesis import strategies as st

    return st.one_of(
        st.sampled_from(FORMULAS),
        st.sampled_from(NUMBERS),
        st.sampled_from(BROKEN_TEXT),
        st.text(max_size=40),
        st.builds(lambda f, t: f + t, st.sampled_from(FORMULAS), st.text(max_size=10)),
    )


def stored_answers_check(*, response, schema, partial: bool = False) -> None:
    """Every stored answer row of `response` has the shape of its question and, read back,
    passes `response_validate`: a complete response in full (unless `partial`, as imported with
    --allow-partial), a draft with required checks off."""
    from surveys.answers import answers_to_wide
    from surveys.models import Answer, Response
    from surveys.selectors import ANSWER_FIELDS, answers_from_rows
    from surveys.validation import response_validate

    by_id = {q.id: q for q in schema.questions.values()}
    rows = list(Answer.objects.filter(response=response).values_list(*ANSWER_FIELDS))
    for question_id, option_id, row_id, value_int, value_text, value_decimal in rows:
        q = by_id[question_id]
        shape = (option_id is not None, row_id is not None, value_int is not None)
        assert value_decimal is None or q.type == "decimal"
        assert "\x00" not in value_text
        if q.is_choice:
            options = {o.id: o for o in q.options}
            assert shape == (True, False, False) and option_id in options
            assert options[option_id].is_other or value_text == ""
        elif q.type == "matrix":
            assert shape == (False, True, True) and value_text == ""
            assert row_id in {r.id for r in q.rows}
        elif q.type in ("rating", "number"):
            assert shape == (False, False, True) and value_text == ""
        elif q.type == "decimal":
            assert shape == (False, False, False) and value_text == ""
            assert value_decimal is not None
        else:
            assert shape == (False, False, False) and value_text
    answers = answers_from_rows(schema, rows)
    response.refresh_from_db()
    complete = response.status == Response.Status.COMPLETE
    data = answers_to_wide(schema, answers)
    result = response_validate(schema=schema, data=data, partial=partial or not complete)
    assert result.errors == {}, (data, result.messages("ru"))
    assert result.answers == answers
