"""Downloads (analytics/exports.py): results tables as CSV/XLSX, raw responses as SPSS .sav."""

import csv
import io

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from analytics.exports import (
    sheet_names,
    tables_csv,
    tables_xlsx,
)


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
