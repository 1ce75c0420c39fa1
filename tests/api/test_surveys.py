"""The surveys list and detail, by access level; the session as well as tokens; the schema."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from accounts.models import AuditEvent
from surveys.formats.definitions import definition_dump, questionnaire_export

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_survey_with_the_callers_access(world, as_):
    def listed(role: str) -> dict[str, str]:
        body = as_(role).get("/api/v1/surveys/").json()
        return {s["slug"]: s["access"] for s in body["results"]}

    assert listed("owner") == {"mini": "microdata"}
    assert listed("granted") == {"mini": "microdata"}
    assert listed("results_admin") == {"mini": "aggregates"}
    assert listed("researcher_b") == {"bravo": "microdata"}
    assert listed("superuser") == {"bravo": "microdata", "mini": "microdata"}
    aggregates = as_("results_admin").get("/api/v1/surveys/").json()["results"][0]["links"]
    assert "responses" not in aggregates and "odata" not in aggregates
    assert {"self", "codebook", "results"} <= set(aggregates)


def test_the_detail_holds_the_definition_of_the_yaml_files(world, as_):
    body = as_("results_admin").get("/api/v1/surveys/mini/").json()
    exported = questionnaire_export(survey=world["a"])
    # The same mapping as the definition file, as JSON (scale labels keyed by strings).
    assert (
        body["definition"]["sections"][0]
        == yaml.safe_load(definition_dump(data=exported))["sections"][0]
    )
    assert body["definition"]["slug"] == "mini" and body["title"]["kk"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_DEFINITION).count() == 1


@pytest.mark.parametrize("role", ["researcher_b", "anonymous", "revoked"])
def test_a_survey_not_yours_does_not_exist(world, as_, role):
    status = {"researcher_b": 404, "anonymous": 401, "revoked": 401}[role]
    assert as_(role).get("/api/v1/surveys/mini/").status_code == status
    # A survey that does not exist at all reads the same.
    if status == 404:
        assert (
            as_(role).get("/api/v1/surveys/no-such/").json()
            == as_(role).get("/api/v1/surveys/mini/").json()
        )


def test_the_browser_session_works_and_needs_csrf_for_posts(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["owner"])
    assert client.get("/api/v1/surveys/mini/").status_code == 200
    answer = client.post(
        "/api/v1/surveys/mini/exports/", {"format": "csv"}, content_type="application/json"
    )
    assert answer.status_code == 403


def test_anonymous_gets_401_with_a_challenge_and_a_message(world, as_):
    answer = as_("anonymous").get("/api/v1/surveys/")
    assert answer.status_code == 401 and answer["WWW-Authenticate"].startswith("Token")
    assert answer.json()["error"]["code"] == "not_authenticated"


def test_the_schema_validates_and_lists_every_endpoint(world, as_, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = set(schema["paths"])
    expected = {
        "/api/v1/surveys/",
        "/api/v1/surveys/{slug}/",
        "/api/v1/surveys/{slug}/codebook/",
        "/api/v1/surveys/{slug}/codebook.{fmt}",
        "/api/v1/surveys/{slug}/responses/",
        "/api/v1/surveys/{slug}/results/",
        "/api/v1/surveys/{slug}/exports/",
        "/api/v1/surveys/{slug}/exports/{job_id}/",
        "/api/v1/surveys/{slug}/exports/{job_id}/file",
        "/api/v1/odata/{slug}.svc",
        "/api/v1/odata/{slug}.svc/$metadata",
        "/api/v1/odata/{slug}.svc/Responses",
    }
    assert expected <= paths, expected - paths
    assert {"token", "tokenBasic"} <= set(schema["components"]["securitySchemes"])
    # Served over HTTP as well, with the documentation page from the sidecar (no CDN).
    assert as_("owner").get("/api/v1/schema/").status_code == 200
    docs = as_("owner").client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"static/drf_spectacular_sidecar" in docs.content
    # Its start-up script is a file of its own (the CSP refuses inline scripts), and no script
    # calls out to swagger.io.
    assert b"<script>" not in docs.content
    script = as_("owner").client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    assert b"validator.swagger.io" not in script.content
