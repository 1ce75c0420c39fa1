"""Downloads (analytics/exports.py): results tables as CSV/XLSX, raw responses as SPSS .sav;
the raw exports built by the worker (analytics/exporting.py) with their codebook."""

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from django.utils import translation
from django.utils.translation import gettext

from analytics.exporting import export_build
from analytics.exports import (
    sav_write,
    sheet_names,
    tables_csv,
    tables_xlsx,
)
from analytics.models import ExportJob, JobStatus
from surveys.answers import wide_columns
from surveys.formats.codebook import codebook_csv, codebook_rows
from surveys.formats.io import responses_export, responses_import, wide_rows_read
from surveys.models import Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load


def level(language: str) -> dict:
    central, local = {"kk": ("Орталық", "=Жергілікті"), "ru": ("Центральный", "=Местный")}[language]
    return {
        "type": "single",
        "respondents": 12,
        "options": [
            {"code": "central", "label": central, "count": 9, "percent": 75.0},
            {"code": "local", "label": local, "count": None, "percent": None, "suppressed": True},
        ],
    }


CHANNELS = {
    "type": "matrix",
    "respondents": 12,
    "rows": [
        {"code": "meeting", "label": "Кездесу", "counts": {"0": 1, "1": 2, "5": 8}, "n": 10,
         "mean": 4.2, "sd": 1.6, "top2_percent": 80.0, "na": 1},
        {"code": "phone", "label": "Телефон", "counts": {"0": None, "1": None, "5": None},
         "n": None, "mean": None, "sd": None, "top2_percent": None, "na": None, "suppressed": True},
        {"code": "post", "label": "Пошта", "counts": {"0": 6, "1": None, "5": None}, "n": 6,
         "mean": 3.0, "sd": 1.2, "top2_percent": None, "na": 6, "counts_suppressed": True},
    ],
}  # fmt: skip
YEARS = {"type": "number", "n": 12, "mean": 9.5, "median": 8.0, "q1": 3.0, "q3": 14.0,
         "min": None, "max": None}  # fmt: skip
BY_LEVEL = {
    "type": "crosstab",
    "question": "general",
    "by": "level",
    "columns": [{"code": "central", "label": "Орталық", "respondents": 9},
                {"code": "local", "label": "Жергілікті", "respondents": 6}],
    "rows": [{"code": "5", "label": "5", "counts": [6, None], "percents": [66.7, None],
              "total": 7, "suppressed": [False, True]},
             {"code": "4", "label": "4", "counts": [3, 6], "percents": [33.3, 100.0],
              "total": 9, "suppressed": [False, False]}],
    "test": {"chi2": None, "dof": 1, "p": None, "p_below": 0.05, "cramers_v": None, "n": 15,
             "valid": False, "note": "Cells are suppressed."},
}  # fmt: skip
TITLES = {
    "kk": {"level": "Орган деңгейі", "channels": "Арналар", "years": "Жұмыс өтілі"},
    "ru": {"level": "Уровень органа", "channels": "Каналы", "years": "Стаж"},
}


def tables(language: str = "kk") -> dict:
    return {"level": level(language), "channels": CHANNELS, "years": YEARS, "by_level": BY_LEVEL}


