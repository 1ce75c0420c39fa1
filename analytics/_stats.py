"""Private helpers of `analytics.tables`: rounding, small-cell suppression, chi-square test.

Pure numpy/scipy; no Django, no pandas objects in or out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import chi2_contingency

# Stable codes for the integrator to translate (tables know no gettext); English for logs.
NOTES = {
    "dropped_empty": "All-zero rows/columns were dropped before testing.",
    "degenerate": "Fewer than two non-empty rows or columns: no test.",
    "sparse": "More than 20% of expected counts are below 5, or one is below 1: not valid.",
    "multiple_response": (
        "Multiple-response set: a respondent appears in several rows, so the chi-square "
        "is only an approximation."
    ),
    "suppressed": (
        "Cells are suppressed: chi2, p and V are withheld (with the margins known they "
        "would give the suppressed counts back); only the significance band is shown."
    ),
    "small_table": "Fewer than k respondents: the whole table is suppressed.",
}
P_BANDS = (0.001, 0.01, 0.05)


def round2(x: float | None) -> float | None:
    """Means, sd and quantiles: two decimals; None/NaN -> None."""
    return None if x is None or math.isnan(x) else round(float(x), 2)


def small(count: int, k: int | None) -> bool:
    """A count resting on 1..k-1 respondents. Zero describes nobody and is shown."""
    return k is not None and 0 < count < k


def protect(counts: np.ndarray, k: int, *, start: np.ndarray | None = None) -> np.ndarray:
    """Primary plus complementary suppression of a 2-D table of counts; returns the mask.

    Primary: cells of 1..k-1 (and `start`, e.g. whole small groups). Complementary: every row
    and column total is taken as known, so a row or column with exactly one suppressed cell
    gets its smallest other non-zero cell (a zero only when no other is non-zero) suppressed
    too, until no row or column holds exactly one. A 1-row table is one line (an option list).
    """
    counts = np.asarray(counts)
    mask = (counts > 0) & (counts < k)
    if start is not None:
        mask |= start
    changed = True
    while changed:
        changed = False
        # mask.T is a view: a cell marked through it is marked in mask.
        for lines, values in ((mask, counts), (mask.T, counts.T)):
            if lines.shape[1] < 2:
                continue  # a one-cell line equals its total: nothing can hide it
            for i in np.flatnonzero(lines.sum(axis=1) == 1):
                free = ~lines[i]
                pick = np.where(free & (values[i] > 0), values[i], np.inf)
                if np.isinf(pick).all():
                    pick = np.where(free, values[i], np.inf)
                lines[i, int(np.argmin(pick))] = True
                changed = True
    return mask


def independence_test(counts: np.ndarray, *, multiple_response: bool, hide: bool) -> dict[str, Any]:
    """Chi-square test of independence and Cramér's V on exact counts.

    All-zero rows/columns are dropped first. `hide` (some cell is suppressed) withholds chi2,
    p and V but keeps the significance band `p_below`, dof, n and validity.
    """
    keep_r, keep_c = counts.sum(axis=1) > 0, counts.sum(axis=0) > 0
    table = counts[keep_r][:, keep_c]
    codes = []
    if not (keep_r.all() and keep_c.all()):
        codes.append("dropped_empty")
    if multiple_response:
        codes.append("multiple_response")
    test: dict[str, Any] = {"chi2": None, "dof": None, "p": None, "p_below": None}
    test |= {"cramers_v": None, "n": int(table.sum()), "valid": False}
    if min(table.shape) < 2:
        return test | _notes([*codes, "degenerate"])
    # correction=False for 2x2 too: Yates' correction is over-conservative, and without it
    # chi2 and V mean the same thing at every table size (a perfect 2x2 has V = 1).
    result = chi2_contingency(table, correction=False)
    chi2, p, expected = float(result.statistic), float(result.pvalue), result.expected_freq
    valid = bool((expected < 5).mean() <= 0.2 and (expected >= 1).all())
    if not valid:
        codes.append("sparse")
    test |= {
        "dof": int(result.dof),
        "p_below": next((band for band in P_BANDS if p < band), None),
        "valid": valid,
    }
    if hide:
        return test | _notes([*codes, "suppressed"])
    v = math.sqrt(chi2 / (test["n"] * (min(table.shape) - 1)))
    return test | {"chi2": round(chi2, 3), "p": p, "cramers_v": round(v, 3)} | _notes(codes)


def empty_test(n: int | None) -> dict[str, Any]:
    test = dict.fromkeys(("chi2", "dof", "p", "p_below", "cramers_v"))
    return test | {"n": n, "valid": False} | _notes(["small_table"])


def _notes(codes: list[str]) -> dict[str, Any]:
    return {"note": " ".join(NOTES[c] for c in codes) or None, "note_codes": codes}
