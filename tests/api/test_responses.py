"""The responses endpoint: microdata only, cursor pages to the end with nothing lost or read twice
(also while responses are being added), the page size limits, fields, labels and the audit log."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from surveys.formats.io import responses_export
from surveys.models import Response
from surveys.services import response_create
from tests.api.conftest import NOON_30_DAYS_AGO
from tests.factories import answers_fill

pytestmark = pytest.mark.django_db
URL = "/api/v1/surveys/{slug}/responses/"


def _all_pages(api, url: str, **params) -> tuple[list[dict], list[dict]]:
    """Every record, following `next` to the end, and every page's body."""
    records, pages = [], []
    answer = api.get(url, **params)
    while True:
        assert answer.status_code == 200, answer.content
        body = answer.json()
        pages.append(body)
        records.extend(body["results"])
        if body["next"] is None:
            return records, pages
        answer = api.client.get(body["next"])


def test_pages_to_the_end_give_every_complete_response_once(world, as_):
    url = URL.format(slug=world["a"].slug)
    records, pages = _all_pages(as_("owner"), url, page_size=5)
    assert [len(p["results"]) for p in pages] == [5, 5, 2]
    assert len({r["_id"] for r in records}) == 12
    assert pages[0]["count"] == 12 and pages[0]["page_size"] == 5
    assert pages[0]["page_size_max"] == 1000
    # The same rows as the CSV export (without the draft), column for column.
    out = io.StringIO(newline="")
    responses_export(survey=world["a"], fmt="csv", out=out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    as_text = [
        {
            k: (" ".join(v) if isinstance(v, list) else "" if v is None else str(v))
            for k, v in r.items()
            if k != "_id"
        }
        for r in records
    ]
    key = lambda row: (row["submitted_at"], row["language"])  # noqa: E731
    assert sorted(as_text, key=key) == sorted(exported, key=key)


def test_default_page_is_100_and_the_maximum_1000(world, as_):
    body = as_("owner").get(URL.format(slug=world["a"].slug)).json()
    assert body["page_size"] == 100 and body["page_size_max"] == 1000
    for bad in ("0", "1001", "ten", "-3"):
        answer = as_("owner").get(URL.format(slug=world["a"].slug), page_size=bad)
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_page_size"


def test_responses_added_while_paging_come_on_later_pages(world, as_):
    """A response completed mid-way (a draft started before the first page included) is met on a
    later page; none is repeated or skipped."""
    survey, schema = world["a"], world["schema"]
    api = as_("owner")
    first = api.get(URL.format(slug=survey.slug), page_size=4).json()
    seen = [r["_id"] for r in first["results"]]
    answer = api.client.get(first["next"])
    seen += [r["_id"] for r in answer.json()["results"]]
    # Meanwhile: an older draft completes, and two new responses arrive.
    draft = Response.objects.get(survey=survey, status=Response.Status.DRAFT)
    for _i in range(2):
        response_create(
            survey=survey, data=answers_fill(schema), language="kk", source="web", schema=schema
        )
    draft.status = Response.Status.COMPLETE
    draft.submitted_at = timezone.now()
    draft.save()
    url = answer.json()["next"]
    while url:
        body = api.client.get(url).json()
        seen += [r["_id"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 15


def test_a_cursor_is_bound_to_its_survey_and_cannot_be_forged(world, as_):
    api = as_("owner")
    first = api.get(URL.format(slug=world["a"].slug), page_size=2).json()
    cursor = first["next"].split("cursor=")[1]
    answer = api.get(URL.format(slug=world["a"].slug), cursor=cursor[:-3] + "abc")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_cursor"


def test_fields_labels_and_submitted_after(world, as_):
    api = as_("owner")
    url = URL.format(slug=world["a"].slug)
    body = api.get(url, fields="level,channels,barriers").json()
    record = body["results"][0]
    # A question code stands for all of its columns: the matrix cells, the "other" text.
    columns = ["_id", "level", "channels.meeting", "channels.phone", "barriers", "barriers.other"]
    assert list(record) == columns
    assert isinstance(record["channels.meeting"], int)
    assert isinstance(record["barriers"], list)
    codes = {r["level"] for r in body["results"]}
    assert codes == {"central", "local"}
    kk = {r["level"] for r in api.get(url, fields="level", labels="kk").json()["results"]}
    ru = {r["level"] for r in api.get(url, fields="level", labels="ru").json()["results"]}
    assert kk == {"Орталық", "Жергілікті"} and ru == {"Центральный", "Местный"}
    bad = api.get(url, fields="level,nope,also_no")
    assert bad.status_code == 400 and "nope, also_no" in bad.json()["error"]["message"]
    assert api.get(url, labels="en").json()["error"]["code"] == "invalid_labels"
    # Twelve responses a day apart, the first 30 days ago: after day 8 come days 9, 10, 11.
    after = (NOON_30_DAYS_AGO() + timedelta(days=8, hours=1)).isoformat()
    later = api.get(url, submitted_after=after).json()
    assert later["count"] == 3 and len(later["results"]) == 3
    assert api.get(url, submitted_after="yesterday").status_code == 400


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
def test_only_microdata_users_read_responses(world, as_, role, status):
    answer = as_(role).get(URL.format(slug=world["a"].slug))
    assert answer.status_code == status
    if status != 200:
        assert "results" not in answer.json() and answer.json()["error"]["code"]


def test_aggregates_only_refusal_is_in_the_callers_language(world, as_):
    for language in ("kk", "ru"):
        answer = as_("results_admin", language).get(URL.format(slug=world["a"].slug))
        with translation.override(language):
            expected = _(
                "Your access to this survey is to aggregated results only: single responses "
                "are not shown to you."
            )
        assert answer.json()["error"] == {"code": "microdata_not_allowed", "message": expected}


def test_every_page_read_is_audited_with_the_token(world, as_):
    _all_pages(as_("granted"), URL.format(slug=world["a"].slug), page_size=5)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.API_RESPONSES)
    assert events.count() == 3
    event = events.order_by("id").first()
    assert event.user == world["users"]["granted"] and event.survey == world["a"]
    assert event.detail["token"] and event.detail["rows"] == 5 and event.detail["via"] == "api"


def test_the_cursor_does_not_tell_the_responses_row_numbers(world, as_):
    """A readable cursor would map each `_id` to its primary key, the order of starting."""
    import base64
    import struct
    from urllib.parse import parse_qs, urlparse

    first = Response.objects.filter(status=Response.Status.COMPLETE).order_by("id").first()
    body = as_("owner").get(URL.format(slug="mini"), page_size=1).json()
    cursor = parse_qs(urlparse(body["next"]).query)["cursor"][0]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    # Neither as text nor as the 8 bytes a packed position would hold.
    assert f'"{first.pk}'.encode() not in raw and f",{first.pk}]".encode() not in raw
    assert struct.pack(">q", first.pk) not in raw and b"mini" not in raw
    # Two cursors for the same position differ (a fresh nonce): nothing to compare either.
    again = as_("owner").get(URL.format(slug="mini"), page_size=1).json()["next"]
    assert again != body["next"]
    # A cursor of the OData feed (same construction, another scope) is refused here.
    from api.cursors import SkipToken, skiptoken_encode

    foreign = skiptoken_encode(token=SkipToken(position=(first.updated_at, first.pk)), scope="mini")
    refused = as_("owner").get(URL.format(slug="mini"), cursor=foreign)
    assert refused.status_code == 400
