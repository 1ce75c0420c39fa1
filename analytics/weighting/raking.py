"""Raking (iterative proportional fitting) of respondents to population totals. No Django.

The raking itself is weightipy's (a maintained port of the Quantipy/anesrake rim weighting):
it rakes on several single-choice variables at once, with caps. weightipy only prints when it
stops short of the targets, so convergence is checked here, on the weighted margins it gives.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import weightipy as wp

Targets = Mapping[str, Mapping[str, float]]
MAX_ITERATIONS = 1000
# The weighted share of every target cell must come this close to its target share.
TOLERANCE = 1e-4


class RakingError(ValueError):
    """The targets cannot be reached: `reason` is a code, `detail` what it concerns."""

    def __init__(self, reason: str, detail: dict[str, Any]) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


EMPTY_CELL = "empty_cell"
NO_CONVERGENCE = "no_convergence"
NOBODY = "nobody"


@dataclass(frozen=True)
class Raked:
    weights: pd.Series  # index: the frame's; 0 for the respondents left out
    summary: dict[str, Any]


def _margins_error(frame: pd.DataFrame, weights: np.ndarray, targets: Targets) -> float:
    total = weights.sum()
    worst = 0.0
    for variable, cells in targets.items():
        whole = sum(cells.values())
        for option, target in cells.items():
            share = weights[(frame[variable] == option).to_numpy()].sum() / total
            worst = max(worst, abs(share - target / whole))
    return worst


def _rake(frame: pd.DataFrame, targets: Targets, iterations: int) -> np.ndarray:
    params: dict[str, Any] = {"max_iterations": iterations, "convcrit": 1e-6}
    scheme = wp.scheme_from_dict(
        {v: {o: float(t) for o, t in cells.items()} for v, cells in targets.items()},
        name="scheme",
        rim_params=params,
    )
    with contextlib.redirect_stdout(io.StringIO()):  # its progress and warnings are prints
        weights = wp.weight(frame.reset_index(drop=True), scheme).to_numpy(dtype="float64")
    return weights / weights.mean()


def rake(
    frame: pd.DataFrame,
    targets: Targets,
    *,
    trim_low: float | None = None,
    trim_high: float | None = None,
    iterations: int = MAX_ITERATIONS,
) -> Raked:
    """Weights for the rows of `frame` (one column of option codes per targeted variable).

    A row without an answer to one of the variables (None/NaN) is left out: weight 0, counted
    in the summary's `left_out`, and so is a row in a cell whose total is 0 or not given. The
    others' weights have mean 1. Trimming (`trim`) comes after the raking, so the margins then
    miss the targets a little: the summary's `margin_error` says by how much (a share).
    """
    variables = list(targets)
    answered = frame[variables].notna().all(axis=1)
    if not answered.any():
        raise RakingError(NOBODY, {})
    data = frame.loc[answered, variables].astype(str)
    for variable, cells in targets.items():
        present = set(data[variable])
        for option, total in cells.items():
            if total > 0 and option not in present:
                raise RakingError(EMPTY_CELL, {"question": variable, "option": option})
    # Cells targeted at 0 hold nobody in the population: their respondents cannot be weighted.
    for variable, cells in targets.items():
        zero = {o for o, total in cells.items() if total <= 0}
        untargeted = set(data[variable]) - set(cells)
        if zero | untargeted:
            keep = ~data[variable].isin(zero | untargeted)
            data = data[keep]
    if data.empty:
        raise RakingError(NOBODY, {})
    positive = {v: {o: t for o, t in cells.items() if t > 0} for v, cells in targets.items()}
    weights = _rake(data, positive, iterations)
    error = _margins_error(data, weights, positive)
    if not np.isfinite(weights).all() or error > TOLERANCE:
        raise RakingError(NO_CONVERGENCE, {"iterations": iterations, "error": round(error, 6)})
    trimmed = np.zeros(len(weights), dtype=bool)
    if trim_low is not None or trim_high is not None:
        weights, trimmed = trim(weights, low=trim_low, high=trim_high)
        error = _margins_error(data, weights, positive)
    full = pd.Series(0.0, index=frame.index)
    full.loc[data.index] = weights
    return Raked(
        weights=full,
        summary=weights_summary(weights, left_out=len(frame) - len(data))
        | {"trimmed": int(trimmed.sum()), "margin_error": round(float(error), 6)},
    )


def trim(
    weights: np.ndarray, *, low: float | None, high: float | None, rounds: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Weights clipped to [low, high] times their mean, and which were clipped.

    Clipping moves the mean, so it is clipped and normalised again until every weight lies
    within the bounds (a few rounds; weightipy's own cap accepts no lower bound).
    """
    w = np.asarray(weights, dtype="float64").copy()
    lo = low if low is not None else 0.0
    hi = high if high is not None else math.inf
    clipped = np.zeros(len(w), dtype=bool)
    for _round in range(rounds):
        w = w / w.mean()
        outside = (w < lo - 1e-9) | (w > hi + 1e-9)
        if not outside.any():
            break
        clipped |= outside
        w = np.clip(w, lo, hi)
    return w / w.mean(), clipped


def weights_summary(weights: np.ndarray, *, left_out: int) -> dict[str, Any]:
    """n, min, max, mean, design effect 1 + CV² and Kish's effective sample size."""
    w = np.asarray(weights, dtype="float64")
    n = len(w)
    mean = float(w.mean())
    cv2 = float(w.var() / mean**2)  # population variance: Kish's deff = n Σw² / (Σw)²
    n_eff = float(w.sum() ** 2 / (w**2).sum())
    return {
        "n": n,
        "left_out": int(left_out),
        "min": round(float(w.min()), 4),
        "max": round(float(w.max()), 4),
        "mean": round(mean, 4),
        "design_effect": round(1 + cv2, 4),
        "n_eff": round(n_eff, 1),
    }


def kish_n(sum_w: float, sum_w2: float) -> float | None:
    """(Σw)² / Σw², one decimal; None without weight."""
    if not sum_w2 or not math.isfinite(sum_w2):
        return None
    return round(sum_w * sum_w / sum_w2, 1)
