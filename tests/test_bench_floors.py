"""The benchmark's floors count what ours counts, its weights are computed once, and its summary
says pass or FAIL by each row's own target (bench/bench_tables.py, bench_weighted.py, summary.py).

A floor that counted other cells than the tables would make every ratio meaningless: here the
one-pass GROUP BY of each case is checked against `answer_counts_get` of the same selection, on
PostgreSQL (the floor is PostgreSQL SQL run through the raw psycopg connection, as in the bench).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.db import connection

from analytics.selectors import CLOSED_TYPES, answer_counts_get, filters_normalize
from analytics.weighting.models import ResponseWeight
from surveys.management.seed import WEST_REGIONS
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load

sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

import bench_tables
import bench_weighted
import summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    regions = [o.code for o in schema.questions["region"].options if not o.is_other]
    # Every region and both levels hold respondents, so the demonstration scheme can be raked.
    for number, region in enumerate(regions + regions[:4]):
        level = "central" if number % 3 == 0 else "local"
        data = answers_fill(schema, region=region, body_level=level)
        response_create(survey=survey, data=data, language="kk", source="web")
    return survey


def _ours_by_question(counts, column: str) -> dict[str, float]:
    return counts.counts.groupby("question")[column].sum().to_dict()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is PostgreSQL SQL")
@pytest.mark.parametrize("filtered", [False, True])
def test_one_pass_floor_counts_the_cells_ours_counts(survey, filtered):
    schema = survey_schema_get(survey=survey)
    scheme = bench_weighted.scheme_ready(survey=survey)
    west_only = {"region": list(WEST_REGIONS)} if filtered else {}
    filters = filters_normalize(schema=schema, raw=west_only)
    region = schema.questions["region"]
    west = (region.id, [region.option_by_code[code].id for code in filters.get("region", [])])
    closed = [q for q in schema.ordered_questions() if q.type in CLOSED_TYPES]
    code = {q.id: q.code for q in closed}
    counts = answer_counts_get(survey=survey, schema=schema, filters=filters, weighting=scheme.pk)
    connection.ensure_connection()
    rows = bench_tables.floor_one_pass(
        connection.connection,
        survey_id=survey.id,
        questions=[q.id for q in closed],
        region=west if filtered else None,
        scheme_id=scheme.pk,
        keys=True,
    )
    floor: dict[str, list[float]] = {}
    for question, _option, _row, _value, n, key, w, w2 in rows:
        sums = floor.setdefault(code[question], [0, 0, 0.0, 0.0])
        for i, value in enumerate((n, key, w, w2)):
            sums[i] += value
    assert {c: s[0] for c, s in floor.items()} == _ours_by_question(counts, "count")
    assert {c: s[1] for c, s in floor.items()} == _ours_by_question(counts, "key")
    ours_w = _ours_by_question(counts, "wsum")
    assert {c: pytest.approx(s[2]) for c, s in floor.items()} == ours_w
    assert {c: pytest.approx(s[3]) for c, s in floor.items()} == _ours_by_question(counts, "wsq")
    # Each respondent answers the region once: the floor selected exactly the filter's ones.
    regions = [o.code for o in region.options if not o.is_other]
    chosen = [r for r in regions + regions[:4] if not filtered or r in WEST_REGIONS]
    assert floor["region"][0] == counts.respondents == len(chosen) > 0


def test_the_weights_are_computed_once_per_database(survey):
    first = bench_weighted.scheme_ready(survey=survey)
    again = bench_weighted.scheme_ready(survey=survey)
    assert again.pk == first.pk and again.version == first.version
    assert ResponseWeight.objects.filter(scheme=first).count() == 24


def test_every_summary_row_is_judged_by_its_own_target():
    tables = [
        {"responses": 10_000, "case": case, "ours": ours, "floor": 1.0, "ratio": ours,
         "target": 1.2, "pass": ours <= 1.2, "answered": 0.1, "load": 2.0}
        for case, ours in (("all responses, unweighted, exact", 1.1), ("west", 1.3))
    ]  # fmt: skip
    exports = [
        {"format": "sav", "responses": 10_000, "peak_mb": 320.0, "memory_pass": False,
         "seconds": 3.0, "floor": 2.0, "ratio": 1.5, "target": 2.0, "pass": False,
         "file_mb": 17.0, "load": 2.0}
    ]  # fmt: skip
    page = {"kind": "page", "responses": 10_000, "who": "aggregates", "median_ms": 80.0,
            "floor_ms": 4.0, "ratio": 20.0, "target_ms": 100.0, "pass": True, "queries": 18,
            "sql_ms": 12.0, "bytes": 461_000, "load": 2.0}  # fmt: skip
    text = summary.summary(tables=tables, exports=exports, apis=[], interactive=[page], submits=[])
    lines = [line for line in text.splitlines() if line.startswith("| ")][1:]
    verdicts = [line.split(" | ")[6] for line in lines]
    assert verdicts == ["pass", "FAIL", "FAIL", "pass"]
    assert "peak 320 MB (FAIL)" in lines[2]
    assert text.endswith("2 of 4 targets met in this run.")
