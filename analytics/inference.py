"""Confidence intervals and column-proportion tests for the result tables. Pure numpy/scipy.

Intervals (docs/statistics.md):

- a percentage: Wilson score interval on ``n`` (the percent's denominator), or on the Kish
  effective sample size ``n_eff`` when the table is weighted;
- a mean: ``mean ± t(1 - α/2, n - 1) · sd / √n`` (``n_eff`` when weighted).

Crosstab column letters: within each row, every pair of shown columns is compared by a pooled
two-proportion z-test; the p-values are Bonferroni-adjusted over the row's pairs (as SPSS Custom
Tables does); a cell gets the letter of every column whose proportion it significantly exceeds.
Columns of fewer than 2 respondents and suppressed cells take no part.

`ci_annotate` adds the intervals to a copy of any table of `analytics.tables` (exact, protected
or weighted); every field it adds is new, so a table not annotated is unchanged.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

Table = dict[str, Any]
LEVELS = {"90": 0.90, "95": 0.95, "99": 0.99}
ALPHA = 0.05
CORRECTION = "bonferroni"


def ci_level_parse(raw: str | None) -> float | None:
    """``"95"`` -> 0.95 (also "90", "99"); None or "" -> None; anything else -> ValueError."""
    if raw is None or raw == "":
        return None
    level = LEVELS.get(str(raw).strip().rstrip("%"))
    if level is None:
        raise ValueError(f"confidence level {raw!r}: use 90, 95 or 99")
    return level


def wilson_interval(
    p: float | None, n: float | None, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion ``p`` (0..1) on ``n`` (may be fractional: n_eff).

    (None, None) when p or n is missing or n is not positive.
    """
    if p is None or n is None or not n > 0 or p != p:
        return None, None
    p = min(max(float(p), 0.0), 1.0)
    z = float(norm.ppf(0.5 + level / 2))
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(
    mean: float | None, sd: float | None, n: float | None, level: float = 0.95
) -> tuple[float | None, float | None]:
    """t interval of a mean: n - 1 degrees of freedom; (None, None) below n = 2 or without sd."""
    if mean is None or sd is None or n is None or not n > 1:
        return None, None
    half = float(student_t.ppf(0.5 + level / 2, n - 1)) * float(sd) / math.sqrt(n)
    return float(mean) - half, float(mean) + half


def effective_n(weights: Iterable[float]) -> float:
    """Kish effective sample size (Σw)² / Σw²; 0 for no (or all-zero) weights."""
    w = np.asarray(list(weights), dtype="float64")
    squares = float((w * w).sum())
    return float(w.sum()) ** 2 / squares if squares else 0.0


def design_effect(weights: Iterable[float]) -> float | None:
    """Kish design effect of unequal weights, n / n_eff = n Σw² / (Σw)²; None for no weights."""
    w = np.asarray(list(weights), dtype="float64")
    n_eff = effective_n(w)
    return len(w) / n_eff if n_eff else None


