"""A real OData v4 client reads the feed from a live server and gets the CSV export's rows.

The client is python-odata (PyPI `python-odata`, import `odata`): it reflects `$metadata` into
entity classes (a CSDL it cannot read fails here), types each property from its Edm type
(Edm.Int64 to int, Edm.DateTimeOffset to an aware datetime), authenticates with HTTP Basic as
Excel does (any user name, the token as password) and follows `@odata.nextLink` to the end.

The responses it reads and the CSV side of the comparison come from odata_support.py, shared
with the in-process tests of test_odata.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import requests
from odata import ODataService
from odata.property import DatetimeProperty, IntegerProperty, StringProperty
from requests.auth import HTTPBasicAuth

from api.odata.properties import entity_properties
from surveys.formats.io.pages import column_kinds
from surveys.selectors import survey_schema_get
from tests.api.odata_support import csv_records, varied_add

pytestmark = pytest.mark.django_db(transaction=True)


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
