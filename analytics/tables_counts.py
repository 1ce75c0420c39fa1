"""The closed-question tables built from aggregated counts: the one implementation of their sums.

The rules, the output shapes and the small-cell protection ``k`` are those of `analytics.tables`
(its module docstring), which re-exports every name here; its answer-frame functions count the
frame and call these. Counts are what one database GROUP BY gives: respondents per option, per
(row, scale point), per (option, group). A key outside the options, rows or points is ignored
and a missing one is zero. Keys are looked up by equality, so a scale value read back as ``4.0``
matches the point ``4``. No pandas, no Django: plain mappings in, JSON-ready dicts out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from analytics._stats import empty_test, independence_test, protect, round2, small

Choices = Sequence[tuple[str, str]]
Table = dict[str, Any]
CROSSTAB_TYPES = ("single", "multiple")


def round1(x: float | None) -> float | None:
    """One decimal with Python's `round`; None/NaN -> None."""
    return None if x is None or x != x else round(float(x), 1)


def paper_percent(count: int, denominator: int) -> float | None:
    """``round(100 * count / denominator, 1)``, the paper's figures (1241 of 4398 -> 28.2).

    Python rounds the float quotient as it is stored: a true half such as 31.25 (5 of 16) goes
    to the even digit, 31.2, where a spreadsheet shows 31.3. None when the denominator is 0.
    """
    return round1(100 * count / denominator) if denominator else None


def single_from_counts(
    *, options: Choices, counts: Mapping[str, int], respondents: int, k: int | None = None
) -> Table:
    """A single choice: ``counts`` option -> respondents, ``respondents`` who answered it."""
    return {"type": "single"} | _option_list(options, _vector(options, counts), respondents, k)


def multiple_from_counts(
    *, options: Choices, counts: Mapping[str, int], respondents: int, k: int | None = None
) -> Table:
    """A multiple choice: percents of the answers (the counts' sum) and of the respondents."""
    values = _vector(options, counts)
    answers = int(values.sum())
    block = _option_list(
        options,
        values,
        respondents,
        k,
        {"percent_of_answers": answers, "percent_of_respondents": respondents},
    )
    hidden = block.pop("suppressed", False)
    table: Table = {"type": "multiple", "respondents": block["respondents"]}
    table |= {"answers": None if hidden else answers, "options": block["options"]}
    return table | ({"suppressed": True} if hidden else {})


def matrix_from_counts(
    *,
    rows: Choices,
    points: Sequence[int],
    na: bool = False,
    counts: Mapping[tuple[str, int], int],
    respondents: int,
    k: int | None = None,
) -> Table:
    """Per row: counts per point, n, mean, sd (ddof=1) and top-2 share over the real points.

    ``counts``: (row code, scale value) -> respondents; ``respondents``: who answered the matrix.
    """
    whole = small(respondents, k)
    table: Table = {"type": "matrix", "respondents": None if whole else respondents, "rows": []}
    keys = _scale_keys(points, na)
    for code, label in rows:
        line = {p: counts.get((code, p), 0) for p in keys}
        entry = _scale_entry(line, points, na, None if whole else k)
        table["rows"].append({"code": code, "label": label} | (_blank(entry) if whole else entry))
    return table | ({"suppressed": True} if whole else {})


def rating_from_counts(
    *, points: Sequence[int], na: bool = False, counts: Mapping[int, int], k: int | None = None
) -> Table:
    """A rating scale, ``counts`` value -> respondents: like one matrix row, without code."""
    line = {p: counts.get(p, 0) for p in _scale_keys(points, na)}
    return {"type": "rating"} | _scale_entry(line, points, na, k)


def composition_from_counts(
    *,
    variables: Sequence[tuple[str, str, Choices]],
    counts: Mapping[tuple[str, str], int],
    answered: Mapping[str, int],
    respondents: int,
    k: int | None = None,
) -> Table:
    """The sample's make-up: each variable (code, label, options) a single-choice block.

    ``counts``: (question, option) -> respondents; ``answered``: question -> respondents who
    answered it; ``respondents``: the whole sample.
    """
    whole = small(respondents, k)
    table: Table = {"type": "composition", "respondents": None if whole else respondents}
    table["variables"] = []
    for code, label, options in variables:
        n = int(answered.get(code, 0))
        values = np.array([int(counts.get((code, o), 0)) for o, _ in options], dtype="int64")
        block = _option_list(options, values, n, k, whole=whole or small(n, k))
        table["variables"].append({"code": code, "label": label} | block)
    return table | ({"suppressed": True} if whole else {})


