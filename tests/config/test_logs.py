"""Log lines: JSON when asked, a request id on each, and no token, key or credential in any."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from config.logs import REDACTED, log_text_redact
from config.settings.services import logging_for


@pytest.fixture
def log_lines():
    """The project's LOGGING (JSON), its console writing to a buffer; the root restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    logging.config.dictConfig(logging_for(fmt="json", level="INFO"))
    buffer = io.StringIO()
    console = root.handlers[0]
    console.setStream(buffer)

    def read() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line]

    yield read
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Not Found: /s/mini/i/Zx9-secret_Token/", "Zx9-secret_Token"),
        ("GET /s/mini/r/0b2c6f8e-1111-2222-3333-123456789012/3/", "0b2c6f8e-1111"),
        ("GET /kk/s/mini/r/0b2c6f8e-1111-2222-3333-123456789012/thanks/", "0b2c6f8e"),
        ("/s/mini/start/?token=abcSECRET&lang=kk", "abcSECRET"),
        ("/api/v1/surveys/?api_key=abcSECRET", "abcSECRET"),
        ("Authorization: Token snm_abcSECRET", "abcSECRET"),
        ("{'HTTP_AUTHORIZATION': 'Basic dXNlcjpzbm1fYWJj'}", "dXNlcjpzbm1fYWJj"),
        ("token snm_Abc-def_123 refused", "Abc-def_123"),
    ],
)
def test_redaction_removes_each_kind_of_secret(text, secret):
    redacted = log_text_redact(text=text)
    assert secret not in redacted
    assert REDACTED in redacted


def test_redaction_keeps_what_is_not_secret():
    text = "Not Found: /s/mini/start/ for survey mini, status 404, /s/mini/thanks/"
    assert log_text_redact(text=text) == text


def test_json_lines_parse_and_carry_level_logger_message_request_id(log_lines):
    from config.request_id import request_id_var

    token = request_id_var.set("req-12345678")
    try:
        logging.getLogger("saualnama.test").warning("opened %s", "/s/mini/i/SECRETtok/")
    finally:
        request_id_var.reset(token)
    (line,) = [x for x in log_lines() if x["logger"] == "saualnama.test"]
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-12345678"
    assert line["message"] == f"opened /s/mini/i/{REDACTED}/"
    assert line["timestamp"].endswith("+00:00")


def test_a_traceback_is_redacted_too(log_lines):
    try:
        raise ValueError("no survey for /s/mini/i/SECRETinTraceback/")
    except ValueError:
        logging.getLogger("saualnama.test").exception("failed")
    (line,) = [x for x in log_lines() if x["logger"] == "saualnama.test"]
    assert "SECRETinTraceback" not in json.dumps(line)
    assert "ValueError" in line["exc_info"]


def test_plain_text_is_the_default_format():
    config = logging_for(fmt="", level="")
    assert config["handlers"]["console"]["formatter"] == "plain"
    assert config["root"]["level"] == "WARNING"
    assert logging_for(fmt="JSON", level="info")["handlers"]["console"]["formatter"] == "json"


@pytest.mark.django_db
def test_a_404_on_an_invitation_link_logs_no_token(client, log_lines):
    response = client.get("/s/no-such-survey/i/InvSECRET42token/")
    assert response.status_code == 404
    lines = [x for x in log_lines() if x["logger"] == "django.request"]
    assert lines, "Django logs a 404 as a warning"
    assert "InvSECRET42token" not in json.dumps(log_lines())
    assert lines[0]["message"] == f"Not Found: /s/no-such-survey/i/{REDACTED}/"
    # Django logs it after the middleware returned: the line still has the request's id.
    assert lines[0]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_an_api_request_with_a_bad_token_logs_no_token_text(client, log_lines):
    response = client.get(
        "/api/v1/surveys/?token=snm_QuerySECRET",
        HTTP_AUTHORIZATION="Token snm_HeaderSECRETvalue",
    )
    assert response.status_code in (401, 403)
    everything = json.dumps(log_lines())
    assert "django.request" in everything  # the refusal was logged
    assert "HeaderSECRETvalue" not in everything
    assert "QuerySECRET" not in everything
