"""Disclosure control: the one place that decides what an aggregates-only viewer is shown.

Every table, chart, crosstab and download that reaches a viewer without microdata access
(`accounts.permissions.AGGREGATES`) is built here, from the same counts as the exact tables.
Two mechanisms work together (docs/privacy.md has the reasoning and the measurements):

1. **Group thresholds.** A selection (a filter, or a crosstab column within it) is shown only when
   it holds at least ``k`` respondents *and* the rest of the survey holds at least ``k``;
   otherwise nothing of it is shown, its respondent count included. Zero counts as small: a
   filter that "gives 0" would tell who is *not* in a group that another filter shows.
2. **Consistent perturbation (the cell key method** of the Australian Bureau of Statistics'
   TableBuilder). Every response has a random record key in ``0..R-1``; a cell's key is the
   sum of its respondents' keys modulo ``R``, so the same set of respondents always gets the
   same key, whichever query produced the cell. A fixed perturbation table maps (count, cell
   key) to the noise added: zero stays zero, no result lands in ``1..k-1``, counts of at least
   ``k + D`` move by at most ``D`` with mean zero and variance ``V``. Two overlapping groups are
   different sets of respondents, so their cells get independent noise and their difference is
   no longer one person's answers; asking again gives the same noise, so nothing averages away.
   Totals and margins are perturbed as cells of their own; every derived figure (percentages,
   scale means and sd, top-2-box, chi-square) comes from perturbed counts.

Number questions show no value of one respondent: only perturbed counts of fixed ranges, and
nothing at all below ``2k`` respondents.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from surveys.models import RECORD_KEY_RANGE
from surveys.schema import QuestionSpec, SurveySchema

from . import tables as t
from .results import results_tables_build
from .selectors import AnswerCounts, PairCounts

# The largest change of a count of at least k + D, and the noise's weights in 256ths for
# -D..D: symmetric, so the mean is zero; variance V = 2 (50 + 4 * 30 + 9 * 20) / 256 = 2.73.
# Chosen with the measured differencing attack on the demonstration data (tests/privacy,
# docs/privacy.md): with V = 2.05 a two-filter difference told a respondent's gender 62% of
# the time, too close to the bound of chance (55%) + 10 points; with 2.73, 61%.
MAX_CHANGE = 3
NOISE_WEIGHTS: Mapping[int, int] = {0: 56, 1: 50, -1: 50, 2: 30, -2: 30, 3: 20, -3: 20}
R = RECORD_KEY_RANGE

# Why a selection is not shown (the page and the API say it in the viewer's language).
SMALL_GROUP = "small_group"
SMALL_REST = "small_rest"


def noise_variance() -> float:
    total = sum(NOISE_WEIGHTS.values())
    return sum(w * n * n for n, w in NOISE_WEIGHTS.items()) / total


@dataclass(frozen=True)
class Parameters:
    """What the page, the downloads and docs/privacy.md state about the protection."""

    k: int
    max_change: int = MAX_CHANGE
    variance: float = round(noise_variance(), 2)
    modulus: int = R


def _outcomes(count: int, k: int) -> dict[int, float]:
    """The distribution of a perturbed `count`: result -> probability, mean `count`."""
    if count <= 0:
        return {0: 1.0}
    if count < k:
        # Unbiased rounding to 0 or k: a small count is never shown as itself.
        return {k: count / k, 0: 1 - count / k}
    total = sum(NOISE_WEIGHTS.values())
    result: dict[int, float] = {}
    for noise, weight in NOISE_WEIGHTS.items():
        value, p = count + noise, weight / total
        if value >= k:
            result[value] = result.get(value, 0.0) + p
        elif value > 0:
            # A result in 1..k-1 is rounded to k or 0 keeping its mean.
            result[k] = result.get(k, 0.0) + p * value / k
            result[0] = result.get(0, 0.0) + p * (1 - value / k)
        else:
            result[0] = result.get(0, 0.0) + p
    return result


@cache
def perturbation_row(count: int, k: int) -> tuple[int, ...]:
    """The noise for each of the R cell keys of a cell holding `count` respondents.

    Probabilities are turned into R slots by largest remainders and laid out by result, so the
    table is fixed for a given (count, k): the same cell always gets the same noise.
    """
    capped = min(count, k + MAX_CHANGE)  # beyond it every row is the plain noise
    outcomes = _outcomes(capped, k)
    exact = {value: p * R for value, p in outcomes.items()}
    slots = {value: math.floor(x) for value, x in exact.items()}
    left = R - sum(slots.values())
    for value in sorted(exact, key=lambda v: (slots[v] - exact[v], v))[:left]:
        slots[value] += 1
    row: list[int] = []
    for value in sorted(slots):
        row += [value - capped] * slots[value]
    return tuple(row)


def cell_key(key_sum: int, group_key_sum: int) -> int:
    """The slot of the perturbation table for a cell within its group, in 0..R-1.

    From the cell's records *and* its group's (the selection the count is a part of): two
    groups that differ by one respondent then perturb every cell afresh, not only the cell
    holding that respondent. With the cell's records alone, every other cell of the two tables
    is the same set of records with the same noise, cancels exactly in the difference, and
    the one cell that moved tells the respondent's answer (measured: 73-88% right for gender
    and body level, tests/privacy). A hash, so that close sums give unrelated slots; no
    secret is needed, as nobody outside the database knows a record key.
    """
    digest = hashlib.blake2b(f"{int(key_sum)}:{int(group_key_sum)}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") % R


def count_perturb(count: int, key_sum: int, k: int, *, group_key_sum: int = 0) -> int:
    """The count shown for a cell of `count` respondents whose record keys sum to `key_sum`,
    within a group (selection) whose record keys sum to `group_key_sum`."""
    count = int(count)
    if count <= 0:
        return 0
    return max(count + perturbation_row(count, k)[cell_key(key_sum, group_key_sum)], 0)


def group_refusal(*, size: int, total: int, k: int, whole: bool = False) -> str | None:
    """Why a selection of `size` respondents out of `total` may not be shown, or None.

    `whole`: the selection is the whole survey (no filter), which has no rest to protect.
    """
    if size < k:
        return SMALL_GROUP
    if not whole and total - size < k:
        return SMALL_REST
    return None


def counts_perturb(*, counts: AnswerCounts, k: int) -> AnswerCounts:
    """The same counts with every cell, margin and total perturbed by its own cell key."""
    frame, group = counts.counts, counts.respondents_key
    perturbed = frame.copy()
    if len(frame):
        perturbed["count"] = [
            count_perturb(n, key, k, group_key_sum=group)
            for n, key in zip(frame["count"], frame["key"].fillna(0), strict=True)
        ]
    return replace(
        counts,
        respondents=count_perturb(counts.respondents, group, k, group_key_sum=group),
        counts=perturbed,
        answered={
            code: count_perturb(n, counts.answered_keys.get(code, 0), k, group_key_sum=group)
            for code, n in counts.answered.items()
        },
        numbers={},
        number_cells={},
    )


def number_ranges(question: QuestionSpec) -> list[tuple[int, int | None]]:
    """Fixed ranges for a number question, from its bounds, never from the answers.

    At most eight ranges of a round width; the last is open ("50 and more") when there is no
    upper bound. A decimal's ranges have whole-number bounds too, from its bounds rounded down:
    a range `a–b` holds its values from a up to, not including, b + 1.
    """
    low, high = _whole_bounds(question)
    span = (high - low + 1) if high is not None else 100
    width = next(w for w in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 10**9) if span / w <= 8)
    ranges: list[tuple[int, int | None]] = []
    start = low
    while high is None or start <= high:
        end = start + width - 1
        if high is None and len(ranges) == 7:
            ranges.append((start, None))
            break
        ranges.append((start, min(end, high) if high is not None else end))
        start = end + 1
    return ranges


def _whole_bounds(question: QuestionSpec) -> tuple[int, int | None]:
    if question.type == "decimal":
        low_bound, high_bound = question.decimal_min, question.decimal_max
        low = math.floor(low_bound) if low_bound is not None else 0
        return low, math.floor(high_bound) if high_bound is not None else None
    return (question.number_min if question.number_min is not None else 0), question.number_max


def number_ranges_table(
    *, question: QuestionSpec, cells: Mapping[float, tuple[int, int]], k: int, group_key_sum: int
) -> dict[str, Any]:
    """Perturbed respondents per fixed range; withheld whole below 2k respondents."""
    n = sum(count for count, _key in cells.values())
    ranges = number_ranges(question)
    if n < 2 * k:
        return {"type": "number_ranges", "n": None, "ranges": [], "suppressed": True}
    entries = []
    for low, high in ranges:
        inside = [
            cell
            for value, cell in cells.items()
            if (value >= low or low == ranges[0][0]) and (high is None or value < high + 1)
        ]
        # Values below the first range (a bound changed later) join it; the open end takes
        # everything above.
        count = sum(c for c, _key in inside)
        key = sum(kk for _c, kk in inside)
        shown = count_perturb(count, key, k, group_key_sum=group_key_sum)
        entries.append({"low": low, "high": _shown_high(question, high), "count": shown})
    answered = count_perturb(
        n, sum(key for _c, key in cells.values()), k, group_key_sum=group_key_sum
    )
    for entry in entries:
        entry["percent"] = t.paper_percent(entry["count"], answered)
    return {"type": "number_ranges", "n": answered, "ranges": entries}


def _shown_high(question: QuestionSpec, high: int | None) -> int | float | None:
    """A decimal's range ends just below the next one: 0–9.99 for two places, not 0–9."""
    if high is None or question.type != "decimal" or not question.decimals:
        return high
    return round(high + 1 - 10.0**-question.decimals, question.decimals)