def crosstab_from_counts(
    *,
    question: str,
    question_type: str,
    options: Choices,
    by: str,
    by_options: Choices,
    cells: Mapping[tuple[str, str], int],
    group_sizes: Mapping[str, int],
    respondents: int,
    k: int | None = 5,
) -> Table:
    """A closed question (rows) by a single-choice question (columns), with a chi-square test.

    Among the respondents who answered both: ``cells`` (option, group) -> respondents,
    ``group_sizes`` group -> respondents, ``respondents`` in all. For a multiple choice a
    respondent counts in every option chosen (a multiple-response set), percents stay of the
    group's respondents and the test is an approximation (``multiple_response``, note).
    """
    crosstab_type_check(question_type)
    counts = np.array(
        [[int(cells.get((code, group), 0)) for group, _ in by_options] for code, _ in options],
        dtype="int64",
    ).reshape(len(options), len(by_options))
    sizes = [int(group_sizes.get(group, 0)) for group, _ in by_options]
    n = int(respondents)
    multiple = question_type == "multiple"
    table: Table = {"type": "crosstab", "question": question, "by": by}
    table |= {"multiple_response": multiple, "respondents": n}
    whole = small(n, k)
    if whole:
        mask = np.ones_like(counts, dtype=bool)
        table |= {"respondents": None, "suppressed": True}
        test = empty_test(None)
    elif k is None:
        mask = np.zeros_like(counts, dtype=bool)
        test = independence_test(counts, multiple_response=multiple, hide=False)
    else:
        small_groups = np.array([small(size, k) for size in sizes], dtype=bool)
        mask = protect(counts, k, start=np.broadcast_to(small_groups, counts.shape))
        test = independence_test(counts, multiple_response=multiple, hide=bool(mask.any()))
    table["columns"] = []
    for (code, label), size in zip(by_options, sizes, strict=True):
        hidden = whole or small(size, k)
        column = {"code": code, "label": label, "respondents": None if hidden else size}
        table["columns"].append(column | ({"suppressed": True} if hidden else {}))
    table["rows"] = []
    for (code, label), line, hidden in zip(options, counts, mask, strict=True):
        total = int(line.sum())
        table["rows"].append(
            {
                "code": code,
                "label": label,
                "counts": [None if h else int(c) for c, h in zip(line, hidden, strict=True)],
                "percents": [
                    None if h else paper_percent(int(c), s)
                    for c, h, s in zip(line, hidden, sizes, strict=True)
                ],
                "total": None if whole or small(total, k) else total,
                "suppressed": hidden.tolist(),
            }
        )
    return table | {"test": test}


def crosstab_type_check(question_type: str) -> None:
    if question_type not in CROSSTAB_TYPES:
        raise ValueError(f"crosstab of a {question_type!r} question is not supported")


# --- private helpers -----------------------------------------------------------------------


def _vector(options: Choices, counts: Mapping[str, int]) -> np.ndarray:
    return np.array([int(counts.get(code, 0)) for code, _ in options], dtype="int64")


def _option_list(
    options: Choices,
    counts: np.ndarray,
    n: int,
    k: int | None,
    percents: dict[str, int] | None = None,
    *,
    whole: bool | None = None,
) -> Table:
    """Respondents and option entries, protected by rules 1-3 (one line: its total is known)."""
    n = int(n)
    percents = percents if percents is not None else {"percent": n}
    whole = small(n, k) if whole is None else whole
    if whole:
        mask = np.ones(len(counts), dtype=bool)
    elif k is None:
        mask = np.zeros(len(counts), dtype=bool)
    else:
        mask = protect(counts[np.newaxis, :], k)[0]
    entries = []
    for (code, label), count, hidden in zip(options, counts, mask, strict=True):
        entry = {"code": code, "label": label, "count": None if hidden else int(count)}
        for key, denominator in percents.items():
            entry[key] = None if hidden else paper_percent(int(count), denominator)
        entries.append(entry | ({"suppressed": True} if hidden else {}))
    table: Table = {"respondents": None if whole else n, "options": entries}
    return table | ({"suppressed": True} if whole else {})


def _real_points(points: Sequence[int], na: bool) -> list[int]:
    return sorted(p for p in points if not (na and p == 0))


def _scale_keys(points: Sequence[int], na: bool) -> list[int]:
    """The points shown, in order: 0 ("cannot assess") first when ``na``, then the real ones."""
    return ([0] if na else []) + _real_points(points, na)


def _scale_entry(line: Mapping[int, int], points: Sequence[int], na: bool, k: int | None) -> Table:
    """One scale row from its counts per point (`_scale_keys`), protected by rules 2 and 4."""
    real = _real_points(points, na)
    line = {p: int(c) for p, c in line.items()}
    n = sum(line[p] for p in real)
    entry: Table = {
        "counts": {str(p): line[p] for p in line},
        "n": n,
        "mean": None,
        "sd": None,
        "top2_percent": paper_percent(sum(line[p] for p in real[-2:]), n),
    }
    if n:
        # Exact sums (integer points): mean = S / n, var = sum c (v - mean)^2 / (n - 1)
        # = (n Q - S^2) / (n (n - 1)); one rounding each, in the division and the root.
        total = sum(line[p] * p for p in real)
        squares = sum(line[p] * p * p for p in real)
        entry["mean"] = round2(total / n)
        if n >= 2:
            entry["sd"] = round2(math.sqrt((n * squares - total * total) / (n * (n - 1))))
    if na:
        entry["na"] = line[0]
    if small(n, k):
        entry = _blank(entry)
    elif k is not None and any(small(line[p], k) for p in real):
        shown = {key: (c if key == "0" else None) for key, c in entry["counts"].items()}
        entry |= {"counts": shown, "top2_percent": None, "counts_suppressed": True}
    if na and small(line[0], k) and not entry.get("suppressed"):
        entry["na"] = entry["counts"]["0"] = None
    return entry


def _blank(entry: Table) -> Table:
    """A scale row suppressed whole: every count and statistic None."""
    blank = {key: None for key in entry if key != "counts"}
    return blank | {"counts": dict.fromkeys(entry["counts"]), "suppressed": True}
