"""The codebook of a survey: one row per variable of the wide response format, in its order.

`language`, `submitted_at`, then `surveys.answers.wide_columns` (matrix cells `q.row`, "other"
texts `q.other`), each with its question and section, its type, its text and value labels in
Kazakh and Russian, its rules (required, number of choices, bounds), its display condition as
text, and the SPSS .sav variables it becomes. Texts and labels are those of the .sav file, taken
from the same functions (`surveys.formats.spss_variables`), so the two always agree; the codebook
holds them whole where the .sav has to cut long labels.

Rows are plain dicts (the API sends them as JSON); `codebook_csv` and `codebook_sheet_add` write
them flat, one line per variable. Pure: no request, no query, no file of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from django.utils import translation
from django.utils.translation import gettext as _

from surveys.answers import OTHER_SUFFIX
from surveys.decimals import decimal_number
from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT, csv_text_protect
from surveys.formats.io.xlsx_stream import BOLD, XlsxBook
from surveys.formats.spss_variables import SavVariable, sav_variables, scale_value_labels
from surveys.schema import Condition, QuestionSpec, SurveySchema, Text

LANGUAGES = ("kk", "ru")
SHEET_TITLE = "codebook"
# The wide format's types; both text types read alike to whoever analyses the data.
TYPES = {"short_text": "text", "long_text": "text"}
NUMBER_FIELDS = ("min_choices", "max_choices", "min", "max", "decimals")

Row = dict[str, Any]


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


# question code -> its coded variable's entries: (code, {"kk": label, "ru": label}) in order.
CodedEntries = Mapping[str, Sequence[tuple[str, dict[str, str]]]]
CODED_SUFFIX = "coded"


def codebook_rows(*, schema: SurveySchema, coded: CodedEntries | None = None) -> list[Row]:
    """One dict per wide column, in the order of the response files; see the module's doc.

    `coded` (the coding app's code books) adds after a question's rows the row of its coded
    variable `<question>.coded` (type "coded"): a derived variable, not a column of the files.
    """
    labelled = {language: sav_variables(schema=schema, language=language) for language in LANGUAGES}
    spss: dict[str, list[str]] = {}
    for variable in labelled["kk"]:
        spss.setdefault(variable.column, []).append(variable.name)
    system = {
        language: {v.column: v for v in variables if v.column in (LANGUAGE, SUBMITTED_AT)}
        for language, variables in labelled.items()
    }
    named = {lang: system[lang][LANGUAGE].value_labels for lang in LANGUAGES}
    rows = [
        _row(
            LANGUAGE,
            kind="language",
            text=_system_text(system, LANGUAGE),
            values=[
                _value(code, {lang: named[lang][code] for lang in LANGUAGES})
                for code in named["kk"]
            ],
            required=True,
        ),
        _row(SUBMITTED_AT, kind="datetime", text=_system_text(system, SUBMITTED_AT)),
    ]
    for question in schema.ordered_questions():
        rows.extend(_question_rows(schema, question))
        if coded and question.code in coded:
            rows.append(_coded_row(question, coded[question.code]))
    for row in rows:
        row["spss"] = spss.get(row["variable"], [])
    return rows


def codebook_table(
    *, rows: Iterable[Row], language: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The rows flat, as the CSV and the XLSX sheet show them: a header and one line a variable.

    Texts and values get a column per language (only `language`'s when given); values read
    `code=label; code=label`, the SPSS names are separated by spaces. Cells are text, numbers
    (whole but for a decimal's bounds), booleans (`required`) or None (nothing to say). An
    unlabelled scale point is its code alone: `1=Low; 2; 3; 4; 5=High`.
    """
    languages = LANGUAGES if language is None else (language,)
    header = [
        "variable",
        "question",
        "section",
        "type",
        *(f"text_{lang}" for lang in languages),
        *(f"values_{lang}" for lang in languages),
        "required",
        *NUMBER_FIELDS,
        "condition",
        "spss",
    ]
    lines = []
    for row in rows:
        values = {
            lang: "; ".join(
                f"{v['code']}={v['label'][lang]}" if v["label"][lang] else v["code"]
                for v in row["values"]
            )
            for lang in languages
        }
        lines.append(
            [
                row["variable"],
                row["question"],
                row["section"],
                row["type"],
                *(row["text"][lang] for lang in languages),
                *(values[lang] for lang in languages),
                row["required"],
                *(row[name] for name in NUMBER_FIELDS),
                row["condition"],
                " ".join(row["spss"]),
            ]
        )
    return header, lines


def codebook_csv(*, rows: Iterable[Row], out: TextSink, language: str | None = None) -> None:
    """The codebook as UTF-8 CSV with a BOM, like the response files; `out` opened newline="".

    Texts that a spreadsheet would run as a formula get the response files' apostrophe
    (`csv_text_protect`); the number columns are never prefixed, so a bound of -5 stays -5.
    """
    header, lines = codebook_table(rows=rows, language=language)
    out.write("\ufeff")  # Excel reads a CSV as UTF-8 only with the BOM
    writer = csv.writer(out)
    writer.writerow(header)
    for line in lines:
        writer.writerow([_csv_cell(cell) for cell in line])


def codebook_sheet_add(
    *, workbook: XlsxBook, rows: Iterable[Row], language: str | None = None
) -> None:
    """Append the codebook as a sheet titled "codebook" to `workbook`, its header bold and kept
    in view.

    Every text is a string cell, never a formula (`xlsx_stream` writes no other kind): labels
    are researchers' text and may start with "=".
    """
    header, lines = codebook_table(rows=rows, language=language)
    sheet = workbook.sheet_write(title=SHEET_TITLE, width=len(header), frozen_header=True)
    sheet.row_write(header, style=BOLD)
    for line in lines:
        sheet.row_write(line)


def condition_text(*, schema: SurveySchema, conditions: Sequence[Condition | None]) -> str | None:
    """Display conditions as one readable text: `level = central and barriers in (a, b)`.

    Options are listed in their question's order, so the same questionnaire gives the same text.
    """
    parts: list[str] = []
    for condition in conditions:
        if condition is None:
            continue
        asked = schema.questions.get(condition.question)
        order = {o.code: i for i, o in enumerate(asked.options)} if asked else {}
        codes = sorted(condition.options, key=lambda code: (order.get(code, len(order)), code))
        part = (
            f"{condition.question} = {codes[0]}"
            if len(codes) == 1
            else f"{condition.question} in ({', '.join(codes)})"
        )
        if part not in parts:
            parts.append(part)
    return " and ".join(parts) or None


def _question_rows(schema: SurveySchema, q: QuestionSpec) -> list[Row]:
    shown = [schema.section_by_code[q.section].condition, q.condition]
    common = {
        "question": q.code,
        "section": q.section,
        "required": q.required,
        "condition": condition_text(schema=schema, conditions=shown),
    }
    text = _both(q.text)
    if q.type == "matrix":
        values = _scale_values(q)
        return [
            _row(
                f"{q.code}.{r.code}",
                kind="matrix",
                text=_joined(text, _both(r.label)),
                values=values,
                minimum=q.scale_min,
                maximum=q.scale_max,
                **common,
            )
            for r in q.rows
        ]
    row = _row(q.code, kind=TYPES.get(q.type, q.type), text=text, **common)
    if q.is_choice:
        row["values"] = [_value(o.code, _both(o.label)) for o in q.options]
    if q.type == "multiple":
        row["min_choices"], row["max_choices"] = q.min_choices, q.max_choices
    elif q.type == "rating":
        row["values"], row["min"], row["max"] = _scale_values(q), q.scale_min, q.scale_max
    elif q.type == "number":
        row["min"], row["max"] = q.number_min, q.number_max
    elif q.type == "decimal":
        row["min"], row["max"] = decimal_number(q.decimal_min), decimal_number(q.decimal_max)
        row["decimals"] = q.decimals
    rows = [row]
    if q.is_choice and (other := q.other_option) is not None:
        # The text is asked for exactly when the "other" option is chosen, and then it must be.
        chosen = Condition(q.code, frozenset({other.code}))
        rows.append(
            _row(
                f"{q.code}.{OTHER_SUFFIX}",
                kind="other_text",
                text=_joined(text, _both(other.label)),
                **{
                    **common,
                    "required": True,
                    "condition": condition_text(schema=schema, conditions=[*shown, chosen]),
                },
            )
        )
    return rows


def _coded_row(q: QuestionSpec, entries: Sequence[tuple[str, dict[str, str]]]) -> Row:
    text = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            text[lang] = f"{q.text.get(lang)} ({_('Coded: options + coded other answers')})"
    return _row(
        f"{q.code}.{CODED_SUFFIX}",
        kind="coded",
        text=text,
        question=q.code,
        section=q.section,
        values=[_value(code, dict(label)) for code, label in entries],
    )


def _row(
    variable: str,
    *,
    kind: str,
    text: dict[str, str],
    question: str | None = None,
    section: str | None = None,
    values: list[dict[str, Any]] | None = None,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
    condition: str | None = None,
) -> Row:
    return {
        "variable": variable,
        "question": question,
        "section": section,
        "type": kind,
        "text": text,
        "values": values or [],
        "required": required,
        "min_choices": None,
        "max_choices": None,
        "min": minimum,
        "max": maximum,
        "decimals": None,
        "condition": condition,
        "spss": [],
    }


def _value(code: object, label: dict[str, str]) -> dict[str, Any]:
    return {"code": str(code), "label": label}


def _both(text: Text) -> dict[str, str]:
    # As the form and the .sav show it: a text missing in one language falls back to the other.
    return {language: text.get(language) for language in LANGUAGES}


def _joined(first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
    return {language: f"{first[language]} — {second[language]}" for language in LANGUAGES}


def _system_text(system: dict[str, dict[str, SavVariable]], column: str) -> dict[str, str]:
    return {language: system[language][column].label for language in LANGUAGES}


def _scale_values(q: QuestionSpec) -> list[dict[str, Any]]:
    """Every point of the scale ("cannot assess" 0 first, where offered), labelled or not."""
    labels = {language: scale_value_labels(question=q, language=language) for language in LANGUAGES}
    points = sorted({*q.scale_points(), *labels["kk"], *labels["ru"]})
    return [
        _value(point, {language: labels[language].get(point, "") for language in LANGUAGES})
        for point in points
    ]


def _csv_cell(cell: Any) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int | float):
        return cell
    return csv_text_protect(cell)
