"""The codebook (surveys/formats/codebook.py): one row per wide column, labelled in kk and ru."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext

from surveys.answers import wide_columns
from surveys.formats.codebook import (
    codebook_csv,
    codebook_rows,
    codebook_sheet_add,
    condition_text,
)
from surveys.formats.io.xlsx_stream import XlsxBook
from surveys.formats.spss_variables import sav_variables
from surveys.schema import (
    Condition,
    OptionSpec,
    QuestionSpec,
    SectionSpec,
    SurveySchema,
    Text,
)
from surveys.selectors import survey_schema_get
from tests.factories import survey_2022_load


def by_variable(rows: list[dict]) -> dict[str, dict]:
    return {row["variable"]: row for row in rows}


def translated(msgid: str) -> dict[str, str]:
    texts = {}
    for language in ("kk", "ru"):
        with translation.override(language):
            texts[language] = gettext(msgid)
    return texts


def label(value: str, kk: str, ru: str) -> dict:
    return {"code": value, "label": {"kk": kk, "ru": ru}}


def hand_schema() -> SurveySchema:
    """A section shown on a condition, a scale whose "cannot assess" has no label of its own,
    texts a spreadsheet would run as formulas, and a number that may be negative."""
    t = Text
    questions = [
        QuestionSpec(1, "level", "single", "one", t("Деңгей", "Уровень"), options=(
            OptionSpec(1, "central", t("Орталық", "Центральный")),
            OptionSpec(2, "local", t("Жергілікті", "Местный")),
            OptionSpec(3, "region", t("Облыс", "")),
        )),
        QuestionSpec(2, "trust", "rating", "two", t("=Сенім", "=Доверие"), scale_min=1,
                     scale_max=3, scale_na=True, scale_labels=((3, t("Жоғары", "Высокое")),),
                     condition=Condition("level", frozenset({"region", "central"}))),
        QuestionSpec(3, "delta", "number", "two", t("-Айырма", "-Разница"), number_min=-5,
                     number_max=5, required=False),
        QuestionSpec(4, "note", "short_text", "two", t("Ескерту", "Заметка"), required=False,
                     condition=Condition("level", frozenset({"central"}))),
    ]  # fmt: skip
    sections = (
        SectionSpec(1, "one", t("Бір", "Один"), ("level",)),
        SectionSpec(
            2, "two", t("Екі", "Два"), ("trust", "delta", "note"),
            condition=Condition("level", frozenset({"central"})),
        ),
    )  # fmt: skip
    return SurveySchema(
        survey_id=1, slug="hand", sections=sections, questions={q.code: q for q in questions}
    )


# The rows ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_row_per_wide_column_in_the_files_order(mini_schema):
    rows = codebook_rows(schema=mini_schema)
    assert [r["variable"] for r in rows] == ["language", "submitted_at", *wide_columns(mini_schema)]
    assert "channels.meeting" in by_variable(rows) and "barriers.other" in by_variable(rows)
    assert "channels" not in by_variable(rows)  # a matrix has its cells, no column of its own


@pytest.mark.django_db
def test_the_system_columns_are_labelled_as_in_the_sav(mini_schema):
    rows = by_variable(codebook_rows(schema=mini_schema))
    language = rows["language"]
    assert (language["type"], language["question"], language["required"]) == (
        "language",
        None,
        True,
    )
    assert language["text"] == translated("Language of the response")
    kazakh, russian = translated("Kazakh"), translated("Russian")
    assert language["values"] == [
        label("kk", kazakh["kk"], kazakh["ru"]),
        label("ru", russian["kk"], russian["ru"]),
    ]
    assert language["text"]["kk"] != language["text"]["ru"]  # translated, not the msgid
    submitted = rows["submitted_at"]
    assert submitted["type"] == "datetime" and submitted["required"] is False
    assert submitted["text"]["ru"].endswith("(Asia/Almaty)")


@pytest.mark.django_db
def test_choice_rows_carry_their_options_rules_and_condition(mini_schema):
    rows = by_variable(codebook_rows(schema=mini_schema))
    body = rows["body"]
    assert body == {
        "variable": "body",
        "question": "body",
        "section": "one",
        "type": "single",
        "text": {"kk": "Орган", "ru": "Орган"},
        "values": [
            label("finance", "Қаржы министрлігі", "Министерство финансов"),
            label("other", "Басқа", "Другое"),
        ],
        "required": True,
        "min_choices": None,
        "max_choices": None,
        "min": None,
        "max": None,
        "decimals": None,
        "condition": "level = central",
        "spss": ["body"],
    }
    other = rows["body.other"]
    assert other["type"] == "other_text" and other["question"] == "body"
    assert other["text"] == {"kk": "Орган — Басқа", "ru": "Орган — Другое"}
    assert other["condition"] == "level = central and body = other"
    assert other["spss"] == ["body_other_text"] and other["values"] == []

    barriers = rows["barriers"]
    assert barriers["type"] == "multiple"
    assert (barriers["min_choices"], barriers["max_choices"]) == (1, 3)
    assert [v["code"] for v in barriers["values"]] == [
        "perception", "language", "emotional", "gender", "none", "other"
    ]  # fmt: skip
    # One 0/1 variable per option in the .sav.
    assert barriers["spss"] == [f"barriers_{v['code']}" for v in barriers["values"]]
    assert rows["barriers.other"]["condition"] == "barriers = other"


@pytest.mark.django_db
def test_matrix_cells_rating_and_number_rows(mini_schema):
    rows = by_variable(codebook_rows(schema=mini_schema))
    cell = rows["channels.meeting"]
    assert (cell["question"], cell["section"], cell["type"]) == ("channels", "two", "matrix")
    assert cell["text"] == {"kk": "Арналар — Кездесу", "ru": "Каналы — Встреча"}
    assert (cell["min"], cell["max"], cell["spss"]) == (1, 5, ["channels_meeting"])
    assert cell["values"] == [
        label("0", "Бағалай алмаймын", "Не могу оценить"),
        label("1", "Төмен", "Низкая"),
        label("2", "", ""),
        label("3", "", ""),
        label("4", "", ""),
        label("5", "Өте жақсы", "Отлично"),
    ]
    general = rows["general"]
    assert general["type"] == "rating" and (general["min"], general["max"]) == (1, 5)
    assert [v["code"] for v in general["values"]] == ["1", "2", "3", "4", "5"]
    years = rows["years"]
    assert (years["type"], years["min"], years["max"], years["values"]) == ("number", 0, 50, [])
    comment = rows["comment"]
    assert (comment["type"], comment["required"]) == ("text", False)


def test_section_and_question_conditions_combine():
    rows = by_variable(codebook_rows(schema=hand_schema()))
    # The question's own condition follows its section's, options in the question's order.
    assert rows["trust"]["condition"] == "level = central and level in (central, region)"
    assert rows["delta"]["condition"] == "level = central"
    assert rows["note"]["condition"] == "level = central"  # said once, not twice
    assert rows["level"]["condition"] is None


def test_condition_text_lists_options_in_the_questions_order():
    schema = hand_schema()
    several = Condition("level", frozenset({"region", "local", "central"}))
    assert condition_text(schema=schema, conditions=[several]) == (
        "level in (central, local, region)"
    )
    assert condition_text(schema=schema, conditions=[None, None]) is None


def test_an_unlabelled_cannot_assess_gets_the_sav_label_and_texts_fall_back():
    rows = by_variable(codebook_rows(schema=hand_schema()))
    trust = rows["trust"]
    cannot = translated("Cannot assess")
    assert trust["values"][0] == label("0", cannot["kk"], cannot["ru"])
    assert [v["code"] for v in trust["values"]] == ["0", "1", "2", "3"]
    # A label missing in Russian is shown as the Kazakh one, as the form and the .sav show it.
    assert rows["level"]["values"][2] == label("region", "Облыс", "Облыс")


@pytest.mark.django_db
def test_the_2022_questionnaire():
    schema = survey_schema_get(survey=survey_2022_load())
    rows = codebook_rows(schema=schema)
    found = by_variable(rows)
    assert [r["variable"] for r in rows] == ["language", "submitted_at", *wide_columns(schema)]
    for row in rows:
        assert row["text"]["kk"] and row["text"]["ru"], row["variable"]
        assert row["text"]["kk"] != row["text"]["ru"], row["variable"]
        for value in row["values"]:
            assert set(value["label"]) == {"kk", "ru"}
    central = found["rate_central.presidential_administration"]
    assert central["condition"] == "body_level = central"
    assert central["values"][0]["code"] == "0"  # "cannot assess" is offered there
    assert central["values"][0]["label"]["ru"].startswith("Не могу оценить")
    assert found["understanding.other"]["type"] == "other_text"
    # Every .sav variable is named by exactly one codebook row, in the .sav's order.
    names = [name for row in rows for name in row["spss"]]
    assert names == [v.name for v in sav_variables(schema=schema, language="ru")]


# The files --------------------------------------------------------------------------------------


def csv_lines(rows: list[dict], language: str | None = None) -> list[list[str]]:
    out = io.StringIO(newline="")
    codebook_csv(rows=rows, out=out, language=language)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.django_db
def test_csv_one_line_per_variable_with_both_languages(mini_schema):
    rows = codebook_rows(schema=mini_schema)
    header, *lines = csv_lines(rows)
    assert header == [
        "variable", "question", "section", "type", "text_kk", "text_ru", "values_kk",
        "values_ru", "required", "min_choices", "max_choices", "min", "max", "decimals",
        "condition", "spss",
    ]  # fmt: skip
    assert [line[0] for line in lines] == [r["variable"] for r in rows]
    meeting = dict(
        zip(header, lines[[r["variable"] for r in rows].index("channels.meeting")], strict=True)
    )
    assert meeting["values_kk"] == "0=Бағалай алмаймын; 1=Төмен; 2; 3; 4; 5=Өте жақсы"
    assert meeting["values_ru"] == "0=Не могу оценить; 1=Низкая; 2; 3; 4; 5=Отлично"
    assert (meeting["required"], meeting["min"], meeting["max"]) == ("true", "1", "5")
    barriers = dict(
        zip(header, lines[[r["variable"] for r in rows].index("barriers")], strict=True)
    )
    assert barriers["spss"].split() == [f"barriers_{o}" for o in (
        "perception", "language", "emotional", "gender", "none", "other"
    )]  # fmt: skip
    assert barriers["min_choices"] == "1" and barriers["condition"] == ""


@pytest.mark.django_db
def test_csv_in_one_language(mini_schema):
    header, *lines = csv_lines(codebook_rows(schema=mini_schema), language="ru")
    assert "text_ru" in header and "text_kk" not in header and "values_kk" not in header
    assert lines[2][header.index("text_ru")] == "Уровень органа"


def test_csv_texts_never_run_as_formulas_but_numbers_stay_numbers():
    header, *lines = csv_lines(codebook_rows(schema=hand_schema()))
    trust = dict(zip(header, next(line for line in lines if line[0] == "trust"), strict=True))
    delta = dict(zip(header, next(line for line in lines if line[0] == "delta"), strict=True))
    assert (trust["text_kk"], trust["text_ru"]) == ("'=Сенім", "'=Доверие")
    assert delta["text_ru"] == "'-Разница"
    assert (delta["min"], delta["max"], delta["required"]) == ("-5", "5", "false")


def test_the_xlsx_sheet_writes_texts_as_strings():
    out = io.BytesIO()
    rows = codebook_rows(schema=hand_schema())
    with XlsxBook(out) as workbook:
        workbook.sheet_write(title="responses", width=1).row_write(["language"])
        codebook_sheet_add(workbook=workbook, rows=rows)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["responses", "codebook"]
    sheet = book["codebook"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold and not sheet["A2"].font.bold
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["variable", "question", "section", "type", "text_kk"]
    lines = {
        row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)
    }
    assert list(lines) == [r["variable"] for r in rows]
    trust = lines["trust"]
    assert trust["text_kk"].value == "=Сенім" and trust["text_kk"].data_type == "s"
    assert lines["delta"]["min"].value == -5 and lines["delta"]["required"].value is False
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
