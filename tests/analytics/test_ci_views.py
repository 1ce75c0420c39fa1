"""Intervals on demand and column letters on the results and crosstab pages and downloads."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _
from statsmodels.stats.proportion import proportion_confint

from accounts.roles import RESEARCHER
from analytics.crosstab import crosstab_compute
from analytics.inference import column_tests
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.analytics.test_views import BASE, analyst, client_for, owner, survey, url  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
BAD_LEVEL = "The confidence level is 90, 95 or 99 (for example ci=95)."


def test_results_page_shows_intervals_only_when_asked(survey, owner):  # noqa: F811
    plain = owner.get(url("results")).content.decode()
    assert (
        'class="d-block small text-body-secondary ci"' not in plain
        and 'id="ci-legend"' not in plain
    )
    assert 'id="ci-toggle"' in plain and "ci=95" in plain
    page = owner.get(url("results") + "?ci=95").content.decode()
    assert 'id="ci-legend"' in page
    # "barriers": perception chosen by 6 of 7 respondents.
    low, high = proportion_confint(6, 7, method="wilson")
    # Russian decimals have a comma, as every other figure on the page.
    shown = f"{round(100 * low, 1)}–{round(100 * high, 1)}".replace(".", ",")
    assert shown in page
    # The download links keep the level; the toggle takes it away.
    assert re.search(r'href="[^"]*xlsx[^"]*ci=95" id="download-xlsx"', page)
    assert 'name="ci" value="95"' in page  # the filter form keeps it too


@pytest.mark.parametrize("bad", ["80", "x"])
def test_another_level_is_a_clear_400(survey, owner, bad):  # noqa: F811
    for target in (url("results"), url("crosstab"), url("tables", "csv")):
        answer = owner.get(target + f"?ci={bad}")
        assert answer.status_code == 400
        with translation.override("ru"):
            assert _(BAD_LEVEL) in answer.content.decode()


def test_the_analyst_gets_intervals_of_the_perturbed_figures(survey, analyst):  # noqa: F811
    page = analyst.get(url("results") + "?ci=95")
    assert page.status_code == 200 and 'id="ci-legend"' in page.content.decode()
    refused = analyst.get(url("results") + "?f=level:local&ci=95")
    assert 'id="refusal"' in refused.content.decode()
    assert 'id="ci-legend"' not in refused.content.decode()


def test_attackers_get_no_intervals(survey):  # noqa: F811
    assert Client().get(url("results") + "?ci=95").status_code == 302
    other, _user = client_for("olga", RESEARCHER, is_staff=True)
    for target in (url("results"), url("crosstab"), url("tables", "csv")):
        assert other.get(target + "?ci=95").status_code == 404


def test_csv_download_with_ci_has_interval_columns(survey, owner):  # noqa: F811
    plain = owner.get(url("tables", "csv")).content.decode("utf-8-sig")
    text = owner.get(url("tables", "csv") + "?ci=95").content.decode("utf-8-sig")
    assert plain == owner.get(url("tables", "csv")).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    low, high = proportion_confint(6, 7, method="wilson")
    perception = next(line for line in lines if line[:1] == ["perception"])
    assert perception[-2:] == [str(round(100 * low, 1)), str(round(100 * high, 1))]
    plain_lines = list(csv.reader(io.StringIO(plain)))
    old = next(line for line in plain_lines if line[:1] == ["perception"])
    assert perception[: len(old)] == old


def test_crosstab_letters_and_legend(survey, owner):  # noqa: F811
    for _i in range(6):
        response_create(
            survey=survey,
            data={**BASE, "level": "local", "body": None, "barriers": "gender"},
            language="ru",
            source="web",
        )
    page = owner.get(url("crosstab") + "?q=barriers&by=level").content.decode()
    assert 'id="column-test-legend"' in page and 'id="crosstab-test"' in page
    assert re.findall(r'column-letter">([A-Z]+)<', page) == ["A", "B"]
    # 6 of 6 central chose "perception", 0 of 7 local: central (A) exceeds local (B).
    assert re.search(r'class="sig"[^>]*>B<', page)
    assert 'class="d-block small text-body-secondary ci"' not in page
    with_ci = owner.get(url("crosstab") + "?q=barriers&by=level&ci=95").content.decode()
    assert 'id="ci-legend"' in with_ci and 'class="d-block small text-body-secondary ci"' in with_ci


def test_xlsx_download_with_ci_has_interval_columns(survey, owner):  # noqa: F811
    book = openpyxl.load_workbook(io.BytesIO(owner.get(url("tables", "xlsx") + "?ci=99").content))
    rows = list(book["barriers"].iter_rows(values_only=True))
    header = [cell for cell in rows[1] if cell is not None]
    plain = openpyxl.load_workbook(io.BytesIO(owner.get(url("tables", "xlsx")).content))
    old_header = [c for c in list(plain["barriers"].iter_rows(values_only=True))[1] if c]
    assert header[: len(old_header)] == old_header and len(header) == len(old_header) + 2
    perception = next(row for row in rows if row[0] == "perception")
    low, high = proportion_confint(6, 7, alpha=0.01, method="wilson")
    assert perception[len(old_header) : len(old_header) + 2] == (
        round(100 * low, 1),
        round(100 * high, 1),
    )


def test_the_analysts_crosstab_letters_come_from_the_perturbed_counts(survey, analyst):  # noqa: F811
    # Groups large enough that the noise (at most 3 a count) cannot hide the difference:
    # perception is 20 of 20 central respondents and none of 21 local ones.
    for _i in range(20):
        response_create(
            survey=survey,
            data={**BASE, "level": "local", "body": None, "barriers": "gender"},
            language="ru",
            source="web",
        )
    for _i in range(14):
        response_create(survey=survey, data=BASE, language="ru", source="web")
    table = crosstab_compute(
        survey=survey,
        schema=survey_schema_get(survey=survey),
        filters={},
        question="barriers",
        by="level",
        language="ru",
        exact=False,
        ci=0.95,
    )
    sizes = [c["respondents"] for c in table["columns"]]
    assert [c["letter"] for c in table["columns"]] == ["A", "B"]
    counts = [row["counts"] for row in table["rows"]]
    hidden = [row["suppressed"] for row in table["rows"]]
    expected = column_tests(counts, sizes, hidden=hidden)
    assert [row["sig"] for row in table["rows"]] == expected
    assert any(any(cell) for line in expected for cell in line)
    page = analyst.get(url("crosstab") + "?q=barriers&by=level").content.decode()
    assert 'id="column-test-legend"' in page and 'class="sig"' in page
