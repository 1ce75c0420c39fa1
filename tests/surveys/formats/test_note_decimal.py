"""Notes and decimals through the definition files and XLSForm (issue 14)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import translation
from pyxform.xls2xform import convert

from surveys.formats.definitions import (
    DefinitionError,
    definition_dump,
    definition_parse,
    questionnaire_export,
    questionnaire_load,
)
from surveys.formats.xlsform.convert import XLSFormError, xlsform_export, xlsform_import
from surveys.models import Question
from tests.conftest import DATA
from tests.surveys.formats.test_xlsform import HEADER, SETTINGS, q, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("nurlan", password="pw-123456")


def notes_decimals() -> dict[str, Any]:
    return definition_parse(text=(DATA / "notes_decimals.yaml").read_text())


def _without_slug_status(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("slug", "status")}


def test_notes_and_decimals_load_from_a_definition():
    survey = questionnaire_load(data=notes_decimals())
    welcome = survey.questions.get(code="welcome")
    assert (welcome.type, welcome.required) == ("note", False)
    assert welcome.text_ru == "Следующие вопросы о вашей зарплате."
    note = survey.questions.get(code="central_note")
    assert [o.code for o in note.show_if_options.all()] == ["central"]
    rate = survey.questions.get(code="rate")
    assert (rate.decimals, rate.decimal_min, rate.decimal_max) == (
        2,
        Decimal("0.25"),
        Decimal("1.5"),
    )
    assert (rate.number_min, rate.number_max) == (None, None)


def test_notes_and_decimals_round_trip_through_yaml():
    data = notes_decimals()
    survey = questionnaire_load(data=data)
    exported = questionnaire_export(survey=survey)
    assert exported["sections"] == data["sections"]
    text = definition_dump(data=exported)
    assert "type: note" in text and "decimals: 3" in text
    again = questionnaire_load(data={**definition_parse(text=text), "slug": "again"})
    assert _without_slug_status(questionnaire_export(survey=again)) == _without_slug_status(
        exported
    )


def test_a_decimal_without_places_gets_two():
    data = notes_decimals()
    del data["sections"][0]["questions"][3]["decimals"]
    survey = questionnaire_load(data=data)
    assert survey.questions.get(code="rate").decimals == 2


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"decimals": 0}, "decimals: must be from 1 to 6"),
        ({"decimals": 7}, "decimals: must be from 1 to 6"),
        ({"decimals": "2"}, "decimals: expected a whole number"),
        ({"min": "0,5"}, "min: expected a number"),
        ({"min": 0.125}, "min: has more decimal places than the question's 2"),
        ({"min": 2, "max": 1}, "min is greater than max"),
        ({"options": []}, "unknown key “options”"),
    ],
)
def test_a_broken_decimal_is_refused(change, fragment):
    data = notes_decimals()
    data["sections"][0]["questions"][3].update(change)
    with pytest.raises(DefinitionError) as info:
        questionnaire_load(data=data)
    assert any(fragment in error for error in info.value.errors), info.value.errors


def test_a_note_is_never_required_nor_a_condition():
    data = notes_decimals()
    data["sections"][0]["questions"][0]["required"] = True
    data["sections"][0]["questions"][3]["show_if"] = {"question": "welcome", "options": ["x"]}
    with pytest.raises(DefinitionError) as info:
        questionnaire_load(data=data)
    errors = "\n".join(info.value.errors)
    assert "questions[0].required: a note takes no answer" in errors
    assert "questions[3].show_if: must name an earlier single or multiple choice" in errors


def p(type_: str, name: str, parameters: str | None = None, **cells: Any) -> list[Any]:
    """A survey row of HEADER and a last `parameters` column."""
    return [*q(type_, name, **cells), parameters]


def test_an_xlsform_exported_from_a_survey_with_notes_and_decimals_reimports_identically(user):
    original = questionnaire_load(data=notes_decimals())
    content = xlsform_export(survey=original)
    sheet = openpyxl.load_workbook(BytesIO(content))["survey"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    by_name = {row["name"]: row for row in rows}
    assert by_name["welcome"]["type"] == "note"
    assert by_name["welcome"]["label::Russian (ru)"] == "Следующие вопросы о вашей зарплате."
    assert by_name["welcome"]["required"] is None
    assert by_name["central_note"]["relevant"] == "${level} = 'central'"
    assert by_name["rate"]["type"] == "decimal"
    assert by_name["rate"]["parameters"] == "decimals=2"
    assert by_name["rate"]["constraint"] == ". >= 0.25 and . <= 1.5"
    copy = xlsform_import(file=ContentFile(content, name="x.xlsx"), user=user, slug="copy").survey
    assert _without_slug_status(questionnaire_export(survey=copy)) == _without_slug_status(
        questionnaire_export(survey=original)
    )


def test_pyxform_converts_notes_and_decimals(db):
    content = xlsform_export(survey=questionnaire_load(data=notes_decimals()))
    warnings: list[str] = []
    result = convert(xlsform=BytesIO(content), file_type=".xlsx", validate=False, warnings=warnings)
    assert 'type="decimal"' in result.xform
    assert not [w for w in warnings if "row" in w], warnings


def test_an_xlsform_decimal_without_parameters_has_two_places_and_notes_import(user):
    file = workbook(
        [
            [*q("note", "intro", "Сәлем", "Привет"), None],
            p("decimal", "weight", constraint=". >= 0.5"),
            p("decimal", "ratio", parameters="decimals=4"),
        ],
        header=[*HEADER, "parameters"],
    )
    survey = xlsform_import(file=file, user=user).survey
    intro, weight, ratio = Question.objects.filter(survey=survey).order_by("position")
    assert (intro.type, intro.text_kk, intro.required) == ("note", "Сәлем", False)
    assert (weight.type, weight.decimals, weight.decimal_min) == ("decimal", 2, Decimal("0.5"))
    assert ratio.decimals == 4


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (p("decimal", "w", parameters="places=2"), "parameters “places=2” is not supported"),
        (p("decimal", "w", constraint=". < 2.5"), "constraint “. < 2.5” is not supported"),
        (p("integer", "w", parameters="decimals=2"), "parameters are read only on a decimal"),
        (p("decimal", "w", parameters="decimals=9"), "must be from 1 to 6"),
    ],
)
def test_a_broken_xlsform_decimal_is_refused(user, row, fragment):
    file = workbook([row], header=[*HEADER, "parameters"], settings=SETTINGS)
    with pytest.raises(XLSFormError) as info:
        xlsform_import(file=file, user=user)
    assert any(fragment in p.message for p in info.value.problems), info.value.problems
