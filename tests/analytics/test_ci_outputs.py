"""Confidence intervals in `manage.py results` and the table downloads, on the paper's data;
and the promise that without `--ci` the output is what it was (only new fields are added)."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tests.analytics.test_results_command import SLUG, TABLE_1, WEST, seeded  # noqa: F401

CI_FIELDS = {"ci_level", "ci_low", "ci_high", "mean_ci_low", "mean_ci_high", "top2_ci_low"}
CI_FIELDS |= {"top2_ci_high", "ci_lows", "ci_highs"}
# The keys of today's contract (docs/api.md), per table type: nothing may be added without ci.
CONTRACT_KEYS = {
    "single": {"type", "respondents", "options", "suppressed"},
    "multiple": {"type", "respondents", "answers", "options", "suppressed"},
    "matrix": {"type", "respondents", "rows", "suppressed"},
    "rating": {"type", "counts", "n", "mean", "sd", "top2_percent", "na", "suppressed"},
}
OPTION_KEYS = {"code", "label", "count", "percent", "percent_of_answers"}
OPTION_KEYS |= {"percent_of_respondents", "suppressed"}
ROW_KEYS = {"code", "label", "counts", "n", "mean", "sd", "top2_percent", "na", "suppressed"}
ROW_KEYS |= {"counts_suppressed"}


def results(*args: str) -> dict:
    out = StringIO()
    call_command("results", SLUG, *args, stdout=out)
    return json.loads(out.getvalue())


def results_text(*args: str) -> str:
    out = StringIO()
    call_command("results", SLUG, *args, stdout=out)
    return out.getvalue()


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in CI_FIELDS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _wilson(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
    return round(100 * low, 1), round(100 * high, 1)


@pytest.mark.django_db
def test_json_without_ci_keeps_todays_keys_and_ci_only_adds(seeded):  # noqa: F811
    plain = results("--filter", WEST, "--language", "ru")
    for code, table in plain["tables"].items():
        assert set(table) <= CONTRACT_KEYS[table["type"]], code
        for entry in table.get("options") or []:
            assert set(entry) <= OPTION_KEYS, code
        for row in table.get("rows") or []:
            assert set(row) <= ROW_KEYS, code
    text = results_text("--filter", WEST, "--language", "ru")
    assert "ci_" not in text and '"letter"' not in text and '"sig"' not in text
    with_ci = results("--filter", WEST, "--language", "ru", "--ci", "95")
    assert _strip(with_ci) == plain


@pytest.mark.django_db
def test_paper_figures_get_their_intervals(seeded):  # noqa: F811
    document = results("--filter", WEST, "--language", "ru", "--ci", "95")
    barriers = {o["code"]: o for o in document["tables"]["barriers"]["options"]}
    citizen = barriers["citizen_behaviour"]
    assert (citizen["ci_low"], citizen["ci_high"]) == _wilson(1241, 2062)
    assert citizen["ci_low"] < citizen["percent_of_respondents"] < citizen["ci_high"]
    table_1 = document["tables"]["channel_effectiveness"]
    assert table_1["ci_level"] == 0.95
    meeting = next(r for r in table_1["rows"] if r["code"] == "meeting")
    assert (meeting["top2_ci_low"], meeting["top2_ci_high"]) == _wilson(456 + 1290, 2062)
    values = np.repeat([1, 2, 3, 4, 5], TABLE_1["meeting"]).astype(float)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert meeting["mean_ci_low"] == pytest.approx(low, abs=0.011)
    assert meeting["mean_ci_high"] == pytest.approx(high, abs=0.011)
    wide = results("--filter", WEST, "--language", "ru", "--ci", "99")
    citizen99 = next(
        o for o in wide["tables"]["barriers"]["options"] if o["code"] == "citizen_behaviour"
    )
    assert (citizen99["ci_low"], citizen99["ci_high"]) == _wilson(1241, 2062, 0.99)
    assert citizen99["ci_low"] < citizen["ci_low"]


@pytest.mark.django_db
def test_another_level_is_refused(seeded):  # noqa: F811
    with pytest.raises(CommandError):
        results("--ci", "80")


@pytest.mark.django_db
def test_csv_with_ci_only_adds_columns_and_a_note(seeded):  # noqa: F811
    plain = list(csv.reader(io.StringIO(results_text("--format", "csv", "--language", "ru"))))
    text = results_text("--format", "csv", "--language", "ru", "--ci", "95")
    annotated = list(csv.reader(io.StringIO(text)))
    assert "95% CI" not in "".join(results_text("--format", "csv", "--language", "ru"))
    # Every line of the plain file starts the same line of the annotated one; the annotated
    # file has a note more under each table with intervals (and number tables two rows more).
    rest = iter(annotated)
    extra = 0
    for line in plain:
        for other in rest:
            if other[: len(line)] == line:
                break
            extra += 1
        else:
            pytest.fail(f"line missing from the annotated file: {line}")
    assert extra > 0
    barriers_header = next(line for line in annotated if line[:2] == ["Код", "Ответ"])
    assert len(barriers_header) >= 6