def results_protect(
    *,
    schema: SurveySchema,
    counts: AnswerCounts,
    total: int,
    k: int,
    filtered: bool,
    weighting: str | None = None,
    design_effect: float | None = None,
) -> dict[str, Any]:
    """What an aggregates-only viewer gets of one selection: a refusal, or protected tables.

    `total`: the survey's complete responses, for the remainder rule. `weighting`: the name of
    the scheme whose weighted sums `counts` carries; the weighted figures then come from the
    perturbed counts (`weighting.results`: each weighted cell scaled by perturbed / exact).
    """
    refusal = group_refusal(size=counts.respondents, total=total, k=k, whole=not filtered)
    if refusal:
        return {"refused": refusal, "respondents": None, "tables": None}
    perturbed = counts_perturb(counts=counts, k=k)
    tables = results_tables_build(schema=schema, counts=perturbed, k=None)
    for code, cells in counts.number_cells.items():
        tables[code] = number_ranges_table(
            question=schema.questions[code],
            cells=cells,
            k=k,
            group_key_sum=counts.respondents_key,
        )
    if weighting is not None:
        from .weighting.results import weighted_tables_add

        tables = weighted_tables_add(
            schema=schema,
            counts=counts,
            tables=tables,
            name=weighting,
            perturbed=perturbed,
            design_effect=design_effect,
        )
    return {"refused": None, "respondents": perturbed.respondents, "tables": tables}


