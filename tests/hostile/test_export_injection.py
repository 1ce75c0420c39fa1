"""Exported CSV and XLSX cells never run as formulas, and the CSV still imports back exactly.

Respondents write what they like into text answers and "other" fields; researchers open the
exports in a spreadsheet. A CSV text cell that would run as a formula carries a leading
apostrophe, which the importer takes off again; an XLSX text cell is a string cell; numbers,
negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.exporting import export_build
from analytics.exports import tables_csv, tables_xlsx
from analytics.models import ExportJob
from surveys.formats.io import (
    LANGUAGE,
    SUBMITTED_AT,
    responses_export,
    responses_import,
    wide_rows_read,
)
from surveys.models import Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import response_create
from tests.hostile.conftest import FORMULAS, hostile

# What a spreadsheet runs as a formula when a cell starts with it (fullwidth forms included).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
NUMERIC = {"years", "channels.meeting", "channels.phone", "general"}
WHOLE_NUMBER = re.compile(r"-?\d+")
BASE = {
    "level": "central",
    "years": "3",
    "channels.meeting": "4",
    "channels.phone": "0",
    "general": "5",
}


def storable_text():
    """Texts an answer can hold (no control characters but tab and line breaks), many of them
    starting like a formula, after apostrophes or not."""
    plain = st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r'"),
        max_size=20,
    )
    start = st.sampled_from([*FORMULAS, *FORMULA_START, "'", "''", ""])
    return st.builds(lambda a, b: (a + b).strip(), start, plain).filter(
        lambda t: t and "\x00" not in t and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", t)
    )


def store(survey, schema, comment: str, other: str, years: int) -> None:
    data = {
        **BASE,
        "years": str(years),
        "body": "other",
        "body.other": other,
        "barriers": "other",
        "barriers.other": other,
        "comment": comment,
    }
    response_create(survey=survey, schema=schema, data=data, language="kk", source="web")


def snapshot(survey, schema) -> list:
    return [
        response_answers_get(response=r, schema=schema)
        for r in Response.objects.filter(survey=survey).order_by("id")
    ]


def csv_export(survey) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    responses_export(survey=survey, fmt="csv", out=out)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def assert_csv_cells_safe(records: list[dict[str, str]]) -> None:
    for record in records:
        for column, cell in record.items():
            if column in NUMERIC:
                assert cell == "" or WHOLE_NUMBER.fullmatch(cell), (column, cell)
            else:
                assert not cell.startswith(FORMULA_START), (column, cell)


@pytest.fixture
def signed_years(mini_survey):
    """The mini survey with a number question that allows negative numbers."""
    mini_survey.questions.filter(code="years").update(number_min=-50)
    return survey_schema_get(survey=mini_survey)


@pytest.mark.django_db
@hostile(max_examples=25)
@given(
    texts=st.lists(st.tuples(storable_text(), storable_text()), min_size=1, max_size=3),
    years=st.integers(-50, 50),
)
def test_csv_cells_never_run_as_formulas_and_import_back_exactly(
    mini_survey, signed_years, tmp_path, texts, years
):
    schema = signed_years
    Response.objects.filter(survey=mini_survey).delete()
    for comment, other in texts:
        store(mini_survey, schema, comment, other, years)
    before = snapshot(mini_survey, schema)
    records = csv_export(mini_survey)

    assert_csv_cells_safe(records)
    assert {r["years"] for r in records} == {str(years)}

    path = tmp_path / "export.csv"
    out = io.StringIO(newline="")
    responses_export(survey=mini_survey, fmt="csv", out=out)
    path.write_text(out.getvalue(), encoding="utf-8")
    Response.objects.filter(survey=mini_survey).delete()
    with wide_rows_read(path=path) as rows:
        report = responses_import(
            survey=mini_survey, columns=rows.columns, rows=rows, language="kk"
        )
    assert report.ok, [str(e) for e in report.errors]
    assert snapshot(mini_survey, schema) == before


def xlsx_cells(content: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    for row in sheet.iter_rows(min_row=2):
        yield from zip(header, row, strict=True)


@pytest.mark.django_db
@hostile(max_examples=15)
@given(
    texts=st.lists(st.tuples(storable_text(), storable_text()), min_size=1, max_size=3),
    years=st.integers(-50, 50),
)
def test_xlsx_text_cells_are_strings_and_import_back_exactly(
    mini_survey, signed_years, tmp_path, texts, years
):
    schema = signed_years
    Response.objects.filter(survey=mini_survey).delete()
    for comment, other in texts:
        store(mini_survey, schema, comment, other, years)
    before = snapshot(mini_survey, schema)
    path = tmp_path / "export.xlsx"
    with path.open("wb") as out:
        responses_export(survey=mini_survey, fmt="xlsx", out=out)

    for column, cell in xlsx_cells(path.read_bytes()):
        if cell.value is None:
            continue
        expected = "n" if column in NUMERIC else "s"
        assert cell.data_type == expected, (column, cell.value)

    Response.objects.filter(survey=mini_survey).delete()
    with wide_rows_read(path=path) as rows:
        report = responses_import(
            survey=mini_survey, columns=rows.columns, rows=rows, language="kk"
        )
    assert report.ok, [str(e) for e in report.errors]
    assert snapshot(mini_survey, schema) == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_raw_responses_download_is_protected_too(
    mini_survey, signed_years, settings, tmp_path, fmt
):
    settings.MEDIA_ROOT = tmp_path
    for text in FORMULAS:
        if text.strip() == text:
            store(mini_survey, signed_years, text, text, -1)
    job = ExportJob.objects.create(
        survey=mini_survey, kind=ExportJob.Kind.RESPONSES, format=fmt, language="kk"
    )

    export_build(job_id=job.pk)

    job.refresh_from_db()
    content = (tmp_path / job.file.name).read_bytes()
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:  # the responses and the codebook
            content = archive.read(f"{mini_survey.slug}-responses.csv")
        records = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert_csv_cells_safe(records)
        assert {r["comment"] for r in records} >= {'\'=HYPERLINK("http://x","y")', "'-1+1"}
        assert {r["years"] for r in records} == {"-1"}
    else:
        cells = list(xlsx_cells(content))
        assert all(c.data_type == "s" for name, c in cells if name == "comment")
        assert {c.value for name, c in cells if name == "years"} == {-1}


# The aggregated tables ---------------------------------------------------------------------------

ASCII_FORMULA_START = FORMULA_START[:6]


@given(
    labels=st.lists(
        st.builds(lambda a, b: a + b, st.sampled_from([*FORMULAS, ""]), st.text(max_size=8)),
        min_size=1,
        max_size=4,
    ),
    title=st.sampled_from(FORMULAS),
    mean=st.floats(-100, 100, allow_nan=False),
)
@hostile(max_examples=40)
def test_tables_downloads_never_write_a_label_as_a_formula(labels, title, mean):
    options = [
        {"code": f"o{i}", "label": label, "count": i, "percent": -1.5}
        for i, label in enumerate(labels)
    ]
    tables = {
        "q": {"type": "single", "options": options, "respondents": 9},
        "n": {"type": "number", "n": 9, "mean": mean, "min": -3, "max": 4},
    }
    titles = {"q": title, "n": title}
    out = io.StringIO(newline="")
    tables_csv(tables, titles=titles, language="ru", min_cell_size=5, out=out)
    for line in csv.reader(io.StringIO(out.getvalue()[1:])):
        for cell in line:
            number = re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", cell)
            assert number or not cell.startswith(ASCII_FORMULA_START), cell

    binary = io.BytesIO()
    tables_xlsx(tables, titles=titles, language="ru", min_cell_size=5, out=binary)
    book = openpyxl.load_workbook(io.BytesIO(binary.getvalue()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"


def test_the_columns_checked_are_the_mini_survey_columns(mini_schema):
    from surveys.formats.io.write import _numeric_columns

    assert _numeric_columns(mini_schema) == NUMERIC
    assert LANGUAGE not in NUMERIC and SUBMITTED_AT not in NUMERIC
