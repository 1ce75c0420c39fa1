"""A respondent in Chromium reads a note, sees a conditional note appear, and answers a decimal
with a comma (issue 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.models import Answer, Response
from tests.conftest import DATA

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "notes-decimals"


def test_a_respondent_reads_notes_and_answers_a_decimal_with_a_comma(page, live_server, artifacts):
    questionnaire_load(data=definition_parse(text=(DATA / "notes_decimals.yaml").read_text()))
    page.set_extra_http_headers({"Accept-Language": "ru"})
    page.goto(f"{live_server.url}/s/{SLUG}/")
    page.get_by_role("button", name="Начать опрос").click()
    note = page.locator("#q-welcome")
    assert note.is_visible() and note.get_attribute("lang") == "ru"
    assert note.inner_text().startswith("Следующие вопросы о вашей зарплате.")
    assert note.locator("input, select, textarea").count() == 0
    conditional = page.locator("#q-central_note")
    assert conditional.is_hidden()
    page.locator("#q-level input[value=central]").check()
    assert conditional.is_visible()
    rate = page.locator("#q-rate input")
    assert rate.get_attribute("inputmode") == "decimal"
    rate.fill("0,255")
    page.get_by_role("button", name="Отправить ответы").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "0,255" not in summary.inner_text()
    page.screenshot(path=str(artifacts / "01-refused.png"), full_page=True)
    page.locator("#q-rate input").fill("0,75")
    page.locator("#q-hours input").fill("37,5")
    page.screenshot(path=str(artifacts / "02-filled.png"), full_page=True)
    page.get_by_role("button", name="Отправить ответы").click()
    page.wait_for_load_state()
    assert page.get_by_text("Спасибо!").first.is_visible()
    assert Response.objects.get().status == Response.Status.COMPLETE
    values = dict(Answer.objects.values_list("question__code", "value_decimal"))
    assert (values["rate"], values["hours"]) == (Decimal("0.75"), Decimal("37.5"))
