"""The weighted figures of a snapshot's tables, from the weighted sums of the answer counts.

`weighted_tables_add` takes tables already built from counts (exact or perturbed) and adds the
weighted figures (`analytics.weighting.tables`). For an aggregates-only viewer the sums are
scaled as the ABS TableBuilder scales weighted cells: Σw × perturbed count / exact count (0 when
the perturbed count is 0), each cell and margin by its own ratio; the same for Σw².
"""

from __future__ import annotations

from typing import Any

import numpy as np

from surveys.schema import SurveySchema

from ..selectors import AnswerCounts, PairCounts
from . import tables as wt


def protected_n_eff(table: dict[str, Any], *, design_effect: float | None) -> dict[str, Any]:
    """A protected weighted table's effective sizes: its perturbed n over the whole scheme's
    design effect (its summary, over every weighted response).

    Not (Σw)²/Σw² of the scaled sums: that is the perturbed n over the *selection's* exact
    design effect, an exact figure of exactly those respondents, which two selections that
    differ by one respondent would compare. The scheme's design effect describes the whole
    survey and is the same for every selection.
    """

    def size(n: Any) -> float | None:
        return round(n / design_effect, 1) if n and design_effect else None

    table = dict(table)
    if "n_eff" in table:
        base = table.get("respondents", table.get("n"))
        table["n_eff"] = None if table["n_eff"] is None else size(base)
    if table.get("rows"):
        table["rows"] = [
            row | ({"n_eff": size(row.get("n"))} if row.get("n_eff") is not None else {})
            for row in table["rows"]
        ]
    if table.get("type") == "crosstab":
        table["columns"] = [
            column | ({"n_eff": size(column.get("respondents"))} if column.get("n_eff") else {})
            for column in table["columns"]
        ]
    return table


def _ratio(perturbed: float, exact: float) -> float:
    return perturbed / exact if exact and perturbed else 0.0


def weighted_tables_add(
    *,
    schema: SurveySchema,
    counts: AnswerCounts,
    tables: dict[str, dict[str, Any]],
    name: str,
    perturbed: AnswerCounts | None = None,
    design_effect: float | None = None,
) -> dict[str, dict[str, Any]]:
    """The tables with their weighted figures. `counts` exact, with weighted sums; `perturbed`:
    the counts the tables were built from when they are protected (same rows, same order), and
    then `design_effect`, the scheme's, for their effective sizes (`protected_n_eff`)."""
    frame = counts.counts.copy()
    if perturbed is not None and len(frame):
        scale = np.array(
            [_ratio(p, e) for p, e in zip(perturbed.counts["count"], frame["count"], strict=True)]
        )
        frame["wsum"], frame["wsq"] = frame["wsum"] * scale, frame["wsq"] * scale
    answered = dict(counts.weighted_answered or {})
    if perturbed is not None:
        answered = {
            code: (
                w * _ratio(perturbed.answered.get(code, 0), counts.answered.get(code, 0)),
                w2 * _ratio(perturbed.answered.get(code, 0), counts.answered.get(code, 0)),
            )
            for code, (w, w2) in answered.items()
        }
    parts = dict(iter(frame.groupby("question"))) if len(frame) else {}
    out = dict(tables)
    for code, table in tables.items():
        question = schema.questions[code]
        part = parts.get(code)
        sums = answered.get(code, (0.0, 0.0))
        if question.type in ("single", "multiple"):
            cells = {} if part is None else part.groupby("option")["wsum"].sum().to_dict()
            out[code] = wt.option_list_weigh(table, name=name, cells=cells, answered=sums)
        elif question.type == "matrix":
            cells, squares = {}, {}
            if part is not None:
                grouped = part.groupby(["row", "value"])[["wsum", "wsq"]].sum()
                for (row, value), line in grouped.iterrows():
                    cells[(row, int(value))] = float(line["wsum"])
                    squares[(row, int(value))] = float(line["wsq"])
            out[code] = wt.matrix_weigh(
                table,
                name=name,
                cells=cells,
                squares=squares,
                answered=sums,
                na=question.scale_na,
            )
        elif question.type == "rating":
            cells, squares = {}, {}
            if part is not None:
                grouped = part.groupby("value")[["wsum", "wsq"]].sum()
                for value, line in grouped.iterrows():
                    cells[int(value)] = float(line["wsum"])
                    squares[int(value)] = float(line["wsq"])
            out[code] = wt.rating_weigh(
                table, name=name, cells=cells, squares=squares, answered=sums, na=question.scale_na
            )
    if perturbed is not None:
        out = {
            code: protected_n_eff(table, design_effect=design_effect)
            if "weighted" in table
            else table
            for code, table in out.items()
        }
    return out


def crosstab_weights_add(
    *,
    table: dict[str, Any],
    pairs: PairCounts,
    name: str,
    shown: PairCounts | None = None,
    design_effect: float | None = None,
) -> dict[str, Any]:
    """A crosstab with weighted percents. `shown`: the perturbed cells and group sizes the
    table was built from, for an aggregates-only viewer (the sums scaled by their ratios, the
    effective sizes from the scheme's `design_effect`)."""
    cells = dict(pairs.cell_weights or {})
    groups = dict(pairs.group_weights or {})
    if shown is not None:
        cells = {
            key: w * _ratio(shown.cells.get(key, 0), pairs.cells.get(key, 0))
            for key, w in cells.items()
        }
        groups = {
            g: tuple(
                v * _ratio(shown.group_sizes.get(g, 0), pairs.group_sizes.get(g, 0)) for v in sums
            )
            for g, sums in groups.items()
        }
    weighted = wt.crosstab_weigh(table, name=name, cells=cells, groups=groups)
    if shown is not None:
        weighted = protected_n_eff(weighted, design_effect=design_effect)
    return weighted
