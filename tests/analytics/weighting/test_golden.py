"""Unweighted output stays byte-identical to what it was before weighting existed.

The files in tests/data/golden were written by this module (GOLDEN_RECORD=1) from the code as it
was before weighting: `manage.py results` JSON (whole survey and the western regions), the tables
as CSV (exact and as an aggregates-only viewer gets them) and the values of the XLSX sheets (an
.xlsx holds its creation time, so its bytes differ run to run).
"""

import json
import os
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from surveys.models import Response, Survey

SLUG = "civil-service-communication-2022"
WEST = "region=west_kazakhstan,aktobe,atyrau,mangystau"
GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_paper_dataset", stdout=StringIO())
        yield Survey.objects.get(slug=SLUG)
        Response.objects.filter(survey__slug=SLUG).delete()
        Survey.objects.filter(slug=SLUG).delete()


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    data = text.encode()
    if RECORD:
        path.write_bytes(data)
    if connection.vendor != "sqlite" and name.startswith("results-"):
        # Recorded on SQLite; PostgreSQL's jsonb gives a snapshot's keys in its own order (it
        # did so before weighting too), so there the documents are compared as values.
        assert json.loads(data) == json.loads(path.read_bytes()), name
        return
    assert data == path.read_bytes(), name


def command(*args: str) -> str:
    out = StringIO()
    call_command("results", SLUG, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_results_json_is_unchanged(seeded):
    check("results-all-kk.json", command("--language", "kk"))
    check("results-west-ru.json", command("--filter", WEST, "--language", "ru"))


@pytest.mark.django_db
def test_tables_csv_is_unchanged(seeded):
    check("tables-west-kk.csv", command("--filter", WEST, "--format", "csv", "--language", "kk"))


@pytest.mark.django_db
def test_tables_xlsx_values_are_unchanged(seeded, tmp_path):
    target = tmp_path / "west.xlsx"
    call_command(
        "results", SLUG, "--filter", WEST, "--format", "xlsx", "-o", str(target), "--language", "ru"
    )
    book = openpyxl.load_workbook(target)
    values = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }
    check("tables-west-ru.xlsx.json", json.dumps(values, ensure_ascii=False, indent=1) + "\n")