def crosstab_protect(
    *,
    question: QuestionSpec,
    by: QuestionSpec,
    pairs: PairCounts,
    selection: int,
    total: int,
    k: int,
    filtered: bool,
    language: str,
    weighting: str | None = None,
    design_effect: float | None = None,
) -> dict[str, Any]:
    """A crosstab for an aggregates-only viewer: columns below the thresholds left out whole.

    `selection`: respondents of the filtered selection; `total`: the survey's. A column is the
    group (selection and one answer of `by`); it is shown when it and the rest of the survey
    both hold at least k respondents.
    """
    refusal = group_refusal(size=selection, total=total, k=k, whole=not filtered)
    if refusal:
        return {"type": "crosstab", "refused": refusal}
    shown, withheld = [], []
    for option in by.options:
        size = pairs.group_totals.get(option.code, 0)
        if group_refusal(size=size, total=total, k=k) is None:
            shown.append((option.code, option.label.get(language)))
        else:
            withheld.append(option.label.get(language))
    codes = {code for code, _label in shown}
    # A column is perturbed as the filtered table of its own group would be (the group key is
    # the column's), so the crosstab and the filter `by = column` show the same counts.
    columns = pairs.group_total_keys
    cells = {
        (o, g): count_perturb(n, pairs.cell_keys.get((o, g), 0), k, group_key_sum=columns[g])
        for (o, g), n in pairs.cells.items()
        if g in codes
    }
    sizes = {
        g: count_perturb(n, pairs.group_keys.get(g, 0), k, group_key_sum=columns[g])
        for g, n in pairs.group_sizes.items()
        if g in codes
    }
    table = t.crosstab_from_counts(
        question=question.code,
        question_type=question.type,
        options=[(o.code, o.label.get(language)) for o in question.options],
        by=by.code,
        by_options=shown,
        cells=cells,
        group_sizes=sizes,
        respondents=sum(sizes.values()),
        k=None,
    )
    if weighting is not None:
        from .weighting.results import crosstab_weights_add

        shown_pairs = replace(pairs, cells=cells, group_sizes=sizes)
        table = crosstab_weights_add(
            table=table,
            pairs=pairs,
            name=weighting,
            shown=shown_pairs,
            design_effect=design_effect,
        )
    return table | {"refused": None, "withheld_columns": withheld}


