"""Without ci, the outputs are byte for byte those of the code before intervals existed.

The golden files were written by main (before this branch) from the same 7 responses of the
mini survey (`tests.analytics.test_views.survey`): `manage.py results` as JSON and CSV, and the
researcher's table downloads, whole and filtered. Exact figures only: an aggregates-only
viewer's perturbation depends on random record keys.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.analytics.test_views import owner, survey, url  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
GOLDEN = Path(__file__).parent / "golden_ci"


def _command(*args: str) -> str:
    out = StringIO()
    call_command("results", "mini", *args, stdout=out)
    return out.getvalue()


def test_results_command_is_unchanged_without_ci(survey):  # noqa: F811
    golden = (GOLDEN / "mini-results.json").read_bytes().decode()
    if connection.vendor == "postgresql":
        # jsonb keeps an object's keys in its own order (the snapshot is stored as jsonb), which
        # the recording on SQLite did not: the same values, compared as values.
        assert json.loads(_command()) == json.loads(golden)
    else:
        assert _command() == golden
    assert _command("--format", "csv") == (GOLDEN / "mini-results.csv").read_bytes().decode()
    assert _command("--ci", "95") != _command()


def test_table_downloads_are_unchanged_without_ci(survey, owner):  # noqa: F811
    whole = owner.get(url("tables", "csv")).content
    assert whole == (GOLDEN / "mini-tables-ru.csv").read_bytes()
    central = owner.get(url("tables", "csv") + "?f=level:central").content
    assert central == (GOLDEN / "mini-tables-central-ru.csv").read_bytes()
    assert owner.get(url("tables", "csv") + "?ci=95").content != whole
