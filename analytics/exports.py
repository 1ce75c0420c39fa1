"""Downloads of results: the aggregated tables as CSV or XLSX, the raw responses as SPSS .sav.

Tables are the JSON-ready dicts of analytics.tables with labels already in the chosen language
(analytics.presentation), keyed by question code. Words we add (headers, notes) are gettext in
that language; labels are researchers' data, written as they are and never as formulas. A
suppressed figure (small-cell protection) is written "—" and explained under its table, never 0.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

import openpyxl
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .exports_ci import ci_columns_add

DASH = "—"
HIDDEN = object()  # a suppressed figure, until it is written as DASH
# Spreadsheets read the fullwidth signs as formula starts too (the rule of surveys/formats/io).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
CHUNK_SIZE = 2000

# Aggregated tables -------------------------------------------------------------------------------


@dataclass
class Block:
    """One table as lines of cells: what the CSV and the XLSX sheet both show."""

    title: str
    header: list[Any]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def tables_csv(
    tables: Mapping[str, Mapping[str, Any]],
    *,
    titles: Mapping[str, str],
    language: str,
    min_cell_size: int,
    out: TextIO,
    scale_labels: Mapping[str, Mapping[str, str]] | None = None,
    note: str | None = None,
) -> None:
    """One UTF-8 CSV (with BOM, for Excel) holding a block per table: title, header, rows, notes.

    `out` is a text stream opened with newline="". A text cell that a spreadsheet would run as a
    formula gets a leading apostrophe, the spreadsheet convention for "this is text".
    """
    out.write("\ufeff")
    writer = csv.writer(out)
    for block in _blocks(tables, titles, language, min_cell_size, scale_labels, note):
        writer.writerow([_csv_cell(block.title)])
        for line in [block.header, *block.rows, *([note] for note in block.notes)]:
            writer.writerow([_csv_cell(cell) for cell in line])
        writer.writerow([])


def tables_xlsx(
    tables: Mapping[str, Mapping[str, Any]],
    *,
    titles: Mapping[str, str],
    language: str,
    min_cell_size: int,
    out: IO[bytes],
    scale_labels: Mapping[str, Mapping[str, str]] | None = None,
    note: str | None = None,
) -> None:
    """An .xlsx workbook, one sheet per table named after its key (the question code).

    `note`, when given, is written under every table (the disclosure control's statement).
    """
    workbook = openpyxl.Workbook(write_only=True)
    blocks = _blocks(tables, titles, language, min_cell_size, scale_labels, note)
    bold = Font(bold=True)
    for name, block in zip(sheet_names(list(tables)), blocks, strict=True):
        sheet = workbook.create_sheet(title=name)
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 40
        sheet.append([_xlsx_cell(sheet, block.title, bold)])
        sheet.append([_xlsx_cell(sheet, cell, bold) for cell in block.header])
        for line in [*block.rows, *([note] for note in block.notes)]:
            sheet.append([_xlsx_cell(sheet, cell) for cell in line])
    if not tables:
        workbook.create_sheet(title="-")  # a workbook needs a sheet
    workbook.save(out)


def sheet_names(keys: Sequence[str]) -> list[str]:
    """Excel sheet names for `keys`: at most 31 characters, none of []:*?/\\, unique in any case."""
    names: list[str] = []
    used = {"history"}  # Excel reserves it
    for key in keys:
        clean = SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(key))).strip("'")
        name = base = clean[:31] or "table"
        number = 1
        while name.casefold() in used:
            number += 1
            name = f"{base[: 30 - len(str(number))]}~{number}"
        used.add(name.casefold())
        names.append(name)
    return names


def _blocks(
    tables: Mapping[str, Mapping[str, Any]],
    titles: Mapping[str, str],
    language: str,
    min_cell_size: int,
    scale_labels: Mapping[str, Mapping[str, str]] | None,
    extra_note: str | None = None,
) -> list[Block]:
    builders = {
        "single": _choice,
        "multiple": _choice,
        "matrix": _scale,
        "rating": _scale,
        "number": _number,
        "number_ranges": _number_ranges,
        "crosstab": _crosstab,
    }
    with translation.override(language):
        note = ngettext(
            "— fewer than %(k)d respondent: the figure is withheld to protect anonymity.",
            "— fewer than %(k)d respondents: the figure is withheld to protect anonymity.",
            min_cell_size,
        ) % {"k": min_cell_size}
        blocks = []
        for key, table in tables.items():
            build = builders.get(table.get("type"), _other)
            block = build(table, titles.get(key) or key, (scale_labels or {}).get(key, {}))
            ci_columns_add(block, table, HIDDEN)  # only for a table with ``ci_level``
            if table.get("suppressed") or any(c is HIDDEN for row in block.rows for c in row):
                block.notes.append(note)
            if extra_note:
                block.notes.append(extra_note)
            if table.get("weighted"):
                block.notes.append(
                    _(
                        "Weighted by “%(name)s”: percentages, means and shares are weighted; "
                        "counts and n are the respondents, unweighted."
                    )
                    % {"name": table["weighted"]}
                )
            blocks.append(block)
        return blocks


def _choice(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    keys = ["count", "percent"]
    header = [_("Code"), _("Answer"), _("Count"), _("Percent")]
    if table["type"] == "multiple":
        keys[1:] = ["percent_of_answers", "percent_of_respondents"]
        header[3:] = [_("Percent of answers"), _("Percent of respondents")]
    gone = bool(table.get("suppressed"))
    block = Block(title, header)
    for o in table.get("options") or []:
        withheld = gone or bool(o.get("suppressed"))
        block.rows.append(
            [o.get("code"), o.get("label"), *(_hide(o.get(k), withheld) for k in keys)]
        )
    block.rows.append(["", _("Respondents"), _hide(table.get("respondents"), gone)])
    if table["type"] == "multiple":
        block.rows.append(["", _("Answers"), _hide(table.get("answers"), gone)])
    return block


def _scale(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    """Counts per scale point, "cannot assess" (0) last, then n, mean, sd and top-2 share."""
    matrix = table["type"] == "matrix"
    rows = (table.get("rows") or []) if matrix else [table]
    keys = {str(k) for row in rows for k in (row.get("counts") or {})}
    points = sorted((k for k in keys if k != "0"), key=int) + (["0"] if "0" in keys else [])
    names = [
        (scale.get(p) or _("Cannot assess")) if p == "0" else f"{p} {scale.get(p, '')}".strip()
        for p in points
    ]
    header = [_("Code"), _("Row"), *names, _("N"), _("Mean"), _("SD"), _("Top-2 percent")]
    block = Block(title, header if matrix else header[2:])
    for row in rows:
        gone = bool(row.get("suppressed")) or bool(table.get("suppressed"))
        counts = row.get("counts") or {}
        line = [_hide(counts.get(p, None if gone else 0)) for p in points]
        # Counts withheld in part: top-2 would give them back, n, mean and sd are shown.
        withheld = gone or bool(row.get("counts_suppressed"))
        line += [_hide(row.get(s), gone) for s in ("n", "mean", "sd")]
        line.append(_hide(row.get("top2_percent"), withheld))
        block.rows.append([row.get("code"), row.get("label"), *line] if matrix else line)
    return block


def _number(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    keys = ("n", "mean", "median", "q1", "q3", "min", "max")
    names = (_("N"), _("Mean"), _("Median"), _("Lower quartile"), _("Upper quartile"))
    names += (_("Minimum"), _("Maximum"))
    # With any n, a missing statistic is withheld: min and max are one respondent's value each.
    withheld = bool(table.get("suppressed") or table.get("n"))
    rows = [[name, _hide(table.get(key), withheld)] for key, name in zip(keys, names, strict=True)]
    return Block(title, [_("Statistic"), _("Value")], rows)


def _number_ranges(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    """Respondents per fixed range of a number (what aggregates-only viewers get)."""
    block = Block(title, [_("Range"), _("Count"), _("Percent")])
    for entry in table.get("ranges") or []:
        block.rows.append(
            [range_label(entry["low"], entry["high"]), entry["count"], entry["percent"]]
        )
    block.rows.append([_("Respondents"), _hide(table.get("n"))])
    return block


def range_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)d and more") % {"low": low}
    return str(low) if low == high else f"{low}–{high}"


def _crosstab(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    columns = table.get("columns") or []
    labels = [str(c.get("label") or c.get("code")) for c in columns]
    header = [_("Code"), _("Answer"), *labels, _("Total"), *(f"{label}, %" for label in labels)]
    block = Block(title, header)
    nothing = [None] * len(columns)
    for row in table.get("rows") or []:
        flags = row.get("suppressed")  # one per cell; a percent of an empty group is None too
        flags = flags if isinstance(flags, list) else [bool(flags)] * len(columns)
        cells = [_hide(v) for v in [*(row.get("counts") or nothing), row.get("total")]]
        shares = [_hide(v, f) for v, f in zip(row.get("percents") or nothing, flags, strict=False)]
        block.rows.append([row.get("code"), row.get("label"), *cells, *shares])
    block.rows.append(["", _("Respondents"), *(_hide(c.get("respondents")) for c in columns)])
    test = table.get("test") or {}
    if test:
        keys = ("chi2", "dof", "p", "p_below", "cramers_v", "n")
        block.rows.append([])
        block.rows.append([_("Chi-square"), _("df"), "p", _("p below"), _("Cramér’s V"), "n"])
        block.rows.append([test.get(key) for key in keys])
        if test.get("note"):
            block.notes.append(str(test["note"]))
    return block


def _other(table: Mapping[str, Any], title: str, scale: Mapping[str, str]) -> Block:
    """A kind of table this module does not know yet: its plain values, rather than nothing."""
    rows = [[k, v] for k, v in table.items() if isinstance(v, int | float | str)]
    return Block(title, [_("Statistic"), _("Value")], rows)


def _hide(value: Any, withheld: bool = True) -> Any:
    """A missing count or percent is a suppressed one (a zero is 0); statistics when `withheld`."""
    return HIDDEN if value is None and withheld else value


def _csv_cell(value: Any) -> Any:
    if value is HIDDEN:
        return DASH
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _xlsx_cell(sheet: Any, value: Any, font: Font | None = None) -> Any:
    if value is None:
        return None
    if value is HIDDEN:
        value = DASH
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # a label starting with "=" stays text, never a formula
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, float):
            cell.number_format = "0.0##"
    if font is not None:
        cell.font = font
    return cell


# The raw-response export lives in spss.py; kept importable from here for callers.
from .spss import responses_sav, sav_variables, sav_write  # noqa: E402, F401
