"""Notes and decimals through validation, storage, the wide format and every export (issue 14)."""

from __future__ import annotations

import csv
from decimal import Decimal
from io import BytesIO, StringIO
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pyreadstat
import pytest
from django.utils import translation

from analytics.disclosure import number_ranges, results_protect
from analytics.results import results_tables_build
from analytics.selectors import answer_counts_get
from analytics.spss import responses_sav
from api.odata.metadata import metadata_build
from api.odata.properties import entity_properties
from surveys.answers import wide_columns
from surveys.formats.codebook import codebook_rows
from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.formats.io.pages import column_kinds, wide_typed
from surveys.formats.io.read import wide_header_errors
from surveys.formats.io.write import responses_export
from surveys.models import Answer, Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import response_create
from surveys.validation import response_validate
from tests.conftest import DATA

pytestmark = pytest.mark.django_db
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture
def survey():
    return questionnaire_load(
        data=definition_parse(text=(DATA / "notes_decimals.yaml").read_text())
    )


@pytest.fixture
def schema(survey):
    return survey_schema_get(survey=survey)


def errors_of(schema, data: dict[str, Any], language: str = "ru") -> dict[str, list[str]]:
    return response_validate(schema=schema, data=data, partial=True).messages(language)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("0.5", "0.5"), ("0,75", "0.75"), (" 1,5 ", "1.5"), ("1", "1"), (1, "1"), (0.25, "0.25"),
     ("1.50", "1.5"), (Decimal("0.30"), "0.3")],
)  # fmt: skip
def test_a_decimal_is_accepted_with_a_point_or_a_comma(schema, raw, stored):
    result = response_validate(schema=schema, data={"level": "local", "rate": raw}, partial=True)
    assert result.is_valid, result.messages("en")
    assert result.answers["rate"].decimal == Decimal(stored)


@pytest.mark.parametrize("raw", ["0.255", "0.1", "1.75", "1.2.3", "abc", "1e3", ".5", True])
def test_a_decimal_is_refused_with_one_message_in_either_language(schema, raw):
    data = {"level": "local", "rate": raw}
    for language in ("kk", "ru"):
        assert len(errors_of(schema, data, language)["rate"]) == 1


def test_decimal_places_and_bounds_are_checked_in_english(schema):
    with translation.override("en"):
        assert errors_of(schema, {"rate": "0.255"}, "en")["rate"] == [
            "Enter at most 2 digits after the decimal point."
        ]
        assert errors_of(schema, {"hours": "1.25"}, "en")["hours"] == [
            "Enter at most 1 digit after the decimal point."
        ]
        assert errors_of(schema, {"rate": "0,1"}, "en")["rate"] == [
            "The number must be at least 0.25."
        ]
        assert errors_of(schema, {"rate": "2"}, "en")["rate"] == ["The number must be at most 1.5."]
        assert errors_of(schema, {"hours": "-1"}, "en")["hours"] == [
            "The number must be at least 0."
        ]
        assert errors_of(schema, {"share": "1,5x"}, "en")["share"] == [
            "Enter a number, such as 3.5 or 3,5."
        ]


def test_an_answer_to_a_note_is_refused_shown_or_hidden(schema):
    with translation.override("en"):
        errors = errors_of(schema, {"level": "local", "welcome": "yes", "central_note": "x"}, "en")
    assert errors["welcome"] == ["“welcome” is a note shown to respondents: it takes no answer."]
    assert errors["central_note"] == [
        "“central_note” is a note shown to respondents: it takes no answer."
    ]
    # An empty cell under a note's name says nothing, and a note is never required.
    full = response_validate(schema=schema, data={"level": "local", "rate": "1", "welcome": ""})
    assert full.is_valid, full.messages("en")


def test_a_decimal_is_stored_exactly_and_read_back_in_the_wide_format(survey, schema):
    response = response_create(
        survey=survey,
        data={"level": "central", "rate": "0,5", "hours": "37.5", "share": "0.125"},
        language="kk",
        source=Response.Source.WEB,
    )
    stored = Answer.objects.get(response=response, question__code="share")
    assert (stored.value_decimal, stored.value_int, stored.value_text) == (
        Decimal("0.125"),
        None,
        "",
    )
    assert not Answer.objects.filter(question__type="note").exists()
    answers = response_answers_get(response=response, schema=schema)
    assert answers["rate"].decimal == Decimal("0.5")
    assert "welcome" not in wide_columns(schema) and "central_note" not in wide_columns(schema)
    assert wide_columns(schema) == ["level", "rate", "hours", "share"]


def test_an_import_with_a_column_named_after_a_note_is_refused(schema):
    with translation.override("en"):
        errors = wide_header_errors(schema=schema, columns=["language", "level", "welcome"])
    assert errors == [
        "Columns named after notes, which take no answers: welcome. Leave them out of the file."
    ]


def _answered(survey) -> None:
    for n, (rate, hours) in enumerate(
        [("0.25", "40"), ("0,5", "37.5"), ("1.5", ""), ("1", "12.5"), ("0.75", "0.5")] * 2
    ):
        data = {"level": "local" if n % 2 else "central", "rate": rate}
        if hours:
            data["hours"] = hours
        response_create(survey=survey, data=data, language="ru", source=Response.Source.IMPORT)


