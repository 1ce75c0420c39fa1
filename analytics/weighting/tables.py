"""Weighted figures added to the tables of `analytics.tables`: pure, no Django, no database.

A table is first built from the unweighted counts (exact or perturbed), which keeps its counts,
n and suppression; these functions then add the weighted figures of docs/weighting.md from the
sums of the weights (Σw per cell; Σw, Σw² per margin), as CONTRACT.md of issue 16 lays out:

- option lists: `percent` / `percent_of_answers` / `percent_of_respondents` become weighted,
  each entry gains `weighted_count`; scale rows: `mean`, `sd`, `top2_percent` weighted, plus
  `percents` per point and `n_eff`; crosstabs: `percents` weighted, columns gain `n_eff`;
- every table gains `weighted` (the scheme's name) and `n_eff` (Kish: (Σw)² / Σw²).

An entry whose count is hidden (None) gets None for every weighted figure as well.
The weighted sd is the frequency-weighted one with the weights scaled to the row's n
(sqrt(Σw (x - mean)² / Σw · n / (n - 1))), as SPSS gives with weights normalised to the sample.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

Table = dict[str, Any]
Sums = tuple[float, float]  # Σw, Σw²


def round1(x: float | None) -> float | None:
    return None if x is None or x != x else round(float(x), 1)


def round2(x: float | None) -> float | None:
    return None if x is None or x != x else round(float(x), 2)


def weighted_percent(part: float, whole: float) -> float | None:
    return round1(100 * part / whole) if whole > 0 else None


def kish_n(sums: Sums | None) -> float | None:
    if not sums or sums[1] <= 0:
        return None
    return round1(sums[0] * sums[0] / sums[1])


def option_list_weigh(
    table: Table, *, name: str, cells: Mapping[str, float], answered: Sums
) -> Table:
    """A single or multiple choice (or a composition variable): ``cells`` option -> Σw."""
    out = copy.deepcopy(table)
    out["weighted"], out["n_eff"] = name, kish_n(answered)
    if out.get("suppressed"):
        out["n_eff"] = None
    answers = sum(cells.get(e["code"], 0.0) for e in out["options"])
    for entry in out["options"]:
        hidden = entry.get("count") is None
        value = cells.get(entry["code"], 0.0)
        entry["weighted_count"] = None if hidden else round1(value)
        if "percent" in entry:
            entry["percent"] = None if hidden else weighted_percent(value, answered[0])
        if "percent_of_answers" in entry:
            entry["percent_of_answers"] = None if hidden else weighted_percent(value, answers)
            entry["percent_of_respondents"] = (
                None if hidden else weighted_percent(value, answered[0])
            )
    return out


def scale_row_weigh(
    row: Table, *, cells: Mapping[int, float], squares: Mapping[int, float], na: bool
) -> Table:
    """One matrix row or a rating: ``cells`` point -> Σw, ``squares`` point -> Σw²."""
    out = dict(row)
    points = sorted(int(p) for p in row["counts"] if not (na and int(p) == 0))
    total = sum(cells.get(p, 0.0) for p in points)
    square = sum(squares.get(p, 0.0) for p in points)
    hidden = bool(row.get("suppressed"))
    out["n_eff"] = None if hidden else kish_n((total, square))
    shown = {p: row["counts"][str(p)] is not None for p in points}
    out["percents"] = {
        str(p): (weighted_percent(cells.get(p, 0.0), total) if shown[p] and not hidden else None)
        for p in points
    }
    n = row.get("n") or 0
    if hidden or total <= 0:
        return out | {"mean": None, "sd": None, "top2_percent": None}
    mean = sum(cells.get(p, 0.0) * p for p in points) / total
    out["mean"] = round2(mean)
    if row.get("sd") is not None and n >= 2:
        spread = sum(cells.get(p, 0.0) * (p - mean) ** 2 for p in points) / total
        out["sd"] = round2(math.sqrt(spread * n / (n - 1)))
    if row.get("top2_percent") is not None:
        out["top2_percent"] = weighted_percent(sum(cells.get(p, 0.0) for p in points[-2:]), total)
    return out


def matrix_weigh(
    table: Table,
    *,
    name: str,
    cells: Mapping[tuple[str, int], float],
    squares: Mapping[tuple[str, int], float],
    answered: Sums,
    na: bool,
) -> Table:
    out = copy.deepcopy(table)
    out["weighted"] = name
    out["n_eff"] = None if out.get("suppressed") else kish_n(answered)
    out["rows"] = [
        scale_row_weigh(
            row,
            cells={p: v for (r, p), v in cells.items() if r == row["code"]},
            squares={p: v for (r, p), v in squares.items() if r == row["code"]},
            na=na,
        )
        for row in out["rows"]
    ]
    return out


def rating_weigh(
    table: Table,
    *,
    name: str,
    cells: Mapping[int, float],
    squares: Mapping[int, float],
    answered: Sums,
    na: bool,
) -> Table:
    out = scale_row_weigh(copy.deepcopy(table), cells=cells, squares=squares, na=na)
    out["weighted"] = name
    out["n_eff"] = None if out.get("suppressed") else kish_n(answered)
    return out


def crosstab_weigh(
    table: Table,
    *,
    name: str,
    cells: Mapping[tuple[str, str], float],
    groups: Mapping[str, Sums],
) -> Table:
    """``cells`` (option, group) -> Σw; ``groups`` group -> (Σw, Σw²) of its respondents."""
    out = copy.deepcopy(table)
    if out.get("refused"):
        return out
    out["weighted"] = name
    codes = [c["code"] for c in out["columns"]]
    for column in out["columns"]:
        hidden = column.get("suppressed") or column.get("respondents") is None
        column["n_eff"] = None if hidden else kish_n(groups.get(column["code"]))
    total = [sum(groups.get(c, (0.0, 0.0))[i] for c in codes) for i in (0, 1)]
    out["n_eff"] = None if out.get("suppressed") else kish_n((total[0], total[1]))
    for row in out["rows"]:
        row["percents"] = [
            None
            if count is None
            else weighted_percent(cells.get((row["code"], g), 0.0), groups.get(g, (0.0, 0.0))[0])
            for count, g in zip(row["counts"], codes, strict=True)
        ]
    return out