def workbook(language: str = "kk") -> openpyxl.Workbook:
    out = io.BytesIO()
    titles = TITLES[language]
    tables_xlsx(tables(language), titles=titles, language=language, min_cell_size=5, out=out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def translated(language: str, *msgids: str) -> list[str]:
    with translation.override(language):
        return [gettext(m) for m in msgids]


# Tables ------------------------------------------------------------------------------------------


def test_xlsx_has_one_sheet_per_table_named_by_its_key():
    assert workbook().sheetnames == ["level", "channels", "years", "by_level"]


@pytest.mark.parametrize(
    ("language", "title", "central"),
    [("kk", "Орган деңгейі", "Орталық"), ("ru", "Уровень органа", "Центральный")],
)
def test_xlsx_sheet_has_title_header_and_labels_in_the_chosen_language(language, title, central):
    sheet = workbook(language)["level"]
    title_row, header, first, *_ = rows(sheet)
    assert title_row[0] == title
    assert header == translated(language, "Code", "Answer", "Count", "Percent")
    assert first == ["central", central, 9, 75.0]
    assert sheet["C3"].data_type == "n" and sheet["D3"].data_type == "n"
    assert rows(workbook(language)["by_level"])[0][0] == "by_level"  # no title given: the key


def test_xlsx_suppressed_cells_are_a_dash_with_a_note_naming_k_never_zero():
    found = rows(workbook()["level"])
    assert found[3][2:4] == ["—", "—"]
    assert found[-1][0].startswith("— ") and " 5 " in found[-1][0]
    channels = rows(workbook()["channels"])
    phone = next(row for row in channels if row[0] == "phone")
    assert phone[2:9] == ["—"] * 7
    assert channels[-1][0].startswith("— ")


def test_partly_withheld_scale_counts_keep_n_mean_and_sd_but_hide_top2():
    post = next(row for row in rows(workbook()["channels"]) if row[0] == "post")
    assert post[2:] == ["—", "—", 6, 6, 3.0, 1.2, "—"]


def test_withheld_min_and_max_of_a_number_are_dashes():
    years = {row[0]: row[1] for row in rows(workbook()["years"])[2:]}
    median, minimum = translated("kk", "Median", "Minimum")
    assert (years[median], years[minimum]) == (8.0, "—")


def test_xlsx_keeps_a_formula_looking_label_as_text():
    sheet = workbook()["level"]
    assert sheet["B4"].value == "=Жергілікті"
    assert sheet["B4"].data_type == "s"


def test_matrix_has_a_column_per_scale_point_cannot_assess_last():
    header, meeting = rows(workbook()["channels"])[1:3]
    assert header[2:5] == ["1", "5", *translated("kk", "Cannot assess")]
    assert meeting == ["meeting", "Кездесу", 2, 8, 1, 10, 4.2, 1.6, 80.0]


def test_scale_labels_name_the_matrix_columns():
    out = io.BytesIO()
    labels = {"channels": {"1": "Низкая", "0": "Не могу оценить"}}
    tables_xlsx(
        {"channels": CHANNELS}, titles={}, language="ru", min_cell_size=5, out=out,
        scale_labels=labels,
    )  # fmt: skip
    header = rows(openpyxl.load_workbook(io.BytesIO(out.getvalue()))["channels"])[1]
    assert header[2:5] == ["1 Низкая", "5", "Не могу оценить"]


def test_crosstab_sheet_has_counts_totals_percents_and_the_test():
    found = rows(workbook()["by_level"])
    assert found[1][2:7] == [
        "Орталық", "Жергілікті", *translated("kk", "Total"), "Орталық, %", "Жергілікті, %",
    ]  # fmt: skip
    assert found[2] == ["5", "5", 6, "—", 7, 66.7, "—"]
    assert found[3] == ["4", "4", 3, 6, 9, 33.3, 100.0]
    assert found[4][2:4] == [9, 6]
    assert [None, 1, None, 0.05, None, 15] in [row[:6] for row in found]
    assert "Cells are suppressed." in [row[0] for row in found]


def test_sheet_names_are_short_valid_and_unique():
    names = sheet_names(["a/b", "A_B", "x" * 40, "x" * 40, "[q]:*?", "History"])
    assert names[:2] == ["a_b", "A_B~2"]
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names}) == len(names)
    assert not any(c in name for name in names for c in "[]:*?/\\")
    assert names[-1] != "History"


def test_csv_is_one_bom_file_with_a_block_per_table():
    out = io.StringIO(newline="")
    tables_csv(tables("ru"), titles=TITLES["ru"], language="ru", min_cell_size=5, out=out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert lines[0] == ["Уровень органа"]
    assert lines[2] == ["central", "Центральный", "9", "75.0"]
    # a label that a spreadsheet would run as a formula is marked as text
    assert lines[3] == ["local", "'=Местный", "—", "—"]
    assert lines[lines.index(["Каналы"]) - 1] == []  # blocks are separated by a blank line
    notes = [line[0] for line in lines if line and line[0].startswith("— ")]
    assert len(notes) == 4 and all(" 5 " in note for note in notes)


def test_an_empty_set_of_tables_still_makes_a_workbook():
    out = io.BytesIO()
    tables_xlsx({}, titles={}, language="kk", min_cell_size=5, out=out)
    assert len(openpyxl.load_workbook(io.BytesIO(out.getvalue())).sheetnames) == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_csv_marks_every_formula_start_as_text_fullwidth_ones_too(start: str):
    table = level("ru")
    table["options"][0]["label"] = f'{start}HYPERLINK("http://x","y")'
    out = io.StringIO(newline="")
    tables_csv({"level": table}, titles=TITLES["ru"], language="ru", min_cell_size=5, out=out)
    lines = list(csv.reader(io.StringIO(out.getvalue()[1:])))
    assert lines[2][1] == f'\'{start}HYPERLINK("http://x","y")'


# Raw exports carry the codebook ------------------------------------------------------------------


@pytest.fixture
def answered(mini_survey, mini_schema, settings, tmp_path):
    """The mini survey with three complete responses, one with an "other" text and a formula."""
    settings.MEDIA_ROOT = tmp_path
    answers = [
        answers_fill(mini_schema, body="other", **{"body.other": "Әділет", "comment": "=1+2"}),
        answers_fill(mini_schema, level="local", barriers="gender language"),
        answers_fill(mini_schema, **{"channels.phone": "0"}),
    ]
    for data in answers:
        response_create(
            survey=mini_survey, schema=mini_schema, data=data, language="kk", source="web"
        )
    return mini_survey


def export_file(survey, fmt: str, settings, filters=None) -> Path:
    job = ExportJob.objects.create(
        survey=survey,
        kind=ExportJob.Kind.RESPONSES,
        format=fmt,
        language="ru",
        filters=filters or {},
    )
    export_build(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.COMPLETE, job.total)
    return Path(settings.MEDIA_ROOT) / job.file.name


@pytest.mark.django_db
def test_a_csv_export_is_a_zip_of_the_responses_and_the_codebook(answered, mini_schema, settings):
    path = export_file(answered, "csv", settings)

    assert path.name.endswith(".csv.zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["mini-responses.csv", "mini-codebook.csv"]
        responses = archive.read("mini-responses.csv").decode("utf-8")
        codebook = archive.read("mini-codebook.csv").decode("utf-8")
    # The responses entry is the response file as `responses_export` writes it, BOM and all.
    expected = io.StringIO(newline="")
    responses_export(survey=answered, fmt="csv", out=expected)
    assert responses == expected.getvalue()
    assert "'=1+2" in responses
    written = io.StringIO(newline="")
    codebook_csv(rows=codebook_rows(schema=mini_schema), out=written)
    assert codebook == written.getvalue() and codebook.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(codebook[1:])))
    assert [line[0] for line in lines[1:]] == next(csv.reader(io.StringIO(responses[1:])))


