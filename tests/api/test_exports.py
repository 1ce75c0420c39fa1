"""Exports through the API: 202 with Location, status and progress, the file, microdata only, a
caller's own exports only, bad input refused, every step audited."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from analytics.models import ExportJob

pytestmark = pytest.mark.django_db
URL = "/api/v1/surveys/{slug}/exports/"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_start_poll_and_download(world, as_, fmt):
    api = as_("granted")
    answer = api.post(URL.format(slug="mini"), {"format": fmt, "filters": {"level": ["local"]}})
    assert answer.status_code == 202
    location = answer["Location"]
    assert location.endswith(f"/exports/{answer.json()['id']}/")
    status = api.client.get(location).json()
    assert status["status"] == "complete" and status["total"] == 6 and status["done"] == 6
    assert status["filters"] == {"level": ["local"]} and status["language"] == "kk"
    download = api.client.get(status["file"], HTTP_ACCEPT="application/octet-stream")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert len(body) > 100
    # The file the results page gives, under the same name: a CSV comes zipped with its codebook.
    expected = {"csv": "mini-responses-csv.zip", "xlsx": "mini-responses.xlsx"}
    expected["sav"] = "mini-responses.sav"
    assert download["Content-Disposition"] == f'attachment; filename="{expected[fmt]}"'
    if fmt == "csv":
        assert download["Content-Type"] == "application/zip" and body.startswith(b"PK")
    actions = AuditEvent.objects.filter(user=world["users"]["granted"]).values_list(
        "action", flat=True
    )
    assert set(actions) >= {AuditEvent.Action.EXPORT_REQUEST, AuditEvent.Action.EXPORT_DOWNLOAD}
    listed = api.get(URL.format(slug="mini")).json()["results"]
    assert [job["id"] for job in listed] == [status["id"]]


def test_bad_requests_are_400_with_a_code(world, as_):
    api = as_("owner", "ru")
    cases = [
        ({"format": "pdf"}, "invalid_format"),
        ({}, "invalid_format"),
        ({"format": "csv", "filters": {"nope": ["x"]}}, "invalid_filter"),
        ({"format": "csv", "filters": {"level": "central"}}, "invalid_filter"),
        ({"format": "csv", "language": "en"}, "invalid_language"),
    ]
    for body, code in cases:
        answer = api.post(URL.format(slug="mini"), body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == code
    assert ExportJob.objects.count() == 0
    assert (
        api.client.post(URL.format(slug="mini"), "{", content_type="application/json").json()[
            "error"
        ]["code"]
        == "parse_error"
    )


def test_an_export_is_seen_only_by_whoever_asked_for_it(world, as_):
    job = as_("owner").post(URL.format(slug="mini"), {"format": "csv"}).json()
    other = as_("researcher_shared")
    assert other.client.get(job["self"]).status_code == 404
    assert other.client.get(job["file"]).status_code == 404
    assert other.get(URL.format(slug="mini")).json()["results"] == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 202),
        ("researcher_shared", 202),
        ("granted", 202),
        ("results_admin", 403),
        ("researcher_b", 404),
        ("anonymous", 401),
        ("expired", 401),
    ],
)
def test_only_microdata_users_export(world, as_, role, status):
    answer = as_(role).post(URL.format(slug="mini"), {"format": "csv"})
    assert answer.status_code == status
    assert ExportJob.objects.exists() == (status == 202)


def test_a_file_not_ready_is_409(world, as_, monkeypatch):
    monkeypatch.setattr("analytics.services.build_export.delay", lambda *a: None)
    job = as_("owner").post(URL.format(slug="mini"), {"format": "csv"}).json()
    assert job["status"] == "pending" and job["file"] is None
    file_url = f"/api/v1/surveys/mini/exports/{job['id']}/file"
    answer = as_("owner").get(file_url)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "export_not_ready"
