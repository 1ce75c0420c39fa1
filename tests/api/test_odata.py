"""The OData feed: service document, CSDL, the Responses entity set with its query options, server
paging, access levels and the audit log. Every filter and order is checked against the same
question asked of the CSV export in Python, so the feed cannot drift from the raw download.

The survey is tests/api/conftest.py's world (mini questionnaire, a user of every access level,
each with a token) plus `varied`: fourteen responses that use every kind of column. Those and the
CSV side of each comparison come from test_odata_live.py, which compares the same way.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import AuditEvent
from api.odata.properties import entity_properties
from surveys.formats.io.pages import column_kinds, wide_columns_all
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from tests.api.odata_support import csv_records, entity_record, varied_add

pytestmark = pytest.mark.django_db

SERVICE = "/api/v1/odata/mini.svc"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def basic(token: str | None) -> dict[str, str]:
    if token is None:
        return {}
    encoded = base64.b64encode(f"excel:{token}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {encoded}"}


def odata(token: str | None, path: str = "/Responses", params: dict | None = None, **headers: str):
    url = path if path.startswith("http") else SERVICE + path
    return Client(**basic(token), **headers).get(url, params or {})


@pytest.fixture
def varied(world) -> Survey:
    varied_add(world["a"])
    return world["a"]


@pytest.fixture
def owner(world) -> str:
    return world["tokens"]["owner"]


def read_all(token: str, params: dict | None = None, **headers: str) -> list[dict[str, Any]]:
    """Every entity, following @odata.nextLink to the end."""
    body = odata(token, params=params, **headers).json()
    found = list(body["value"])
    pages = 1
    while "@odata.nextLink" in body:
        body = odata(token, body["@odata.nextLink"], **headers).json()
        found += body["value"]
        pages += 1
        assert pages < 100
    return found


def as_rows(records: list[dict[str, str]]) -> list[tuple]:
    return sorted(tuple(sorted(r.items())) for r in records)


# The service document and $metadata


def test_the_service_document_lists_the_entity_set(world, owner):
    response = odata(owner, "")
    assert response.status_code == 200
    assert response["OData-Version"] == "4.0"
    assert response.json() == {
        "@odata.context": f"http://testserver{SERVICE}/$metadata",
        "value": [{"name": "Responses", "kind": "EntitySet", "url": "Responses"}],
    }
    assert odata(owner, "/").json() == response.json()


def test_metadata_lists_every_wide_column_once_with_its_type(world, owner):
    response = odata(owner, "/$metadata", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.get("Version") == "4.0"
    schema_element = root.find(f".//{EDM}Schema")
    assert schema_element.get("Namespace") == "Saualnama.mini"
    entity = schema_element.find(f"{EDM}EntityType")
    assert entity.find(f"{EDM}Key/{EDM}PropertyRef").get("Name") == "_id"
    types = [(p.get("Name"), p.get("Type")) for p in entity.findall(f"{EDM}Property")]
    schema = survey_schema_get(survey=world["a"])
    kinds = column_kinds(schema=schema)
    edm = {"integer": "Edm.Int64", "datetime": "Edm.DateTimeOffset"}
    expected = [("_id", "Edm.String")] + [
        (c.replace(".", "__"), edm.get(kinds[c], "Edm.String"))
        for c in wide_columns_all(schema=schema)
    ]
    assert types == expected
    assert ("channels__meeting", "Edm.Int64") in types and ("barriers", "Edm.String") in types
    entity_set = schema_element.find(f"{EDM}EntityContainer/{EDM}EntitySet")
    assert entity_set.get("Name") == "Responses"
    assert entity_set.get("EntityType") == "Saualnama.mini.Response"
    level = entity.find(f"{EDM}Property[@Name='level']")
    texts = {a.get("Qualifier"): a.get("String") for a in level.findall(f"{EDM}Annotation")}
    assert texts == {None: "Орган деңгейі", "kk": "Орган деңгейі", "ru": "Уровень органа"}


def test_clashing_names_are_told_apart_in_questionnaire_order(world):
    from surveys.formats.definitions import definition_parse, questionnaire_load
    from tests.conftest import DATA

    text = (DATA / "mini.yaml").read_text().replace("slug: mini", "slug: mini-two")
    text = text.replace(
        "      - code: general\n",
        "      - code: channels__meeting\n        type: number\n"
        "        text: {kk: Сан, ru: Число}\n      - code: general\n",
    )
    survey = questionnaire_load(data=definition_parse(text=text))
    names = {p.column: p.name for p in entity_properties(schema=survey_schema_get(survey=survey))}
    assert names["channels.meeting"] == "channels__meeting"
    assert names["channels__meeting"] == "channels__meeting_2"
    assert len(set(names.values())) == len(names)


# The entity set and its options


def test_the_whole_set_equals_the_csv_export(varied, owner):
    response = odata(owner)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json;odata.metadata=minimal"
    assert response["OData-Version"] == "4.0"
    body = response.json()
    assert body["@odata.context"] == f"http://testserver{SERVICE}/$metadata#Responses"
    assert "@odata.nextLink" not in body
    records = [entity_record(varied, e) for e in body["value"]]
    assert as_rows(records) == as_rows(csv_records(varied))
    assert len({e["_id"] for e in body["value"]}) == len(body["value"]) == 26
    sample = next(e for e in body["value"] if e["barriers"] == "language other")
    assert isinstance(sample["years"], int) and sample["barriers__other"].startswith("=1+")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


FILTERS: list[tuple[str, Any]] = [
    ("level eq 'central'", lambda r, m: r["level"] == "central"),
    ("level ne 'central'", lambda r, m: r["level"] != "central"),
    ("'local' eq level", lambda r, m: r["level"] == "local"),
    ("body in ('finance', 'other')", lambda r, m: r["body"] in ("finance", "other")),
    ("body in ('other', null)", lambda r, m: r["body"] in ("other", "")),
    ("body eq null", lambda r, m: r["body"] == ""),
    ("body ne null", lambda r, m: r["body"] != ""),
    ("level eq 'central' and body eq 'finance'", lambda r, m: r["body"] == "finance"),
    (
        "level eq 'local' or body eq 'other'",
        lambda r, m: r["level"] == "local" or r["body"] == "other",
    ),
    ("not (body eq 'finance')", lambda r, m: r["body"] != "finance"),
    (
        "(body eq 'finance' or body eq null) and not (level eq 'local')",
        lambda r, m: r["body"] == "finance" and r["level"] != "local",
    ),
    ("submitted_at gt {moment}", lambda r, m: _when(r["submitted_at"]) > m),
    ("submitted_at lt {moment}", lambda r, m: _when(r["submitted_at"]) < m),
    ("submitted_at ge {moment}", lambda r, m: _when(r["submitted_at"]) >= m),
    ("submitted_at le {utc}", lambda r, m: _when(r["submitted_at"]) <= m),
    ("submitted_at eq {moment}", lambda r, m: _when(r["submitted_at"]) == m),
    ("submitted_at ne {utc}", lambda r, m: _when(r["submitted_at"]) != m),
    (
        "submitted_at gt {utc} and level eq 'central'",
        lambda r, m: _when(r["submitted_at"]) > m and r["level"] == "central",
    ),
]


@pytest.mark.parametrize(("expression", "keep"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filters_give_the_rows_python_finds_in_the_csv(varied, owner, expression, keep):
    rows = csv_records(varied)
    moment_text = sorted(r["submitted_at"] for r in rows)[len(rows) - 7]
    moment = _when(moment_text)
    utc = moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = expression.format(moment=moment_text, utc=utc)
    response = odata(owner, params={"$filter": text, "$count": "true"})
    assert response.status_code == 200, response.json()
    body = response.json()
    expected = [r for r in rows if keep(r, moment)]
    assert 0 < len(expected) < len(rows)
    assert as_rows([entity_record(varied, e) for e in body["value"]]) == as_rows(expected)
    assert body["@odata.count"] == len(expected)


REFUSED = [
    ("years gt 3", "odata_filter_unsupported", "years"),
    ("comment eq 'x'", "odata_filter_unsupported", "comment"),
    ("contains(comment, 'x')", "odata_filter_unsupported", "contains"),
    ("tolower(level) eq 'central'", "odata_filter_unsupported", "tolower"),
    ("years add 1 eq 2", "odata_filter_unsupported", "$filter"),
    ("level gt 'central'", "odata_filter_unsupported", "level"),
    ("level eq 'nowhere'", "odata_filter_unsupported", "central, local"),
    ("level eq 1", "odata_filter_unsupported", "level"),
    ("nothing eq 'x'", "odata_filter_unsupported", "nothing"),
    ("channels.meeting eq 1", "odata_filter_unsupported", "__"),
    ("submitted_at gt 2024-03-05", "odata_filter_unsupported", "submitted_at"),
    (
        "submitted_at in (2024-03-05T00:00:00Z, 2024-03-06T00:00:00Z)",
        "odata_filter_unsupported",
        "submitted_at",
    ),
    ("level", "odata_filter_unsupported", "level"),
    ("not level eq 'central'", "odata_filter_unsupported", "not (question eq 'code')"),
    ("level eq", "odata_filter_invalid", "$filter"),
    ("level eq 'central", "odata_filter_invalid", "$filter"),
    ("(level eq 'central'", "odata_filter_invalid", "$filter"),
    ("level ~ 'x'", "odata_filter_invalid", "$filter"),
]


@pytest.mark.parametrize(("expression", "code", "named"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_the_filter_does_not_support_is_refused_by_name(world, owner, expression, code, named):
    response = odata(owner, params={"$filter": expression})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert named in error["message"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_refusals_speak_the_callers_language(world, owner, language):
    msgid = (
        "$filter on %(name)s is not supported: only single-choice questions and submitted_at "
        "can be filtered."
    )
    response = odata(owner, params={"$filter": "years gt 3"}, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        expected = gettext(msgid) % {"name": "years"}
    assert response.json()["error"]["message"] == expected


def test_top_skip_count_and_select(varied, owner):
    everything = odata(owner).json()["value"]
    body = odata(owner, params={"$top": "4", "$skip": "3", "$count": "true"}).json()
    assert [e["_id"] for e in body["value"]] == [e["_id"] for e in everything[3:7]]
    assert body["@odata.count"] == 26 and "@odata.nextLink" not in body
    assert odata(owner, params={"$skip": "40"}).json()["value"] == []
    body = odata(owner, params={"$select": "level,channels__meeting", "$top": "2"}).json()
    assert body["@odata.context"].endswith("#Responses(level,channels__meeting)")
    assert body["value"] == [
        {"level": e["level"], "channels__meeting": e["channels__meeting"]} for e in everything[:2]
    ]
    for params in ({"$top": "-1"}, {"$skip": "x"}, {"$count": "yes"}, {"$select": "nothing"}):
        assert odata(owner, params=params).status_code == 400
    assert odata(owner, params={"$expand": "x"}).json()["error"]["code"] == "odata_option_invalid"


@pytest.mark.parametrize(
    ("orderby", "column", "descending"),
    [
        ("years desc", "years", True),
        ("channels__phone", "channels.phone", False),
        ("body asc", "body", False),
        ("submitted_at desc", "submitted_at", True),
        ("language", "language", False),
        ("barriers desc", "barriers", True),
    ],
)
def test_orderby_sorts_as_python_sorts_the_csv(varied, owner, orderby, column, descending):
    kind = column_kinds(schema=survey_schema_get(survey=varied))[column]
    value_of = {"integer": int, "datetime": _when}.get(kind, str)
    entities = odata(owner, params={"$orderby": orderby}).json()["value"]
    got = [entity_record(varied, e)[column] for e in entities]
    # No answer first ascending, last descending; ties may come in any order.
    expected = sorted(
        (r[column] for r in csv_records(varied)),
        key=lambda v: (v != "", value_of(v) if v else None),
        reverse=descending,
    )
    assert got == expected


def test_orderby_refuses_the_key_and_unknown_names(world, owner):
    for orderby in ("_id", "nothing desc", "level sideways"):
        response = odata(owner, params={"$orderby": orderby})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "odata_orderby_invalid"


# Server-driven paging


def test_pages_stop_at_the_cap_and_next_links_reach_every_response_once(varied, owner, monkeypatch):
    monkeypatch.setattr("api.odata.views.PAGE_SIZE_MAX", 5)
    first = odata(owner, params={"$count": "true"}).json()
    assert len(first["value"]) == 5 and first["@odata.count"] == 26
    assert "$skiptoken=" in first["@odata.nextLink"]
    entities = read_all(owner)
    assert len(entities) == 26 == len({e["_id"] for e in entities})
    assert as_rows([entity_record(varied, e) for e in entities]) == as_rows(csv_records(varied))
    ordered = read_all(owner, {"$orderby": "years desc", "$filter": "level eq 'central'"})
    assert [e["years"] for e in ordered] == sorted((e["years"] for e in ordered), reverse=True)
    central = sum(r["level"] == "central" for r in csv_records(varied))
    assert len({e["_id"] for e in ordered}) == len(ordered) == central


def test_prefer_maxpagesize_and_top_across_pages(varied, owner):
    prefer = {"HTTP_PREFER": "odata.maxpagesize=4"}
    response = odata(owner, params={"$top": "7"}, **prefer)
    assert response["Preference-Applied"] == "odata.maxpagesize=4"
    assert len(response.json()["value"]) == 4
    assert "$top=3" in response.json()["@odata.nextLink"]
    assert len(read_all(owner, {"$top": "7"}, **prefer)) == 7
    assert len(read_all(owner, {"$top": "8"}, **prefer)) == 8


def test_responses_completed_while_paging_come_later_and_none_twice(varied, owner):
    prefer = {"HTTP_PREFER": "odata.maxpagesize=10"}
    body = odata(owner, **prefer).json()
    seen = [e["_id"] for e in body["value"]]
    varied_add(varied, count=5, start=100)
    while "@odata.nextLink" in body:
        body = odata(owner, body["@odata.nextLink"], **prefer).json()
        seen += [e["_id"] for e in body["value"]]
    assert len(seen) == len(set(seen)) == 31


def test_a_tampered_or_foreign_skiptoken_is_refused(varied, owner, world):
    link = odata(owner, HTTP_PREFER="odata.maxpagesize=3").json()["@odata.nextLink"]
    token = link.split("$skiptoken=")[-1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = odata(owner, params={"$skiptoken": tampered})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "odata_skiptoken_invalid"
    ordered = odata(owner, params={"$skiptoken": token, "$orderby": "years"})
    assert ordered.status_code == 400
    bravo = f"http://testserver/api/v1/odata/bravo.svc/Responses?$skiptoken={token}"
    assert odata(world["tokens"]["researcher_b"], bravo).status_code == 400


# Access and audit


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("researcher_shared", 200),
        ("granted", 200),
        ("superuser", 200),
        ("results_admin", 403),
        ("researcher_b", 404),
        ("anonymous", 401),
        ("revoked", 401),
        ("expired", 401),
    ],
)
@pytest.mark.parametrize("path", ["", "/$metadata", "/Responses"])
def test_each_access_level_gets_its_answer(world, role, status, path):
    response = odata(world["tokens"][role], path)
    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Basic ")
    if status != 200:
        assert "error" in response.json()


def test_the_session_and_the_token_header_work_too(world):
    client = Client()
    client.force_login(world["users"]["owner"])
    assert client.get(f"{SERVICE}/Responses").status_code == 200
    header = {"HTTP_AUTHORIZATION": f"Token {world['tokens']['researcher_shared']}"}
    assert Client(**header).get(f"{SERVICE}/Responses").status_code == 200


def test_each_read_of_the_set_is_audited_with_its_options(world, owner):
    before = AuditEvent.objects.filter(action=AuditEvent.Action.ODATA_READ).count()
    odata(owner, "")
    odata(owner, "/$metadata")
    odata(owner, params={"$filter": "level eq 'central'", "$top": "3"})
    odata(world["tokens"]["results_admin"])
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ODATA_READ).order_by("pk")
    assert events.count() == before + 1
    event = events.last()
    assert event.survey == world["a"] and event.user == world["users"]["owner"]
    assert event.detail["options"] == {"$filter": "level eq 'central'", "$top": "3"}
    assert event.detail["rows"] == 3 and event.detail["via"] == "api"
    assert event.detail["token"] == world["tokens"]["owner"].split("_")[1]
