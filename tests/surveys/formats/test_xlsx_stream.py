"""The streaming XLSX writer (surveys/formats/io/xlsx_stream.py) and the weight column of exports.

The writer replaced openpyxl's write-only mode for the raw exports (issue 18); every cell must
read back as openpyxl wrote it, so these tests write the same cells both ways and compare.
"""

import csv
import io
import zipfile

import openpyxl
import pytest
from lxml import etree
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from surveys.answers import wide_columns
from surveys.formats.io import responses_export
from surveys.formats.io.columns import XLSX_CR
from surveys.formats.io.write import WeightsMismatch, _xlsx_cell
from surveys.formats.io.xlsx_stream import BOLD, XlsxBook
from surveys.models import Response
from surveys.services import response_create

# Texts an answer can hold, each a trap for a spreadsheet writer.
TEXTS = [
    "Бәрі жақсы, рақмет",
    "Всё хорошо",
    "=SUM(A1:A9)",
    '=HYPERLINK("http://x","y")',
    *ERROR_CODES,
    "#N/A ",
    "123",
    "1e5",
    "TRUE",
    "http://example.kz/сауалнама",
    "Жол 1\r\nЖол 2\n\tЖол 3",
    "  leading space",
    "trailing space ",
    "\ttab first",
    "a & b < c > d \"q\" 'a'",
    "]]>",
    "_x000D_ written by hand",
    "😀 \u2028 \u00a0",
    "Ә" * 40000,  # past Excel's 32,767 characters: cut there, as openpyxl cut
]
NUMBERS = [
    "5",
    "0",
    "05",
    "-0",
    "-3",
    "123456789012345",
    "1234567890123456",
    "2.50",
    "0.1",
    "12345678901234567",
    "3.14159265358979323",
]


def openpyxl_values(cells: list[object]) -> list[tuple[str, object]]:
    """How openpyxl's write-only mode, as the export used it, wrote and read back `cells`."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title="s")
    row = []
    for value in cells:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value.replace("\r", XLSX_CR))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return read_back(out.getvalue())


def read_back(data: bytes) -> list[tuple[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [(type(v).__name__, v) for row in sheet.values for v in row]


def streamed(texts: list[str], numbers: list[str]) -> bytes:
    out = io.BytesIO()
    with XlsxBook(out) as book:
        sheet = book.sheet_write(title="s", width=len(texts) + len(numbers))
        cells = [
            _xlsx_cell(f"{ref}1", value, kind)
            for ref, value, kind in zip(
                sheet.refs,
                [*texts, *numbers],
                [False] * len(texts) + [True] * len(numbers),
                strict=True,
            )
        ]
        sheet.row_xml_write("".join(cells))
    return out.getvalue()


def test_answer_cells_read_back_as_openpyxl_wrote_them():
    expected = openpyxl_values([*TEXTS, *(float(n) if "." in n else int(n) for n in NUMBERS)])
    got = read_back(streamed(TEXTS, NUMBERS))
    assert got == expected
    assert [kind for kind, _value in got[: len(TEXTS)]] == ["str"] * len(TEXTS)
    assert got[TEXTS.index("Жол 1\r\nЖол 2\n\tЖол 3")][1] == "Жол 1_x000D_\nЖол 2\n\tЖол 3"
    assert len(got[len(TEXTS) - 1][1]) == 32767


def test_no_cell_is_ever_a_formula_or_an_error_value():
    data = streamed(TEXTS, [])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert {cell.data_type for cell in sheet[1]} == {"s"}


def test_every_part_is_well_formed_xml_and_the_package_lists_the_sheets():
    out = io.BytesIO()
    with XlsxBook(out) as book:
        book.sheet_write(title="Жауаптар & <1>", width=2).row_write(["a", 1])
        book.sheet_write(title="codebook", width=1, frozen_header=True).row_write(["b"])
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            etree.fromstring(archive.read(name))  # raises on malformed XML
        types = archive.read("[Content_Types].xml").decode()
    assert "/xl/worksheets/sheet2.xml" in types
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["Жауаптар & <1>", "codebook"]
    assert book["codebook"].freeze_panes == "A2"


def test_typed_rows_keep_types_and_text_keeps_its_carriage_returns():
    out = io.BytesIO()
    with XlsxBook(out) as book:
        sheet = book.sheet_write(title="s", width=8)
        sheet.row_write(["name", "n"], style=BOLD)
        sheet.row_write(["a\rb\r\nc", True, False, -5, 2.5, None, "", "=1+1"])
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook.worksheets[0]
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert [c.value for c in sheet[2]] == ["a\rb\r\nc", True, False, -5, 2.5, None, None, "=1+1"]
    assert sheet["H2"].data_type == "s"


def test_control_characters_are_dropped_rather_than_breaking_the_file():
    # openpyxl refused them (IllegalCharacterError: the whole export failed); XML cannot hold them.
    assert read_back(streamed(["a\x01b\x1fc\ufffe"], [])) == [("str", "abc")]


def test_a_failed_export_leaves_no_half_written_package_open():
    out = io.BytesIO()
    with pytest.raises(RuntimeError), XlsxBook(out) as book:
        book.sheet_write(title="s", width=1).row_write(["a"])
        raise RuntimeError("the database went away")


# The weight column, written with the responses ------------------------------------------------

ANSWERS = {
    "level": "local",
    "years": "3",
    "channels.meeting": "1",
    "channels.phone": "2",
    "barriers": "none",
    "general": "2",
    "comment": "=1+1",
}


@pytest.fixture
def three(mini_survey, mini_schema):
    for language in ("kk", "ru", "kk"):
        response_create(
            survey=mini_survey,
            schema=mini_schema,
            data=ANSWERS,
            language=language,
            source=Response.Source.WEB,
        )
    return mini_survey


def test_csv_weights_are_the_last_column_in_response_order(three, mini_schema):
    out = io.StringIO(newline="")
    weights = (w for w in [0.583333, 1.0, 0.0])  # an iterator, read once
    assert responses_export(survey=three, fmt="csv", out=out, weights=weights) == 3
    header, *rows = csv.reader(io.StringIO(out.getvalue()[1:]))
    assert header == ["language", "submitted_at", *wide_columns(mini_schema), "weight"]
    assert [row[-1] for row in rows] == ["0.583333", "1.0", "0.0"]
    assert [row[0] for row in rows] == ["kk", "ru", "kk"]
    plain = io.StringIO(newline="")
    responses_export(survey=three, fmt="csv", out=plain)
    assert [row[:-1] for row in csv.reader(io.StringIO(out.getvalue()[1:]))] == list(
        csv.reader(io.StringIO(plain.getvalue()[1:]))
    )


def test_xlsx_weights_are_numbers_in_the_last_column(three, mini_schema):
    out = io.BytesIO()
    assert responses_export(survey=three, fmt="xlsx", out=out, weights=[0.583333, 1.0, 0.0]) == 3
    header, *rows = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0].values
    assert header == ("language", "submitted_at", *wide_columns(mini_schema), "weight")
    # As openpyxl wrote them: a whole float reads back as an int.
    assert [row[-1] for row in rows] == [0.583333, 1, 0]
    assert {row[header.index("comment")] for row in rows} == {"=1+1"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("weights", [[1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
def test_too_few_or_too_many_weights_fail_the_export(three, fmt, weights):
    out = io.StringIO(newline="") if fmt == "csv" else io.BytesIO()
    with pytest.raises(WeightsMismatch):
        responses_export(survey=three, fmt=fmt, out=out, weights=iter(weights))