def column_letters(count: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ... as spreadsheets name columns."""
    letters = []
    for i in range(count):
        name, i = "", i + 1
        while i:
            i, rest = divmod(i - 1, 26)
            name = chr(ord("A") + rest) + name
        letters.append(name)
    return letters


def column_tests(
    counts: Sequence[Sequence[float | None]],
    sizes: Sequence[float | None],
    alpha: float = ALPHA,
    *,
    letters: Sequence[str] | None = None,
    hidden: Sequence[Sequence[bool]] | None = None,
) -> list[list[list[str]]]:
    """Per row, per column: the letters of the columns this cell's proportion significantly exceeds.

    ``counts[i][j]``: respondents of row i in column j (None when suppressed; may be an effective
    count p·n_eff); ``sizes[j]``: the column's respondents (or n_eff). A column of fewer than 2,
    or None, and a hidden or None cell take no part. Pooled two-proportion z-test, two-sided,
    Bonferroni over the row's tested pairs.
    """
    letters = list(letters) if letters is not None else column_letters(len(sizes))
    result: list[list[list[str]]] = []
    for i, line in enumerate(counts):
        marks: list[list[str]] = [[] for _ in sizes]
        usable = [
            j
            for j, size in enumerate(sizes)
            if size is not None
            and size >= 2
            and line[j] is not None
            and not (hidden is not None and hidden[i][j])
        ]
        pairs = list(combinations(usable, 2))
        for a, b in pairs:
            p_value, z = _pooled_z(float(line[a]), float(sizes[a]), float(line[b]), float(sizes[b]))
            if p_value is None or min(1.0, p_value * len(pairs)) >= alpha:
                continue
            larger, smaller = (a, b) if z > 0 else (b, a)
            marks[larger].append(letters[smaller])
        for mark in marks:
            mark.sort(key=lambda name: (len(name), name))
        result.append(marks)
    return result


def _pooled_z(c1: float, n1: float, c2: float, n2: float) -> tuple[float | None, float]:
    """Two-sided p and z of p1 - p2 with the pooled variance; p None when it is zero."""
    p1, p2 = min(c1 / n1, 1.0), min(c2 / n2, 1.0)
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None, 0.0  # both 0% or both 100%: no difference to test
    z = (p1 - p2) / math.sqrt(variance)
    return float(2 * norm.sf(abs(z))), z


def crosstab_letters(table: Table, *, alpha: float = ALPHA) -> Table:
    """Columns' ``letter``, rows' ``sig`` and ``column_test``, from the figures the table shows.

    Modifies and returns ``table``. Weighted (columns with ``n_eff``): the weighted percents on
    the effective sizes; else the shown counts on the shown column respondents.
    """
    if table.get("refused") or "columns" not in table:
        return table
    columns = table["columns"]
    names = column_letters(len(columns))
    for column, name in zip(columns, names, strict=True):
        column["letter"] = name
    weighted = bool(table.get("weighted"))
    if weighted:
        sizes = [c.get("n_eff") or c.get("respondents") for c in columns]
        counts = [
            [
                None if p is None or s is None else p / 100 * s
                for p, s in zip(row.get("percents") or [], sizes, strict=False)
            ]
            for row in table.get("rows", [])
        ]
    else:
        sizes = [c.get("respondents") for c in columns]
        counts = [list(row.get("counts") or [None] * len(columns)) for row in table.get("rows", [])]
    hidden = [_flags(row, len(columns)) for row in table.get("rows", [])]
    for row, sig in zip(
        table.get("rows", []),
        column_tests(counts, sizes, alpha, letters=names, hidden=hidden),
        strict=True,
    ):
        row["sig"] = sig
    table["column_test"] = {"alpha": alpha, "correction": CORRECTION}
    return table


def _flags(row: Table, width: int) -> list[bool]:
    flags = row.get("suppressed")
    return [bool(f) for f in flags] if isinstance(flags, list) else [bool(flags)] * width


# --- confidence intervals on a table -------------------------------------------------------


def ci_annotate(table: Table, *, level: float) -> Table:
    """A copy of ``table`` with its confidence intervals (fields in CONTRACT.md)."""
    table = copy.deepcopy(table)
    kind = table.get("type")
    whole = bool(table.get("suppressed"))
    weighted = bool(table.get("weighted"))
    n_eff = table.get("n_eff") if weighted else None
    if kind in ("single", "multiple"):
        key = "percent" if kind == "single" else "percent_of_respondents"
        _options(table, key, n_eff or table.get("respondents"), level, whole, weighted)
    elif kind == "composition":
        for variable in table.get("variables") or []:
            size = (variable.get("n_eff") or n_eff) if weighted else None
            gone = whole or bool(variable.get("suppressed"))
            base = size or variable.get("respondents")
            _options(variable, "percent", base, level, gone, weighted)
    elif kind == "matrix":
        for row in table.get("rows") or []:
            _scale(row, level, whole, weighted)
    elif kind == "rating":
        _scale(table, level, whole, weighted)
    elif kind == "number":
        n = n_eff or table.get("n")  # a weighted mean on n_eff
        low, high = mean_interval(table.get("mean"), table.get("sd"), n, level)
        table |= {"mean_ci_low": _r2(low), "mean_ci_high": _r2(high)}
    elif kind == "number_ranges":
        for entry in table.get("ranges") or []:
            p = _share(entry.get("count"), table.get("n"), entry.get("percent"), False)
            _put(entry, wilson_interval(p, table.get("n"), level))
    elif kind == "crosstab":
        _crosstab(table, level)
    table["ci_level"] = level
    return table


def _options(
    block: Table, key: str, n: float | None, level: float, whole: bool, weighted: bool
) -> None:
    for entry in block.get("options") or []:
        if whole or entry.get("suppressed") or entry.get(key) is None:
            _put(entry, (None, None))
            continue
        p = _share(entry.get("count"), block.get("respondents"), entry[key], weighted)
        _put(entry, wilson_interval(p, n, level))


def _scale(row: Table, level: float, whole: bool, weighted: bool) -> None:
    n = (row.get("n_eff") if weighted else None) or row.get("n")
    gone = whole or bool(row.get("suppressed"))
    mean = None if gone else row.get("mean")
    low, high = mean_interval(mean, row.get("sd"), n, level)
    row |= {"mean_ci_low": _r2(low), "mean_ci_high": _r2(high)}
    top2 = None if gone else row.get("top2_percent")
    p = None if top2 is None else top2 / 100
    if p is not None and not weighted:
        p = _top2_share(row) or p
    low, high = wilson_interval(p, n, level)
    row |= {"top2_ci_low": _r1(low), "top2_ci_high": _r1(high)}


def _top2_share(row: Table) -> float | None:
    """The exact top-2 share from the counts (the percent is rounded); None if any is hidden."""
    counts = row.get("counts") or {}
    real = sorted(int(p) for p in counts if not ("na" in row and p == "0"))
    top = [counts.get(str(p)) for p in real[-2:]]
    n = row.get("n")
    if not n or any(c is None for c in top):
        return None
    return sum(top) / n


def _crosstab(table: Table, level: float) -> None:
    columns = table.get("columns") or []
    weighted = bool(table.get("weighted"))
    sizes = [(weighted and c.get("n_eff")) or c.get("respondents") for c in columns]
    for row in table.get("rows") or []:
        flags = _flags(row, len(columns))
        counts = row.get("counts") or [None] * len(columns)
        lows, highs = [], []
        for j, percent in enumerate(row.get("percents") or []):
            if percent is None or flags[j] or columns[j].get("suppressed"):
                low, high = None, None
            else:
                own = columns[j].get("respondents")
                p = _share(counts[j], own, percent, weighted)
                low, high = wilson_interval(p, sizes[j], level)
            lows.append(_r1(low))
            highs.append(_r1(high))
        row["ci_lows"], row["ci_highs"] = lows, highs


def _share(count: Any, denominator: Any, percent: float | None, weighted: bool) -> float | None:
    """The proportion behind a percent: count / denominator when unweighted (the percent is
    rounded to one decimal), else the weighted percent itself."""
    if not weighted and count is not None and denominator:
        return count / denominator
    return None if percent is None else percent / 100


def _put(entry: Table, interval: tuple[float | None, float | None]) -> None:
    low, high = interval
    entry["ci_low"], entry["ci_high"] = _r1(low), _r1(high)


def _r1(x: float | None) -> float | None:
    """A proportion as a percent with one decimal."""
    return None if x is None else round(100 * x, 1)


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)
