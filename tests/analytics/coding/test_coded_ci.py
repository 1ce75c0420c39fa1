"""A coded table gets its confidence intervals like any option list, only when ci is asked."""

from __future__ import annotations

import csv
import io

import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.analytics.coding.test_views import coded  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = "/api/v1/surveys/mini/results/"


def test_coded_tables_get_intervals_in_the_json_and_the_download(survey, researcher, coded):  # noqa: F811
    client, _user = researcher
    plain = client.get(RESULTS).json()["coded"]["barriers"]
    assert not any("ci_low" in o for o in plain["options"])
    table = client.get(RESULTS, {"ci": "95"}).json()["coded"]["barriers"]
    assert table["ci_level"] == 0.95
    for option in table["options"]:
        low, high = proportion_confint(option["count"], table["respondents"], method="wilson")
        assert (option["ci_low"], option["ci_high"]) == (round(100 * low, 1), round(100 * high, 1))
    body = client.get("/results/mini/tables.csv", {"ci": "95"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    # A title is a one-cell line followed by a header (notes are one-cell lines too).
    titles = [
        i for i, row in enumerate(rows[:-1]) if len(row) == 1 and row[0] and len(rows[i + 1]) > 1
    ]
    header = rows[titles[-1] + 1]  # the coded table comes last
    assert rows[titles[-1]][0].endswith(")")
    assert sum("95" in cell for cell in header) == 2
