"""The respondent's page shows a note as text in its place and takes a decimal with a comma."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.models import Answer, Response
from tests.conftest import DATA

pytestmark = pytest.mark.django_db
SLUG = "notes-decimals"


@pytest.fixture
def survey():
    return questionnaire_load(
        data=definition_parse(text=(DATA / "notes_decimals.yaml").read_text())
    )


def _page(client: Client) -> str:
    started = client.post(reverse("surveys:start", args=[SLUG]))
    return client.get(started["Location"])["Location"]


def test_the_page_shows_notes_as_text_and_a_decimal_input(survey):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    html = client.get(_page(client)).content.decode()
    assert '<div id="q-welcome" class="survey-note' in html
    assert 'lang="ru"' in html and "Следующие вопросы о вашей зарплате." in html
    assert 'name="welcome"' not in html  # no control for a note
    # The conditional note is in its place, hidden until `level` is central.
    note = html[html.index('id="q-central_note"') :]
    assert note.index("data-show-if-question") < note.index(">")
    assert note[: note.index(">")].count("hidden") == 1
    assert 'inputmode="decimal"' in html and 'name="rate"' in html
    # Notes take no number: the questions are numbered 1. 2. 3. 4.
    assert "1. Уровень органа" in html and "2. Ставка нагрузки" in html


def test_a_decimal_with_a_comma_is_stored_and_a_bad_one_refused_on_the_page(survey):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    url = _page(client)
    refused = client.post(url, {"level": "central", "rate": "0,255", "action": "submit"})
    assert refused.status_code == 200
    assert 'aria-invalid="true"' in refused.content.decode()
    assert not Response.objects.filter(status=Response.Status.COMPLETE).exists()
    done = client.post(url, {"level": "central", "rate": "0,75", "action": "submit"})
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    assert Answer.objects.get(question__code="rate").value_decimal == Decimal("0.75")


def test_a_posted_value_for_a_note_is_refused(survey):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = _page(client)
    page = client.post(url, {"level": "local", "rate": "1", "welcome": "x", "action": "submit"})
    assert page.status_code == 200
    assert not Answer.objects.filter(question__type="note").exists()
