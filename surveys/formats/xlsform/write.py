"""A questionnaire definition mapping -> an XLSForm workbook that pyxform converts and that
`xlsform.read` reads back to the same mapping (docs/xlsform.md).

Every fact of our model is written the way XLSForm tools understand it (a matrix is a table-list
group, a rating a select_one over its scale points, "other" an `<q>_other` text shown when it is
chosen); the few they have no word for go in `saualnama_*` columns, which pyxform ignores.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from surveys.decimals import decimal_plain
from surveys.formats.definition_checks import DECIMALS_DEFAULT
from surveys.formats.xlsform.expr import bounds_write, choice_constraint_write, relevant_write
from surveys.formats.xlsform.sheets import LANGUAGE_NAMES

Node = dict[str, Any]
LANGS = ("kk", "ru")
SURVEY_COLUMNS = [
    "type",
    "name",
    *(f"label::{LANGUAGE_NAMES[lang]}" for lang in LANGS),
    *(f"hint::{LANGUAGE_NAMES[lang]}" for lang in LANGS),
    "required",
    "relevant",
    "constraint",
    "appearance",
    "parameters",
    "saualnama_na",
    "saualnama_code",
]
CHOICE_COLUMNS = ["list_name", "name", *(f"label::{LANGUAGE_NAMES[lang]}" for lang in LANGS)]


class _Names:
    """XLSForm names: each element's code, except where XLSForm would refuse it (the reserved
    `meta`, or a name that a condition's `${name}` would find twice, such as a section coded like
    a question); such an element gets a free name and its code in `saualnama_code`."""

    RESERVED = frozenset({"meta"})

    def __init__(self, questions: set[str]) -> None:
        self.used = questions - self.RESERVED
        self.question = {
            code: self.free(code) if code in self.RESERVED else code for code in questions
        }

    def free(self, base: str) -> str:
        name, n = base, 1
        while name in self.used or name in self.RESERVED:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name


class _Sheets:
    def __init__(self, types: dict[str, str]) -> None:
        self.types = types  # question code -> type, for conditions
        self.names = _Names(set(types))
        self.survey: list[list[Any]] = []
        self.choices: list[list[Any]] = []

    def row(self, type_: str, name: str, **cells: Any) -> None:
        label, hint = cells.pop("label", None) or {}, cells.pop("hint", None) or {}
        show_if = cells.pop("show_if", None)
        if show_if:
            single = self.types.get(show_if["question"]) == "single"
            target = self.names.question[show_if["question"]]
            cells["relevant"] = relevant_write(target, show_if["options"], single)
        self.survey.append(
            [
                type_,
                name,
                *(label.get(lang) or None for lang in LANGS),
                *(hint.get(lang) or None for lang in LANGS),
                "yes" if cells.get("required") else None,
                cells.get("relevant"),
                cells.get("constraint") or None,
                cells.get("appearance"),
                cells.get("parameters"),
                "yes" if cells.get("na") else None,
                # The code where the name does not give it (a matrix row's name is
                # `<matrix>_<row>`).
                None
                if name == cells.get("default_code", cells.get("code", name))
                else cells["code"],
            ]
        )

    def choice(self, list_name: str, name: str, label: dict[str, str]) -> None:
        self.choices.append([list_name, name, *(label.get(lang) or None for lang in LANGS)])

    def scale(self, list_name: str, scale: Node) -> None:
        labels = scale.get("labels") or {}
        points = ([0] if scale.get("na") else []) + list(range(scale["min"], scale["max"] + 1))
        for value in points:
            # A point without words is labelled with its number, which reads back as no words.
            label = labels.get(value) or {lang: str(value) for lang in LANGS}
            self.choice(list_name, str(value), label)

    def question(self, q: Node) -> None:
        code, qtype = q["code"], q["type"]
        name = self.names.question[code]
        common = {
            "label": q["text"],
            "hint": q.get("help"),
            "required": q.get("required", True),
            "show_if": q.get("show_if"),
            "code": code,
        }
        if qtype in ("single", "multiple"):
            exclusive = [o["code"] for o in q["options"] if o.get("exclusive")]
            constraint = choice_constraint_write(
                q.get("min_choices"), q.get("max_choices"), exclusive
            )
            appearance = "minimal" if q.get("widget") == "dropdown" else None
            command = "select_one" if qtype == "single" else "select_multiple"
            self.row(
                f"{command} {code}", name, constraint=constraint, appearance=appearance, **common
            )
            for option in q["options"]:
                self.choice(code, option["code"], option["label"])
            for option in q["options"]:
                if option.get("other"):
                    relevant = f"selected(${{{name}}}, '{option['code']}')"
                    self.row(
                        "text", self.names.free(f"{name}_other"), label=option["label"],
                        required=True, relevant=relevant,
                    )  # fmt: skip
        elif qtype == "rating":
            na = q["scale"].get("na", False)
            self.row(f"select_one {code}", name, appearance="likert", na=na, **common)
            self.scale(code, q["scale"])
        elif qtype == "matrix":
            required = common.pop("required")
            na = q["scale"].get("na", False)
            self.row("begin_group", name, appearance="table-list", na=na, **common)
            for row in q["rows"]:
                self.row(
                    f"select_one {code}", self.names.free(f"{name}_{row['code']}"),
                    label=row["label"], required=required, code=row["code"],
                    default_code=f"{name}_{row['code']}",
                )  # fmt: skip
            self.row("end_group", name)
            self.scale(code, q["scale"])
        elif qtype == "number":
            self.row("integer", name, constraint=bounds_write(q.get("min"), q.get("max")), **common)
        elif qtype == "decimal":
            low, high = (_plain(q.get(key)) for key in ("min", "max"))
            places = f"decimals={q.get('decimals', DECIMALS_DEFAULT)}"
            constraint = bounds_write(low, high)
            self.row("decimal", name, constraint=constraint, parameters=places, **common)
        elif qtype == "note":
            common.pop("required")
            self.row("note", name, **common)
        else:
            appearance = "multiline" if qtype == "long_text" else None
            self.row("text", name, appearance=appearance, **common)


def _plain(value: float | None) -> str | None:
    # 0.000001, not 1e-06: the constraint reads back only in plain digits.
    return None if value is None else decimal_plain(Decimal(str(value)))


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


def workbook_write(*, data: Node) -> bytes:
    types = {q["code"]: q["type"] for s in data["sections"] for q in s["questions"]}
    sheets = _Sheets(types)
    for section in data["sections"]:
        name = sheets.names.free(section["code"])
        sheets.row(
            "begin_group",
            name,
            code=section["code"],
            label=section["title"],
            hint=section.get("description"),
            show_if=section.get("show_if"),
        )
        for question in section["questions"]:
            sheets.question(question)
        sheets.row("end_group", name)
    default = data.get("default_language", "kk")
    title, intro = data["title"], data.get("intro") or {}
    settings: list[tuple[str, Any]] = [
        ("form_id", data["slug"]),
        ("form_title", title.get(default)),
        ("default_language", LANGUAGE_NAMES[default]),
        *((f"saualnama_title::{LANGUAGE_NAMES[lang]}", title.get(lang)) for lang in LANGS),
        *((f"saualnama_intro::{LANGUAGE_NAMES[lang]}", intro.get(lang) or None) for lang in LANGS),
        ("saualnama_opens_at", _iso(data.get("opens_at"))),
        ("saualnama_closes_at", _iso(data.get("closes_at"))),
        ("saualnama_min_cell_size", data.get("min_cell_size")),
        # Line breaks and double spaces in texts are the researcher's: pyxform keeps them so.
        ("clean_text_values", "no"),
    ]
    settings = [(key, value) for key, value in settings if value is not None]
    book = Workbook()
    book.remove(book.active)
    for name, header, rows in (
        ("survey", SURVEY_COLUMNS, sheets.survey),
        ("choices", CHOICE_COLUMNS, sheets.choices),
        ("settings", [key for key, _v in settings], [[value for _k, value in settings]]),
    ):
        sheet = book.create_sheet(name)
        sheet.append(header)
        for number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    # Text cells throughout: a code "1" or a label "0012" stays as written, and
                    # a label "=1+1" is text, not a formula (openpyxl would make it one).
                    # Control characters cannot be stored in a workbook at all.
                    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
                    cell = sheet.cell(row=number, column=column, value=text)
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
