"""The `weight` column of raw exports (microdata users only): CSV, XLSX, .sav and codebook.

The response files are written by `surveys.formats.io` in response id order; the weights are
read in the same order and added as the last column, so the unweighted files stay as they are.
The .sav writer takes the weights as it writes (`analytics.spss.sav_write`'s `weights`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.models import Response

from .models import ResponseWeight, WeightingScheme

COLUMN = "weight"


class WeightsMismatch(RuntimeError):
    """The responses changed between reading the weights and writing the file."""


def export_weights(*, scheme: WeightingScheme, responses: QuerySet[Response]) -> list[float]:
    """The weight of each selected response, in response id order (0 for one without)."""
    ids = list(responses.order_by("id").values_list("id", flat=True))
    weights = dict(
        ResponseWeight.objects.filter(scheme=scheme, response_id__in=ids).values_list(
            "response_id", "weight"
        )
    )
    return [round(float(weights.get(i, 0.0)), 6) for i in ids]


def _check(weights: Sequence[float], written: int) -> None:
    if written != len(weights):
        raise WeightsMismatch(f"{written} responses written, {len(weights)} weights")


def csv_weight_add(*, source: Path, out: Any, weights: Sequence[float]) -> None:
    """Copy the responses CSV at `source` (BOM, header, one line a response) to the text
    stream `out` with a last column `weight`."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        out.write("\ufeff")
        writer = csv.writer(out)
        header = next(reader)
        writer.writerow([*header, COLUMN])
        rows = 0
        for row, weight in zip(reader, weights, strict=False):
            writer.writerow([*row, weight])
            rows += 1
    _check(weights, rows)


def xlsx_weight_add(*, path: Path, weights: Sequence[float]) -> None:
    """Add a `weight` column to the first sheet (the responses) of the workbook at `path`."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value=COLUMN)
    _check(weights, sheet.max_row - 1)
    for number, weight in enumerate(weights, start=2):
        sheet.cell(row=number, column=column, value=weight)
    book.save(path)


def codebook_weight_row(*, scheme: WeightingScheme) -> dict[str, Any]:
    """The codebook's row of the `weight` column, texts in both languages."""
    text = {}
    for language in ("kk", "ru"):
        with translation.override(language):
            text[language] = _(
                "Weight of the response by the scheme “%(name)s” (raking to population totals; "
                "mean 1; 0 for a respondent left out)."
            ) % {"name": scheme.label or scheme.name}
    return {
        "variable": COLUMN,
        "question": None,
        "section": None,
        "type": "weight",
        "text": text,
        "values": [],
        "required": False,
        "min_choices": None,
        "max_choices": None,
        "min": None,
        "max": None,
        "decimals": None,
        "condition": None,
        "spss": [COLUMN],
    }


def weight_label(*, scheme: WeightingScheme, language: str) -> str:
    with translation.override(language):
        return _("Weight (%(name)s)") % {"name": scheme.label or scheme.name}


__all__ = [
    "COLUMN",
    "codebook_weight_row",
    "csv_weight_add",
    "export_weights",
    "weight_label",
    "xlsx_weight_add",
]
