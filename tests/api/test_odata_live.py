"""A real OData v4 client reads the feed from a live server and gets the CSV export's rows.

The client is python-odata (PyPI `python-odata`, import `odata`): it reflects `$metadata` into
entity classes (a CSDL it cannot read fails here), types each property from its Edm type
(Edm.Int64 to int, Edm.DateTimeOffset to an aware datetime), authenticates with HTTP Basic as
Excel does (any user name, the token as password) and follows `@odata.nextLink` to the end.

The responses it reads (`varied_add`) and the CSV side of the comparison live here; the in-process
tests in test_odata.py compare every filter and order the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from odata import ODataService
from odata.property import DatetimeProperty, IntegerProperty, StringProperty
from requests.auth import HTTPBasicAuth

from api.odata.properties import entity_properties
from surveys.formats.io import csv_text_restore, responses_export
from surveys.formats.io.pages import column_kinds
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

pytestmark = pytest.mark.django_db(transaction=True)

BARRIERS = (["perception", "language"], ["none"], ["language", "other"], ["emotional"])


def varied_add(survey: Survey, count: int = 14, start: int = 0) -> None:
    """`count` complete responses using every kind of column, a day apart from 1 March 2024."""
    schema = survey_schema_get(survey=survey)
    base = datetime(2024, 3, 1, 12, tzinfo=ZoneInfo("Asia/Almaty"))
    for i in range(start, start + count):
        level = "central" if i % 3 else "local"
        barriers = BARRIERS[i % 4]
        data: dict[str, Any] = {
            "level": level,
            "years": str((i * 7) % 40),
            "general": str(1 + i % 5),
            "channels.meeting": str(i % 6),
            "channels.phone": str((i + 2) % 6),
            "barriers": barriers,
            "comment": None if i % 4 == 1 else f"Пікір {i}, «{i}»\nжол",
        }
        if level == "central":
            data["body"] = "other" if i % 2 else "finance"
            if i % 2:
                data["body.other"] = f"Басқа орган {i}"
        if "other" in barriers:
            data["barriers.other"] = f"=1+{i}"  # a formula-like text: the CSV prefixes it
        response_create(
            survey=survey,
            data=answers_fill(schema, **data),
            language=("kk", "ru")[i % 2],
            source="import",
            schema=schema,
            submitted_at=base + timedelta(days=i),
        )


def csv_records(survey: Survey) -> list[dict[str, str]]:
    """The CSV export's rows, each text cell as it was before the export's formula guard."""
    out = io.StringIO(newline="")
    responses_export(survey=survey, fmt="csv", out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"), newline="")))
    kinds = column_kinds(schema=survey_schema_get(survey=survey))
    return [
        {k: v if kinds[k] == "integer" else csv_text_restore(v) for k, v in row.items()}
        for row in rows
    ]


def entity_record(survey: Survey, entity: dict[str, Any]) -> dict[str, str]:
    """An entity as the CSV row it should equal: wide column names, text cells, no `_id`."""
    properties = entity_properties(schema=survey_schema_get(survey=survey))
    return {
        p.column: "" if entity[p.name] is None else str(entity[p.name])
        for p in properties
        if p.kind != "key"
    }


@pytest.fixture
def service(world, live_server, monkeypatch) -> Iterator[ODataService]:
    varied_add(world["a"])
    # Small pages, so that the client has to follow nextLink several times.
    monkeypatch.setattr("api.odata.views.PAGE_SIZE_MAX", 7)
    # Our own session, closed after the test: a kept-alive connection still open when the live
    # server stops would close the server thread's shared in-memory database from a thread that
    # may no longer share it.
    with requests.Session() as session:
        yield ODataService(
            f"{live_server.url}/api/v1/odata/mini.svc/",
            reflect_entities=True,
            session=session,
            auth=HTTPBasicAuth("excel", world["tokens"]["owner"]),
            quiet_progress=True,
        )


def _cell(value: object) -> object:
    return "" if value is None else value


def test_the_client_reads_every_response_as_the_csv_export_has_it(world, service):
    survey = world["a"]
    schema = survey_schema_get(survey=survey)
    kinds = column_kinds(schema=schema)
    properties = [p for p in entity_properties(schema=schema) if p.kind != "key"]
    responses = service.entities["Responses"]
    types = {"integer": IntegerProperty, "datetime": DatetimeProperty}
    for prop in properties:  # reflected from $metadata, with the type the CSDL gives
        assert type(getattr(responses, prop.name)) is types.get(prop.kind, StringProperty)

    entities = list(service.query(responses))
    rows = csv_records(survey)
    assert len(entities) == len(rows) == 26
    assert len({e._id for e in entities}) == 26
    # The feed's default order and the export's are both the order of completion.
    for entity, row in zip(entities, rows, strict=True):
        for prop in properties:
            value, cell = getattr(entity, prop.name), row[prop.column]
            kind = kinds[prop.column]
            if kind == "datetime":
                assert value == datetime.fromisoformat(cell), prop.name
            elif kind == "integer":
                assert value == (int(cell) if cell else None), prop.name
            else:
                assert _cell(value) == cell, prop.name


def test_the_clients_filter_and_order_give_the_csvs_rows(world, service):
    responses = service.entities["Responses"]
    query = service.query(responses).filter(responses.level == "central")
    found = list(query.order_by(responses.years.desc()))
    rows = [r for r in csv_records(world["a"]) if r["level"] == "central"]
    assert sorted(e.comment or "" for e in found) == sorted(r["comment"] for r in rows)
    assert [e.years for e in found] == sorted((int(r["years"]) for r in rows), reverse=True)
