"""`columns_map`: a source header and its rows turned into wide rows, without the database's help
beyond the survey's schema."""

import pytest

from surveys.formats.io.mapping import columns_map


def mapped(schema, header, row, **options):
    mapping = columns_map(schema=schema, header=header, default_language="ru", **options)
    assert mapping.errors == []
    (result,) = mapping.rows([(7, dict(zip(header, row, strict=True)))])
    return result


def test_limesurvey_conventions_become_wide_values(mini_schema):
    header = ["submitdate", "startlanguage", "body", "years", "barriers[other]", "barriers[none]"]
    row = ["1980-01-01 00:00:00", "ru-informal", "-oth-", "-3.000", "Уақыт жоқ", "y"]
    result = mapped(mini_schema, header, row, source="limesurvey")
    assert result.number == 7 and not result.incomplete and result.problems == []
    assert result.cells == {
        "submitted_at": "",  # LimeSurvey's date of a survey that records none
        "language": "ru",
        "body": "other",
        "years": "-3",
        "barriers.other": "Уақыт жоқ",
        "barriers": "other none",
    }


def test_an_empty_submitdate_marks_the_row_incomplete(mini_schema):
    assert mapped(
        mini_schema, ["submitdate", "level"], ["", "local"], source="limesurvey"
    ).incomplete


def test_a_kobo_file_without_language_gets_the_default_and_utc_times(mini_schema):
    header = ["_submission_time", "deviceid", "one/level", "formhub/uuid", "_tags"]
    result = mapped(
        mini_schema, header, ["2022-11-10T03:30:00", "x", "local", "y", ""], source="kobo"
    )
    assert result.cells == {
        "submitted_at": "2022-11-10T03:30:00+00:00",
        "level": "local",
        "language": "ru",
    }


def test_a_question_named_like_kobo_metadata_is_still_a_question(mini_schema):
    # Only what is not a column of the survey counts as metadata.
    mapping = columns_map(
        schema=mini_schema, header=["years", "start"], source="kobo", default_language="kk"
    )
    assert [(r.source, r.target) for r in mapping.rules] == [("years", "years"), ("start", "")]


@pytest.mark.parametrize(
    ("source", "header", "error"),
    [
        ("wide", ["language", "Q1"], "Q1"),
        ("kobo", ["one/level", "two/level"], "one/level, two/level"),
        ("limesurvey", ["LEVEL", "level"], "LEVEL, level"),
        ("limesurvey", ["barriers[sq999]"], "barriers[sq999]"),
    ],
)
def test_header_problems_name_the_source_columns(mini_schema, source, header, error):
    mapping = columns_map(schema=mini_schema, header=header, source=source, default_language="kk")
    assert any(error in message for message in mapping.errors)
