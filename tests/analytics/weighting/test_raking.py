"""The raking (weightipy) against IPF by hand, its refusals, trimming and the summary."""

import numpy as np
import pandas as pd
import pytest

from analytics.weighting.raking import (
    EMPTY_CELL,
    NO_CONVERGENCE,
    RakingError,
    rake,
    trim,
    weights_summary,
)

FRAME = pd.DataFrame(
    {
        "sex": ["m", "m", "m", "f", "f", "f", "f", "f", "m", "f"],
        "age": ["y", "o", "o", "y", "y", "o", "y", "o", "y", "y"],
    }
)
TARGETS = {"sex": {"m": 480, "f": 520}, "age": {"y": 300, "o": 700}}


def ipf_by_hand(frame: pd.DataFrame, targets: dict, rounds: int = 500) -> np.ndarray:
    w = np.ones(len(frame))
    for _ in range(rounds):
        for variable, cells in targets.items():
            for option, total in cells.items():
                mask = (frame[variable] == option).to_numpy()
                w[mask] *= total / w[mask].sum()
    return w / w.mean()


def test_weightipy_gives_the_hand_computed_ipf_weights():
    raked = rake(FRAME, TARGETS)
    assert np.allclose(raked.weights.to_numpy(), ipf_by_hand(FRAME, TARGETS), rtol=1e-6)
    # The weighted margins are the targets' shares.
    w = raked.weights
    assert w[FRAME["sex"] == "m"].sum() / w.sum() == pytest.approx(0.48, abs=1e-6)
    assert w[FRAME["age"] == "o"].sum() / w.sum() == pytest.approx(0.70, abs=1e-6)
    assert raked.summary["mean"] == pytest.approx(1.0)


def test_the_summary_has_kish_figures():
    w = np.array([0.5, 0.5, 1.0, 2.0])
    summary = weights_summary(w, left_out=2)
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert summary["n_eff"] == round(n_eff, 1)
    assert summary["design_effect"] == pytest.approx(len(w) / n_eff, abs=1e-4)  # 1 + CV²
    assert (summary["min"], summary["max"], summary["n"], summary["left_out"]) == (0.5, 2, 4, 2)


def test_a_respondent_without_an_answer_is_left_out_with_weight_zero():
    frame = FRAME.copy()
    frame.loc[0, "age"] = None
    raked = rake(frame, TARGETS)
    assert raked.weights[0] == 0
    assert raked.summary["left_out"] == 1 and raked.summary["n"] == 9
    assert raked.weights[1:].mean() == pytest.approx(1.0)


def test_a_positive_target_cell_without_respondents_is_refused():
    with pytest.raises(RakingError) as refusal:
        rake(FRAME, {"sex": {"m": 1, "f": 1, "x": 5}})
    assert refusal.value.reason == EMPTY_CELL
    assert refusal.value.detail == {"question": "sex", "option": "x"}


def test_a_zero_target_leaves_its_respondents_out():
    raked = rake(FRAME, {"sex": {"m": 0, "f": 10}})
    assert (raked.weights[FRAME["sex"] == "m"] == 0).all()
    assert raked.summary["left_out"] == 4


def test_contradicting_targets_do_not_converge():
    # Everybody young is male and everybody old female: 48% men cannot be 30% young.
    frame = pd.DataFrame({"sex": ["m", "m", "f", "f"], "age": ["y", "y", "o", "o"]})
    with pytest.raises(RakingError) as refusal:
        rake(frame, TARGETS, iterations=50)
    assert refusal.value.reason == NO_CONVERGENCE


def test_trimming_keeps_weights_within_the_bounds_with_mean_one():
    weights, clipped = trim(np.array([0.1, 1.0, 1.0, 1.0, 5.0]), low=0.5, high=2.0)
    assert weights.mean() == pytest.approx(1.0)
    assert weights.min() >= 0.5 - 1e-9 and weights.max() <= 2.0 + 1e-9
    assert clipped.tolist() == [True, False, False, False, True]
    raked = rake(FRAME, TARGETS, trim_low=0.8, trim_high=1.2)
    assert raked.weights.max() <= 1.2 + 1e-9 and raked.weights.min() >= 0.8 - 1e-9
    assert raked.summary["trimmed"] > 0 and raked.summary["margin_error"] > 0
