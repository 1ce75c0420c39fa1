"""The wide response format (surveys/formats/io.py): reading, importing, exporting, round trip."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from surveys.answers import wide_columns
from surveys.formats.io import (
    WideFileError,
    responses_export,
    responses_import,
    wide_rows_read,
)
from surveys.models import Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import response_create

ALMATY = ZoneInfo("Asia/Almaty")
GOOD = {
    "level": "central",
    "body": "other",
    "body.other": "Әділет министрлігі, 2-бөлім",
    "years": "12",
    "channels.meeting": "4",
    "channels.phone": "0",
    "barriers": "perception language",
    "general": "5",
    "comment": "Бәрі жақсы",
}
SHORT = {
    "level": "local",
    "years": "3",
    "channels.meeting": "1",
    "channels.phone": "2",
    "barriers": "none",
    "general": "2",
}


def write_csv(path: Path, rows: list[dict], *, delimiter: str = ",", bom: bool = False) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


def import_file(survey, path: Path, **options):
    options = {"allow_partial": False, "dry_run": False, "language": "ru", **options}
    with wide_rows_read(path=path) as rows:
        return responses_import(survey=survey, columns=rows.columns, rows=rows, **options)


def stored(survey) -> list[tuple]:
    return list(
        Response.objects.filter(survey=survey).values_list("language", "source").order_by("id")
    )


def snapshot(survey, schema) -> list[tuple]:
    return [
        (r.language, r.submitted_at, response_answers_get(response=r, schema=schema))
        for r in Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    ]


# Reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_is_read_with_or_without_bom_and_with_comma_or_semicolon(tmp_path, bom, delimiter):
    path = write_csv(
        tmp_path / "r.csv",
        [{"language": "kk", "comment": "бір, екі; үш"}],
        delimiter=delimiter,
        bom=bom,
    )
    with wide_rows_read(path=path) as rows:
        assert rows.columns == ["language", "comment"]
        assert list(rows) == [(2, {"language": "kk", "comment": "бір, екі; үш"})]


def test_row_numbers_are_spreadsheet_rows_and_blank_rows_are_skipped(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('language,comment\nkk,"two\nlines"\n,\nru,x\n', encoding="utf-8")
    with wide_rows_read(path=path) as rows:
        assert [number for number, _cells in rows] == [2, 4]


def test_csv_that_is_not_utf8_is_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("language,comment\nru,Привет\n".encode("cp1251"))
    with pytest.raises(WideFileError, match="UTF-8"):
        wide_rows_read(path=path)


def test_values_right_of_the_header_are_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("language,comment\nkk,a,,\nru,b,stray\n", encoding="utf-8")
    with wide_rows_read(path=path) as rows, pytest.raises(WideFileError, match="3"):
        list(rows)


def test_other_extensions_are_refused(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("language\nkk\n", encoding="utf-8")
    with pytest.raises(WideFileError, match=r"\.csv.*\.xlsx"):
        wide_rows_read(path=path)


def test_xlsx_numbers_read_without_point_zero_and_datetimes_as_iso(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["language", "submitted_at", "years", "general", "comment"])
    sheet.append(["kk", datetime(2022, 11, 10, 9, 30), 12.0, 4, 2.5])
    sheet.append([])
    sheet.append(["ru", None, 7, None, "мәтін"])
    workbook.save(tmp_path / "r.xlsx")
    with wide_rows_read(path=tmp_path / "r.xlsx") as rows:
        read = list(rows)
    assert read[0] == (
        2,
        {
            "language": "kk",
            "submitted_at": "2022-11-10T09:30:00",
            "years": "12",
            "general": "4",
            "comment": "2.5",
        },
    )
    assert read[1][0] == 4
    assert read[1][1]["years"] == "7"


def test_an_xlsx_whose_sheet_breaks_off_is_a_file_error(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["language", "comment"])
    workbook.active.append(["kk", "PLACEHOLDER"])
    workbook.save(tmp_path / "good.xlsx")
    # A character reference XML forbids: openpyxl opens the file and fails only while reading rows.
    with (
        zipfile.ZipFile(tmp_path / "good.xlsx") as source,
        zipfile.ZipFile(tmp_path / "r.xlsx", "w") as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content.replace(b"PLACEHOLDER", b"a&#0;b"))
    rows = wide_rows_read(path=tmp_path / "r.xlsx")
    with rows, pytest.raises(WideFileError, match="xlsx"):
        list(rows)


# Import ------------------------------------------------------------------------------------------


def test_valid_rows_are_stored_as_imported_responses(mini_survey, mini_schema, tmp_path):
    # Time formats are what this checks: a named survey keeps the time (anonymous ones the day).
    mini_survey.anonymous = False
    mini_survey.save(update_fields=["anonymous"])
    path = write_csv(
        tmp_path / "r.csv",
        [
            {"language": "kk", "submitted_at": "2022-11-10T09:30:00+05:00", **GOOD},
            {"language": "ru", "submitted_at": "", **SHORT},
        ],
    )
    report = import_file(mini_survey, path)
    assert report.ok and report.stored == 2
    assert stored(mini_survey) == [("kk", "import"), ("ru", "import")]
    first = Response.objects.filter(survey=mini_survey).first()
    assert first.submitted_at == datetime(2022, 11, 10, 4, 30, tzinfo=UTC)
    answers = response_answers_get(response=first, schema=mini_schema)
    assert answers["barriers"].options == ("perception", "language")
    assert answers["body"].other_text == "Әділет министрлігі, 2-бөлім"


def test_submitted_at_without_offset_is_read_in_almaty_time(mini_survey, tmp_path):
    # Time formats are what this checks: a named survey keeps the time (anonymous ones the day).
    mini_survey.anonymous = False
    mini_survey.save(update_fields=["anonymous"])
    path = write_csv(
        tmp_path / "r.csv", [{"language": "kk", "submitted_at": "2022-11-10 09:30", **SHORT}]
    )
    assert import_file(mini_survey, path).stored == 1
    response = Response.objects.get(survey=mini_survey)
    assert response.submitted_at == datetime(2022, 11, 10, 9, 30, tzinfo=ALMATY)


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"barriers": "perception language emotional gender"}, "barriers", "max_choices"),
        ({"barriers": "perception telepathy"}, "barriers", "unknown_option"),
        ({"barriers": "other"}, "barriers", "other_text_required"),
        ({"barriers": "none perception"}, "barriers", "exclusive"),
        ({"general": "7"}, "general", "out_of_scale"),
        ({"channels.phone": "6"}, "channels", "out_of_scale_na"),
        ({"years": "3.5"}, "years", "not_a_whole_number"),
        ({"body": "finance"}, "body", "not_applicable"),
        ({"language": "en"}, "language", "invalid_language"),
        ({"language": ""}, "language", "language_missing"),
        ({"submitted_at": "10.11.2022"}, "submitted_at", "invalid_datetime"),
        ({"submitted_at": "0001-01-01T00:00:00+05:00"}, "submitted_at", "invalid_datetime"),
    ],
)
def test_a_broken_rule_rejects_the_row_with_its_number_and_question(
    mini_survey, tmp_path, cells, column, code
):
    rows = [{"language": "kk", "submitted_at": "", **SHORT}, {"language": "ru", **SHORT, **cells}]
    report = import_file(mini_survey, write_csv(tmp_path / "r.csv", rows))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, column, code)]
    assert report.errors[0].message
    assert (report.stored, report.rejected) == (1, 1)
    assert stored(mini_survey) == [("kk", "import")]


def test_missing_required_answers_are_rejected_unless_partial_is_allowed(mini_survey, tmp_path):
    path = write_csv(tmp_path / "r.csv", [{"language": "kk", "level": "local", "years": "3"}])
    report = import_file(mini_survey, path)
    assert {(e.column, e.code) for e in report.errors} == {
        ("channels", "required"),
        ("barriers", "required"),
        ("general", "required"),
    }
    assert import_file(mini_survey, path, allow_partial=True).stored == 1


def test_dry_run_counts_valid_rows_and_stores_nothing(mini_survey, tmp_path):
    path = write_csv(tmp_path / "r.csv", [{"language": "kk", **SHORT}, {"language": "x", **SHORT}])
    report = import_file(mini_survey, path, dry_run=True)
    assert (report.valid, report.stored, report.rejected) == (1, 0, 1)
    assert stored(mini_survey) == []


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["language", "level", "colour"], "colour"),  # unknown
        (["language", "level", "level"], "level"),  # duplicated
        (["level", "years"], "language"),  # missing
        (["language", "", "level"], "2"),  # blank, by position
    ],
)
def test_a_bad_header_is_a_file_error_and_nothing_is_stored(mini_survey, columns, expected):
    rows = [(2, dict.fromkeys(columns, "kk"))]
    report = responses_import(survey=mini_survey, columns=columns, rows=rows, language="kk")
    assert len(report.file_errors) == 1
    assert expected in report.file_errors[0]
    assert report.stored == 0
    assert stored(mini_survey) == []


def test_a_file_that_breaks_off_midway_stores_nothing(mini_survey, tmp_path):
    good = write_csv(tmp_path / "good.csv", [{"language": "kk", **SHORT}] * 3000)
    path = tmp_path / "r.csv"
    path.write_bytes(good.read_bytes() + "ru,Привет\n".encode("cp1251"))
    report = import_file(mini_survey, path)
    assert report.file_errors and "UTF-8" in report.file_errors[0]
    assert report.stored == 0
    assert stored(mini_survey) == []


# Export ------------------------------------------------------------------------------------------


@pytest.fixture
def two_responses(mini_survey, mini_schema):
    # Time formats are what this checks: a named survey keeps the time (anonymous ones the day).
    mini_survey.anonymous = False
    mini_survey.save(update_fields=["anonymous"])
    kwargs = {"survey": mini_survey, "schema": mini_schema, "source": Response.Source.WEB}
    first = response_create(
        data=GOOD, language="kk", submitted_at=datetime(2022, 11, 10, 4, 30, tzinfo=UTC), **kwargs
    )
    second = response_create(data=SHORT, language="ru", **kwargs)
    response_create(data={"level": "local"}, language="kk", complete=False, **kwargs)
    return first, second


def test_csv_export_has_a_bom_the_header_and_one_row_per_complete_response(
    mini_survey, mini_schema, two_responses
):
    out = io.StringIO(newline="")
    assert responses_export(survey=mini_survey, fmt="csv", out=out) == 2
    text = out.getvalue()
    assert text.startswith("\ufeff")
    header, first, second = csv.reader(io.StringIO(text[1:]))
    assert header == ["language", "submitted_at", *wide_columns(mini_schema)]
    assert dict(zip(header, first, strict=True)) == {
        "language": "kk",
        "submitted_at": "2022-11-10T10:30:00+06:00",  # Almaty was UTC+6 until 2024
        **GOOD,
        "barriers.other": "",
    }
    assert second[:1] == ["ru"]
    assert dict(zip(header, second, strict=True))["body"] == ""


def test_drafts_are_exported_only_when_asked(mini_survey, two_responses):
    out = io.StringIO(newline="")
    assert responses_export(survey=mini_survey, fmt="csv", out=out, include_drafts=True) == 3
    last = list(csv.reader(io.StringIO(out.getvalue()[1:])))[-1]
    assert last[:3] == ["kk", "", "local"]


def test_xlsx_export_writes_numbers_as_numbers_and_formulas_as_text(
    mini_survey, mini_schema, two_responses
):
    response_create(
        survey=mini_survey,
        data={**SHORT, "comment": "=SUM(A1:A9)"},
        language="kk",
        source=Response.Source.WEB,
    )
    out = io.BytesIO()
    assert responses_export(survey=mini_survey, fmt="xlsx", out=out) == 3
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    header, first, _second, _third = sheet.iter_rows(values_only=True)
    assert list(header) == ["language", "submitted_at", *wide_columns(mini_schema)]
    cells = dict(zip(header, first, strict=True))
    assert (cells["years"], cells["channels.phone"], cells["general"]) == (12, 0, 5)
    assert cells["barriers"] == "perception language"
    assert cells["barriers.other"] is None
    comment = sheet.cell(row=4, column=header.index("comment") + 1)
    assert (comment.data_type, comment.value) == ("s", "=SUM(A1:A9)")


@pytest.mark.parametrize("count", [1, 40])
def test_export_queries_do_not_grow_with_the_number_of_responses(
    mini_survey, mini_schema, django_assert_max_num_queries, count
):
    for _i in range(count):
        response_create(
            survey=mini_survey, schema=mini_schema, data=GOOD, language="kk", source="web"
        )
    out = io.StringIO(newline="")
    with django_assert_max_num_queries(10):
        assert responses_export(survey=mini_survey, fmt="csv", out=out) == count


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_reproduces_the_answers(mini_survey, mini_schema, tmp_path, fmt):
    kwargs = {"survey": mini_survey, "schema": mini_schema, "source": Response.Source.WEB}
    response_create(data=GOOD, language="kk", **kwargs)
    response_create(data={**SHORT, "comment": '=1+1; «тырнақша», "quote"'}, language="ru", **kwargs)
    response_create(data={**SHORT, "comment": "Жол 1\r\nЖол 2\n\tЖол 3"}, language="kk", **kwargs)
    response_create(data={"level": "central"}, language="ru", partial=True, **kwargs)
    response_create(
        data={**GOOD, "barriers": "other", "barriers.other": "Уақыт жоқ"},
        language="ru",
        submitted_at=datetime(2021, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        **kwargs,
    )
    before = snapshot(mini_survey, mini_schema)
    path = tmp_path / f"export.{fmt}"
    with path.open("w", encoding="utf-8", newline="") if fmt == "csv" else path.open("wb") as out:
        assert responses_export(survey=mini_survey, fmt=fmt, out=out) == 5
    Response.objects.filter(survey=mini_survey).delete()

    report = import_file(mini_survey, path, allow_partial=True)

    assert report.ok and report.stored == 5
    assert snapshot(mini_survey, mini_schema) == before


def test_csv_export_puts_an_apostrophe_before_formula_text_but_not_before_numbers(
    mini_survey, mini_schema
):
    mini_survey.questions.filter(code="years").update(number_min=-10)
    schema = survey_schema_get(survey=mini_survey)
    data = {
        **GOOD,
        "years": "-1",
        "barriers": "other",
        "barriers.other": "@SUM(1)",
        "comment": '=HYPERLINK("http://x","y")',
    }
    response_create(survey=mini_survey, schema=schema, data=data, language="kk", source="web")
    out = io.StringIO(newline="")
    responses_export(survey=mini_survey, fmt="csv", out=out)
    header, row = csv.reader(io.StringIO(out.getvalue()[1:]))
    cells = dict(zip(header, row, strict=True))
    assert cells["comment"] == '\'=HYPERLINK("http://x","y")'
    assert cells["barriers.other"] == "'@SUM(1)"
    assert cells["years"] == "-1"


@pytest.mark.parametrize(
    "text",
    ["-1+1", "+cmd", "\t=1", "＝1+1", "＠SUM(1)", "'=1+1", "''-1", "'quoted'", "a=b"],
)
def test_formula_text_comes_back_exactly_from_a_csv_export(
    mini_survey, mini_schema, tmp_path, text
):
    mini_survey.questions.filter(code="years").update(number_min=-10)
    schema = survey_schema_get(survey=mini_survey)
    data = {**GOOD, "years": "-1", "comment": f"x{text}" if text[0] in "\t" else text}
    response_create(survey=mini_survey, schema=schema, data=data, language="kk", source="web")
    before = snapshot(mini_survey, schema)
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        responses_export(survey=mini_survey, fmt="csv", out=out)
    Response.objects.filter(survey=mini_survey).delete()

    report = import_file(mini_survey, path)

    assert report.ok and report.stored == 1
    assert snapshot(mini_survey, schema) == before


def test_a_negative_number_in_a_csv_is_still_a_number(mini_survey, tmp_path):
    mini_survey.questions.filter(code="years").update(number_min=-10)
    path = write_csv(tmp_path / "r.csv", [{"language": "kk", **SHORT, "years": "-1"}])
    assert import_file(mini_survey, path).stored == 1
    answers = response_answers_get(
        response=Response.objects.get(), schema=survey_schema_get(survey=mini_survey)
    )
    assert answers["years"].number == -1


def test_an_anonymous_survey_keeps_only_the_day_of_an_imported_time(mini_survey, tmp_path):
    path = write_csv(
        tmp_path / "r.csv", [{"language": "kk", "submitted_at": "2022-11-10 09:30", **SHORT}]
    )
    assert import_file(mini_survey, path).stored == 1
    response = Response.objects.get(survey=mini_survey)
    assert response.submitted_at == datetime(2022, 11, 10, tzinfo=ALMATY)
    assert response.key is None
