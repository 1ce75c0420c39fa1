"""The `weight` column of raw exports (microdata users only): CSV, XLSX, .sav and codebook.

The response files are written by `surveys.formats.io` in response id order; the weights are
read in the same order and added as the last column, so the unweighted files stay as they are,
each as it is written: CSV and XLSX by `responses_export(weights=)`, the .sav by
`analytics.spss.sav_write(weights=)`.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    "weight_label",
]
