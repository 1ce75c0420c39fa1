"""`/api/v1/surveys/{slug}/codebook/`, `.json` and `.csv`: both access levels, nobody else."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from accounts.models import ApiToken, AuditEvent
from surveys.answers import wide_columns
from surveys.formats.codebook import codebook_rows

pytestmark = pytest.mark.django_db

URL = "/api/v1/surveys/mini/codebook/"


def csv_lines(answer) -> list[list[str]]:
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_owner_gets_one_row_per_wide_column(world, as_):
    answer = as_("owner").get(URL)

    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["survey"] == "mini"
    variables = [row["variable"] for row in body["variables"]]
    assert variables == ["language", "submitted_at", *wide_columns(world["schema"])]
    assert body["variables"] == codebook_rows(schema=world["schema"])
    meeting = body["variables"][variables.index("channels.meeting")]
    assert meeting["text"] == {"kk": "Арналар — Кездесу", "ru": "Каналы — Встреча"}
    assert meeting["values"][0] == {
        "code": "0",
        "label": {"kk": "Бағалай алмаймын", "ru": "Не могу оценить"},
    }
    assert as_("owner").get("/api/v1/surveys/mini/codebook.json").json() == body


def test_the_csv_is_an_attachment_with_a_line_per_variable(world, as_):
    answer = as_("owner").get("/api/v1/surveys/mini/codebook.csv")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == 'attachment; filename="mini-codebook.csv"'
    header, *lines = csv_lines(answer)
    assert header[:6] == ["variable", "question", "section", "type", "text_kk", "text_ru"]
    assert [line[0] for line in lines] == [
        "language",
        "submitted_at",
        *wide_columns(world["schema"]),
    ]


def test_asking_for_csv_in_the_accept_header_is_no_obstacle(world, as_):
    answer = as_("owner").client.get("/api/v1/surveys/mini/codebook.csv", HTTP_ACCEPT="text/csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("role", ["researcher_shared", "results_admin", "granted", "superuser"])
def test_every_access_level_reads_the_codebook(world, as_, role):
    # The codebook is the questionnaire's structure: no response is in it.
    assert as_(role).get(URL).status_code == 200
    assert as_(role).get("/api/v1/surveys/mini/codebook.csv").status_code == 200


def test_the_session_of_a_results_admin_reads_it_too(world):
    client = Client()
    client.force_login(world["users"]["results_admin"])
    assert client.get(URL).json()["survey"] == "mini"


@pytest.mark.parametrize("path", [URL, "/api/v1/surveys/mini/codebook.csv"])
def test_another_researcher_finds_no_such_survey(world, as_, path):
    answer = as_("researcher_b").get(path)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.API_CODEBOOK).exists()


@pytest.mark.parametrize("role", ["anonymous", "revoked", "expired"])
def test_no_valid_token_no_codebook(world, as_, role):
    answer = as_(role).get("/api/v1/surveys/mini/codebook.csv")
    assert answer.status_code in (401, 403)
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "CSV", "sav"])
def test_an_unknown_format_is_not_found(world, as_, fmt):
    answer = as_("owner").get(f"/api/v1/surveys/mini/codebook.{fmt}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_each_read_is_audited_with_the_token_used(world, as_):
    as_("results_admin").get(URL)
    as_("owner").get("/api/v1/surveys/mini/codebook.csv")

    events = AuditEvent.objects.filter(action=AuditEvent.Action.API_CODEBOOK).order_by("id")
    prefixes = {
        name: ApiToken.objects.get(user=world["users"][name], name="test").prefix
        for name in ("results_admin", "owner")
    }
    assert [(e.user, e.survey, e.detail) for e in events] == [
        (
            world["users"]["results_admin"],
            world["a"],
            {"via": "api", "token": prefixes["results_admin"], "format": "json"},
        ),
        (
            world["users"]["owner"],
            world["a"],
            {"via": "api", "token": prefixes["owner"], "format": "csv"},
        ),
    ]