def test_csv_and_xlsx_write_decimals_with_a_point_and_their_places(survey):
    _answered(survey)
    out = StringIO(newline="")
    responses_export(survey=survey, fmt="csv", out=out)
    rows = list(csv.DictReader(StringIO(out.getvalue().lstrip("\ufeff"))))
    assert [r["rate"] for r in rows[:5]] == ["0.25", "0.50", "1.50", "1.00", "0.75"]
    assert [r["hours"] for r in rows[:5]] == ["40.0", "37.5", "", "12.5", "0.5"]
    assert "welcome" not in rows[0]
    binary = BytesIO()
    responses_export(survey=survey, fmt="xlsx", out=binary)
    sheet = openpyxl.load_workbook(BytesIO(binary.getvalue())).worksheets[0]
    header = [c.value for c in sheet[1]]
    values = [row[header.index("rate")] for row in sheet.iter_rows(2, values_only=True)]
    assert values[:5] == [0.25, 0.5, 1.5, 1, 0.75]
    assert all(isinstance(v, int | float) for v in values)


def test_the_sav_file_has_a_numeric_decimal_variable_with_its_places(survey, tmp_path):
    _answered(survey)
    path = tmp_path / "out.sav"
    responses_sav(survey=survey, language="ru", path=path)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame["rate"][:5]) == [0.25, 0.5, 1.5, 1.0, 0.75]
    assert list(frame["hours"][:2]) == [40.0, 37.5]
    assert meta.original_variable_types["rate"] == "F15.2"
    assert meta.original_variable_types["hours"] == "F14.1"
    assert "welcome" not in frame.columns and "central_note" not in frame.columns
    assert meta.column_names_to_labels["rate"] == "Ставка нагрузки"


def test_the_codebook_has_decimal_rows_with_places_and_bounds_and_no_note(schema):
    rows = {row["variable"]: row for row in codebook_rows(schema=schema)}
    assert "welcome" not in rows and "central_note" not in rows
    rate = rows["rate"]
    assert (rate["type"], rate["decimals"], rate["min"], rate["max"]) == ("decimal", 2, 0.25, 1.5)
    assert (rows["hours"]["min"], rows["hours"]["max"], rows["hours"]["decimals"]) == (0, None, 1)
    assert rows["level"]["decimals"] is None


def test_the_api_json_gives_decimals_as_numbers(schema):
    kinds = column_kinds(schema=schema)
    assert kinds["rate"] == "decimal" and "welcome" not in kinds
    record = {"language": "kk", "submitted_at": "", "level": "central", "rate": "0.50"}
    typed = wide_typed(schema=schema, record=record, columns=["rate", "hours"], kinds=kinds)
    assert typed == {"rate": 0.5, "hours": None}


def test_odata_types_a_decimal_as_edm_decimal_with_its_scale(survey, schema):
    properties = entity_properties(schema=schema)
    assert [p.name for p in properties] == [
        "_id", "language", "submitted_at", "level", "rate", "hours", "share",
    ]  # fmt: skip
    document = ET.fromstring(metadata_build(survey=survey, properties=properties))
    found = {p.get("Name"): p for p in document.iter(f"{EDM}Property")}
    assert (found["rate"].get("Type"), found["rate"].get("Scale")) == ("Edm.Decimal", "2")
    assert found["share"].get("Scale") == "3"
    assert "welcome" not in found


def test_a_decimal_gets_the_number_summary_table(survey, schema):
    _answered(survey)
    counts = answer_counts_get(survey=survey, schema=schema, filters={})
    tables = results_tables_build(schema=schema, counts=counts, k=None)
    assert "welcome" not in tables
    rate = tables["rate"]
    assert rate["type"] == "number" and rate["n"] == 10
    assert (rate["mean"], rate["median"], rate["min"], rate["max"]) == (0.8, 0.75, 0.25, 1.5)
    hours = tables["hours"]
    assert (hours["n"], hours["min"], hours["max"]) == (8, 0.5, 40.0)


def test_aggregates_only_viewers_get_decimal_ranges(survey, schema):
    _answered(survey)
    counts = answer_counts_get(survey=survey, schema=schema, filters={})
    protected = results_protect(schema=schema, counts=counts, total=10, k=2, filtered=False)
    rate = protected["tables"]["rate"]
    assert rate["type"] == "number_ranges"
    assert [(r["low"], r["high"]) for r in rate["ranges"]] == [(0, 0.99), (1, 1.99)]
    assert number_ranges(schema.questions["rate"]) == [(0, 0), (1, 1)]
    # Every answer lies in a range: 0.25, 0.5 and 0.75 below 1; 1 and 1.5 from 1. The counts are
    # perturbed, each by at most 3 (analytics.disclosure): so is their sum, by at most 3 a range.
    exact = len(counts.numbers["rate"])
    shown = sum(r["count"] for r in rate["ranges"])
    assert abs(shown - exact) <= 3 * len(rate["ranges"]), (shown, exact)
    hours = protected["tables"]["hours"]
    assert hours["ranges"][0]["low"] == 0 and hours["ranges"][-1]["high"] is None
