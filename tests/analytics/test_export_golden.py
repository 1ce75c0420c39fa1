"""Raw exports stay what they were while their writers are rebuilt for speed (issue 18).

The fingerprints in tests/data/golden/exports.json were recorded by this module (GOLDEN_RECORD=1)
from the code of 2026-12-06, before the streaming writers: the sha256 of each CSV's bytes, and of
a canonical dump of every cell value and type of each XLSX (an .xlsx holds its creation time) and
of each .sav as pyreadstat reads it back (data, labels, value labels, formats, measures, missing
ranges; the header holds its creation time). Exports of the 4790 seeded responses: all, the four
western regions, in kk and ru, and weighted by the demonstration scheme, through the export job.
"""

import csv
import hashlib
import io
import json
import math
import os
import zipfile
from io import StringIO
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from django.core.management import call_command

from analytics.exporting import export_build
from analytics.models import ExportJob
from analytics.weighting.models import WeightingScheme
from surveys.models import Response, Survey

SLUG = "civil-service-communication-2022"
WEST = {"region": ["west_kazakhstan", "aktobe", "atyrau", "mangystau"]}
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "exports.json"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"

CASES = {
    "csv-all": ("csv", "ru", {}, False),
    "csv-west": ("csv", "kk", WEST, False),
    "csv-weighted": ("csv", "ru", {}, True),
    "xlsx-all": ("xlsx", "kk", {}, False),
    "xlsx-west-weighted": ("xlsx", "ru", WEST, True),
    "sav-kk": ("sav", "kk", {}, False),
    "sav-ru-west": ("sav", "ru", WEST, False),
    "sav-weighted": ("sav", "kk", {}, True),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_paper_dataset", stdout=StringIO())
        call_command("seed_demo_weighting", stdout=StringIO())
        yield Survey.objects.get(slug=SLUG)
        WeightingScheme.objects.filter(survey__slug=SLUG).delete()
        Response.objects.filter(survey__slug=SLUG).delete()
        Survey.objects.filter(slug=SLUG).delete()


def _number(value):
    if isinstance(value, float):
        return None if math.isnan(value) else repr(value)
    return value


def csv_fingerprint(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        return hashlib.sha256(b"".join(archive.read(name) for name in names)).hexdigest()


def xlsx_fingerprint(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    dump = [
        [sheet.title, [[(type(v).__name__, _number(v)) for v in row] for row in sheet.values]]
        for sheet in book.worksheets
    ]
    return hashlib.sha256(json.dumps(dump, ensure_ascii=False).encode()).hexdigest()


def sav_fingerprint(path: Path) -> str:
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    rows = StringIO()
    writer = csv.writer(rows)
    writer.writerow(frame.columns)
    for record in frame.itertuples(index=False):
        writer.writerow([_number(v) for v in record])
    dump = {
        "rows": rows.getvalue(),
        "file_label": meta.file_label,
        "labels": meta.column_names_to_labels,
        "value_labels": {
            k: {repr(c): t for c, t in v.items()} for k, v in meta.variable_value_labels.items()
        },
        "formats": meta.original_variable_types,
        "measure": meta.variable_measure,
        "missing": {k: repr(v) for k, v in meta.missing_ranges.items()},
    }
    return hashlib.sha256(json.dumps(dump, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def fingerprint(survey: Survey, case: str, tmp_path: Path) -> str:
    fmt, language, filters, weighted = CASES[case]
    scheme = WeightingScheme.objects.get(survey=survey) if weighted else None
    job = ExportJob.objects.create(
        survey=survey,
        kind=ExportJob.Kind.RESPONSES,
        format=fmt,
        language=language,
        filters=filters,
        weighting=scheme,
    )
    export_build(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "complete", job.error
    with job.file.open("rb") as handle:
        data = handle.read()
    if fmt == "csv":
        return csv_fingerprint(data)
    if fmt == "xlsx":
        return xlsx_fingerprint(data)
    path = tmp_path / "export.sav"
    path.write_bytes(data)
    return sav_fingerprint(path)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_export_is_what_it_was(seeded, case, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    got = fingerprint(seeded, case, tmp_path)
    recorded = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if RECORD:
        recorded[case] = got
        GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    assert got == recorded[case]