# What a viewer is shown of a snapshot ------------------------------------------------------


@dataclass(frozen=True)
class ViewerResults:
    """A snapshot as one viewer sees it: exact, protected, or refused (no figure at all)."""

    tables: dict[str, Any] | None
    respondents: int | None
    refused: str | None = None
    # None for exact results; the protection's parameters otherwise.
    parameters: Parameters | None = None


def viewer_results(*, snapshot: Any, exact: bool, k: int) -> ViewerResults:
    """The exact tables for microdata users, the protected ones for everybody else."""
    if exact:
        return ViewerResults(tables=snapshot.tables, respondents=snapshot.respondents)
    protected = snapshot.protected or {}
    refused = protected.get("refused")
    return ViewerResults(
        tables=None if refused else protected.get("tables"),
        respondents=None if refused else protected.get("respondents"),
        refused=refused,
        parameters=Parameters(k=k),
    )


def refusal_message(refused: str, *, k: int) -> str:
    """Why nothing is shown, in the active language."""
    if refused == SMALL_REST:
        return _(
            "This selection leaves fewer than %(k)d respondents outside it: its results are not "
            "shown, since the whole survey's results would give the few others away. Choose a "
            "narrower filter."
        ) % {"k": k}
    return _(
        "This selection has fewer than %(k)d respondents: to protect their anonymity, no "
        "figure of it is shown, not even how many they are. Choose a wider filter."
    ) % {"k": k}


def protection_note(parameters: Parameters | None) -> str | None:
    """The statement under every protected table, in the active language."""
    if parameters is None:
        return None
    return _(
        "Counts are perturbed to protect respondents: a count of %(big)d or more differs from "
        "the exact one by at most %(d)d; a smaller one may be shown as 0, and no count from 1 "
        "to %(small)d is ever shown. Totals are perturbed on their own, so parts need not add "
        "up to them; percentages and statistics are computed from the perturbed counts."
    ) % {
        "d": parameters.max_change,
        "big": parameters.k + parameters.max_change,
        "small": parameters.k - 1,
    }
