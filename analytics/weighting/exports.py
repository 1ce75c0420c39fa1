"""The `weight` column of raw exports (microdata users only): CSV, XLSX, .sav and codebook.

The response files are written by `surveys.formats.io` in response id order; the weights are
read in the same order and added as the last column, so the unweighted files stay as they are:
CSV and XLSX as they are written (`responses_export(weights=)`), the .sav after.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.formats.io.write import WeightsMismatch
from surveys.models import Response

from .models import ResponseWeight, WeightingScheme

COLUMN = "weight"
CHUNK_SIZE = 5000


def export_weights(*, scheme: WeightingScheme, responses: QuerySet[Response]) -> Iterator[float]:
    """The weight of each selected response, in response id order (0 for one without).

    Streamed in chunks beside the records, so an export of a million responses holds a chunk of
    weights, not a list and a dictionary of all of them.
    """
    weight = ResponseWeight.objects.filter(scheme=scheme, response=OuterRef("pk")).values("weight")
    rows = (
        responses.order_by("id")
        .annotate(export_weight=Subquery(weight[:1]))
        .values_list("export_weight", flat=True)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return (round(float(value or 0.0), 6) for value in rows)


def _check(weights: Sequence[float], written: int) -> None:
    if written != len(weights):
        raise WeightsMismatch(f"{written} responses written, {len(weights)} weights")


def sav_weight_add(*, path: Path, weights: Sequence[float], label: str) -> None:
    """Add a numeric `weight` variable to the .sav at `path`, its labels and formats kept."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    _check(weights, len(frame))
    frame[COLUMN] = list(weights)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True)) | {COLUMN: label}
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=meta.file_label or "",
        column_labels=labels,
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges,
        variable_measure=meta.variable_measure | {COLUMN: "scale"},
        variable_format=meta.original_variable_types | {COLUMN: "F12.6"},
    )


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
    "WeightsMismatch",
    "codebook_weight_row",
    "export_weights",
    "sav_weight_add",
    "weight_label",
]
