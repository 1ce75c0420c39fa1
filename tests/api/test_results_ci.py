"""`?ci=95` on the results endpoint: intervals only when asked, a 400 for any other level."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from statsmodels.stats.proportion import proportion_confint

pytestmark = pytest.mark.django_db
URL = "/api/v1/surveys/{slug}/results/"
CI_KEYS = {"ci_level", "ci_low", "ci_high", "mean_ci_low", "mean_ci_high", "top2_ci_low"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_without_ci_no_interval_field_anywhere(world, as_):
    body = as_("owner").get(URL.format(slug=world["a"].slug)).json()
    assert not CI_KEYS & _keys(body)
    assert not {"letter", "sig", "column_test", "ci_lows"} & _keys(body)


@pytest.mark.parametrize("role", ["owner", "results_admin"])
def test_ci_95_adds_wilson_intervals_to_the_figures_shown(world, as_, role):
    url = URL.format(slug=world["a"].slug)
    plain = as_(role).get(url).json()
    body = as_(role).get(url, ci="95").json()
    level = body["tables"]["level"]
    assert level["ci_level"] == 0.95
    for entry in level["options"]:
        low, high = proportion_confint(entry["count"], level["respondents"], method="wilson")
        assert (entry["ci_low"], entry["ci_high"]) == (round(100 * low, 1), round(100 * high, 1))
    # Only new fields: removing them gives back the document without ci.
    assert _strip(body["tables"]) == plain["tables"]


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in CI_KEYS | {"top2_ci_high"}}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("bad", ["80", "0.95", "abc"])
def test_another_level_is_a_400_in_the_callers_language(world, as_, bad):
    answer = as_("owner", "ru").get(URL.format(slug=world["a"].slug), ci=bad)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_ci"
    with translation.override("ru"):
        assert error["message"] == _("The confidence level is 90, 95 or 99 (for example ci=95).")


def test_attackers_get_nothing_with_ci(world, as_):
    url = URL.format(slug=world["a"].slug)
    assert as_("anonymous").get(url, ci="95").status_code in (401, 403)
    answer = as_("researcher_b").get(url, ci="95")
    assert answer.status_code == 404 and "tables" not in json.dumps(answer.json())