@pytest.mark.django_db
def test_a_filtered_csv_export_keeps_its_filter_in_the_zip(answered, settings):
    path = export_file(answered, "csv", settings, filters={"level": ["local"]})
    with zipfile.ZipFile(path) as archive:
        text = archive.read("mini-responses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["level"] for row in rows] == ["local"]


@pytest.mark.django_db
def test_an_xlsx_export_has_the_codebook_as_its_second_sheet(answered, mini_schema, settings):
    path = export_file(answered, "xlsx", settings)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["mini", "codebook"]
    responses = rows(book["mini"])
    assert responses[0] == ["language", "submitted_at", *wide_columns(mini_schema)]
    assert len(responses) == 4
    comment = responses[0].index("comment")
    first = book["mini"].cell(row=2, column=comment + 1)
    assert (first.value, first.data_type) == ("=1+2", "s")  # text, never a formula
    assert {row[responses[0].index("years")] for row in responses[1:]} == {5}  # numbers stay
    codebook = rows(book["codebook"])
    assert codebook[0][:4] == ["variable", "question", "section", "type"]
    assert [line[0] for line in codebook[1:]] == responses[0]


@pytest.mark.django_db
def test_an_exported_xlsx_imports_back_into_the_same_answers(answered, mini_schema, settings):
    # The import reads the first sheet: the codebook after it must not get in the way.
    path = export_file(answered, "xlsx", settings)
    before = answers_by_response(answered, mini_schema)
    Response.objects.filter(survey=answered).delete()

    with wide_rows_read(path=path) as wide:
        report = responses_import(survey=answered, columns=wide.columns, rows=wide, language="kk")

    assert report.ok, [str(e) for e in report.errors]
    assert answers_by_response(answered, mini_schema) == before


def answers_by_response(survey, schema) -> list:
    return [
        response_answers_get(response=r, schema=schema)
        for r in Response.objects.filter(survey=survey).order_by("id")
    ]


# The codebook and the .sav labels agree ---------------------------------------------------------


def clipped_from(label: str, text: str) -> bool:
    """`label` is `text`, or `text` cut by the .sav format's byte limit (ending in "…")."""
    return label == text or (label.endswith("…") and text.startswith(label[:-1]))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_codebook_and_the_sav_labels_agree_on_the_2022_questionnaire(tmp_path, language):
    schema = survey_schema_get(survey=survey_2022_load())
    rows = codebook_rows(schema=schema)
    path = tmp_path / "labels.sav"
    sav_write(schema=schema, records=[], language=language, path=path)
    _frame, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    row_of = {name: row for row in rows for name in row["spss"]}
    assert list(row_of) == meta.column_names

    with translation.override(language):
        chosen = {0: gettext("not chosen"), 1: gettext("chosen")}
    for name, label in meta.column_names_to_labels.items():
        row = row_of[name]
        text = row["text"][language]
        values = {v["code"]: v["label"][language] for v in row["values"]}
        if row["type"] == "multiple":
            option = row["values"][row["spss"].index(name)]
            expected_label = f"{text} — {option['label'][language]}"
            expected_values = chosen
        elif row["type"] == "single":
            expected_label = text
            expected_values = {i: values[code] for i, code in enumerate(values, start=1)}
        else:
            expected_label = text
            expected_values = {
                int(code) if code.isdigit() else code: value
                for code, value in values.items()
                if value
            }
        assert clipped_from(label, expected_label), (name, label, expected_label)
        found = meta.variable_value_labels.get(name, {})
        assert found.keys() == expected_values.keys(), name
        for key, value in found.items():
            assert clipped_from(value, expected_values[key]), (name, key, value)
