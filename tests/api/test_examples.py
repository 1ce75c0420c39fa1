"""The examples of docs/api.md run: the Python one against a live server, paging to the end.

R is not installed where the suite runs, so the R example is only checked to read the same
address, parameters and variables as the Python one; docs/api.md says it is not run in CI.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.tokens import api_token_create
from surveys.formats.io import responses_export
from surveys.formats.io.pages import wide_columns_all
from surveys.models import Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

ROOT = Path(__file__).resolve().parents[2]
PYTHON_EXAMPLE = ROOT / "docs" / "examples" / "responses_to_pandas.py"
R_EXAMPLE = ROOT / "docs" / "examples" / "responses_to_r.R"
GUIDE = ROOT / "docs" / "api.md"
RESPONSES = 12


@pytest.fixture
def served(transactional_db, live_server, mini_survey) -> dict:
    """The mini survey with twelve complete responses and a draft, its owner's token."""
    owner = get_user_model().objects.create_user("owner", password="pw-123456")
    Survey.objects.filter(pk=mini_survey.pk).update(owner=owner)
    schema = survey_schema_get(survey=mini_survey)
    start = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(RESPONSES):
        response_create(
            survey=mini_survey,
            data=answers_fill(schema, level="central" if i % 2 else "local"),
            language="kk" if i % 3 else "ru",
            source="import",
            schema=schema,
            submitted_at=start - timedelta(days=30 - i),
        )
    Response.objects.create(survey=mini_survey, language="ru", source="web")  # never read
    _token, text = api_token_create(user=owner, name="example")
    return {"survey": mini_survey, "schema": schema, "token": text, "url": live_server.url}


def _run(served: dict, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "SAUALNAMA_URL": served["url"],
        "SAUALNAMA_TOKEN": served["token"],
        "SAUALNAMA_SURVEY": served["survey"].slug,
        "SAUALNAMA_PAGE_SIZE": "5",  # 12 responses: three pages, the last one of two
        **env,
    }
    return subprocess.run(
        [sys.executable, str(PYTHON_EXAMPLE)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_python_example_pages_every_response_into_a_dataframe(served, tmp_path):
    out = tmp_path / "responses.csv"
    run = _run(served, SAUALNAMA_OUT=str(out))
    assert run.returncode == 0, run.stderr
    columns = wide_columns_all(schema=served["schema"])
    assert run.stdout.strip().splitlines()[-1] == f"rows={RESPONSES} columns={len(columns)}"
    assert f"{RESPONSES} responses, 5 a page" in run.stderr

    # Its CSV holds the same rows as the CSV export, column for column.
    written = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(written[0]) == ["_id", *columns]
    assert len({row.pop("_id") for row in written}) == RESPONSES
    exported = io.StringIO(newline="")
    responses_export(survey=served["survey"], fmt="csv", out=exported)
    expected = list(csv.DictReader(io.StringIO(exported.getvalue().lstrip("\ufeff"))))
    for rows in (written, expected):
        for row in rows:  # pandas writes the moment in UTC, the export in Asia/Almaty
            row["submitted_at"] = parse_datetime(row["submitted_at"].replace(" ", "T"))
    key = lambda row: (row["submitted_at"], row["language"], row["level"])  # noqa: E731
    assert sorted(written, key=key) == sorted(expected, key=key)


def test_the_python_example_asks_for_labels_and_reports_an_api_error(served, tmp_path):
    out = tmp_path / "labels.csv"
    run = _run(served, SAUALNAMA_LABELS="ru", SAUALNAMA_PAGE_SIZE="1000", SAUALNAMA_OUT=str(out))
    assert run.returncode == 0, run.stderr
    levels = {row["level"] for row in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert levels == {"Центральный", "Местный"}

    refused = _run(served, SAUALNAMA_TOKEN="snm_00000000_not-a-token")
    assert refused.returncode != 0
    assert "401 authentication_failed" in refused.stderr


def _api_paths(text: str) -> set[str]:
    return set(re.findall(r"/api/v1/[a-z/]+", text))


def test_the_r_example_reads_the_same_endpoint_the_same_way():
    python, r = PYTHON_EXAMPLE.read_text(), R_EXAMPLE.read_text()
    assert _api_paths(r) == _api_paths(python) == {"/api/v1/surveys/"}
    assert '"/responses/"' in r and "/responses/" in python
    for word in ("SAUALNAMA_URL", "SAUALNAMA_TOKEN", "SAUALNAMA_SURVEY", "SAUALNAMA_PAGE_SIZE",
                 "SAUALNAMA_LABELS", "SAUALNAMA_OUT", "page_size", "labels", "_id",
                 "Accept-Language", '"Token"'):  # fmt: skip
        assert word in r, word
        assert word.strip('"') in python, word
    # Following `next` to the end, retrying 429 after Retry-After, as the Python one does.
    assert 'resp_body_json(resp)[["next"]]' in r and "max_reqs = Inf" in r
    assert "req_retry(" in r and "Retry-After" in python


def test_the_guide_shows_both_examples_as_they_are():
    guide = GUIDE.read_text()
    for example in (PYTHON_EXAMPLE, R_EXAMPLE):
        assert example.read_text().strip() in guide, example.name
        assert f"docs/examples/{example.name}" in guide
    assert "not run in CI" in guide
