"""The load test of bench/load.py, scaled down: respondents at once through gunicorn lose nothing.

gunicorn's workers and this test share the test database, so it needs PostgreSQL; the figures
(throughput, latency) are printed by `make load`, never asserted here.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.load import answers_generate, gunicorn_serve, load_run
from bench.load_check import database_check, report
from surveys.selectors import survey_schema_get
from tests.factories import survey_2022_load

from .conftest import postgres_required, servers_database_url

pytestmark = pytest.mark.django_db(transaction=True)

SEATS = 20
SECONDS = 10
FINISH = 90  # those still answering at the end go on to the thank-you page: none is cut off


def test_twenty_respondents_at_once_get_one_complete_response_each_and_no_5xx(tmp_path):
    postgres_required()
    survey = survey_2022_load()
    answers = answers_generate(schema=survey_schema_get(survey=survey), count=50)
    log = tmp_path / "gunicorn.log"

    with gunicorn_serve(database_url=servers_database_url(), workers=2, threads=4, log=log) as base:
        result = asyncio.run(
            load_run(
                base=base,
                slug=survey.slug,
                answers=answers,
                seats=SEATS,
                duration=SECONDS,
                finish=FINISH,
            )
        )

    problems = database_check(survey=survey, result=result)
    print(report(result))
    assert problems == [], "\n".join([*problems, log.read_text()[-3000:]])
    assert len(result.respondents) >= SEATS
    assert result.thanked == len(result.respondents), report(result)
