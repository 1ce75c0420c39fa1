"""The section form's markup: what survey.js, the CSS and the browser tests find on a page.

The choices are rendered from values the form works out itself rather than from Django's
per-option widgets, so these tests pin the markup those widgets used to give.
"""

from __future__ import annotations

import re

import pytest

from surveys.selectors import survey_schema_get
from tests.factories import answers_fill, survey_2022_load
from tests.surveys.respond.test_views import Respondent

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused_page() -> str:
    """Page 2 posted in Russian with two qualities of the three required and one matrix row."""
    schema = survey_schema_get(survey=survey_2022_load())
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema)
    respondent.walk(data, until=1)
    page = respondent.page_data(data, 2)
    page["qualities"] = ["logic", "listening"]
    page["rate_people.yourself"] = "4"
    page["rate_people.supervisor"] = None
    result = respondent.post(2, {k: v for k, v in page.items() if v is not None})
    assert result.status_code == 200
    return re.sub(r"\s+", " ", result.content.decode())


def fieldset(html: str, code: str) -> str:
    start = html.index(f'<fieldset id="q-{code}"')
    return html[start : html.index("</fieldset>", start)]


def test_a_refused_multiple_choice_keeps_its_checkboxes_ticks_and_error(refused_page):
    block = fieldset(refused_page, "qualities")
    assert 'data-type="multiple" data-max-choices="3" data-min-choices="3"' in block
    assert 'aria-describedby="q-qualities-errors"' in block
    assert '<div class="text-danger fw-semibold mb-2" id="q-qualities-errors">' in block
    assert "ровно 3" in block
    boxes = re.findall(r'<input class="form-check-input" type="checkbox" [^>]*>', block)
    assert len(boxes) == 14
    assert boxes[2] == (
        '<input class="form-check-input" type="checkbox" name="qualities" value="logic"'
        ' id="id_qualities_2" checked aria-invalid="true" >'
    )
    assert boxes[0] == (
        '<input class="form-check-input" type="checkbox" name="qualities"'
        ' value="speech_clarity" id="id_qualities_0" aria-invalid="true" >'
    )
    assert sum(" checked" in box for box in boxes) == 2
    assert '<label class="form-check-label" for="id_qualities_2">Логичность</label>' in block


def test_a_matrix_keeps_one_radio_group_per_row_with_the_posted_point(refused_page):
    block = fieldset(refused_page, "rate_people")
    assert 'data-type="matrix"' in block
    assert '<div class="matrix" style="--points: 5">' in block
    assert (
        '<div class="matrix-row" role="radiogroup" aria-labelledby="q-rate_people-1-label"'
        ' id="q-rate_people-1">'
    ) in block
    assert '<span class="matrix-label" id="q-rate_people-1-label">Вы сами</span>' in block
    radios = re.findall(r'<input class="btn-check" type="radio" [^>]*>', block)
    assert len(radios) == 4 * 5
    assert (
        '<input class="btn-check" type="radio" name="rate_people.yourself" value="4"'
        ' id="id_rate_people.yourself_3" checked'
        ' aria-labelledby="q-rate_people-1-label id_rate_people.yourself_3-l">'
    ) in block
    checked = [r for r in radios if " checked" in r]
    assert radios[3] in checked and sum("rate_people.yourself" in r for r in checked) == 1
    # The row left out of the post shows no point chosen.
    assert not any("rate_people.supervisor" in r for r in checked)
    assert (
        '<label class="btn btn-outline-primary" for="id_rate_people.supervisor_0"'
        ' id="id_rate_people.supervisor_0-l">1'
        '<span class="matrix-point-label"> — Очень низкий</span></label>'
    ) in block
    assert (
        '<label class="btn btn-outline-primary" for="id_rate_people.supervisor_1"'
        ' id="id_rate_people.supervisor_1-l">2</label>'
    ) in (block)


def test_a_dropdown_selects_its_prompt_until_answered_then_the_saved_option():
    schema = survey_schema_get(survey=survey_2022_load())
    respondent = Respondent(schema, "ru")
    respondent.start()
    first = re.sub(r"\s+", " ", respondent.client.get(respondent.page_url(1)).content.decode())
    block = fieldset(first, "region")
    assert '<select name="region" id="id_region" class="form-select"' in block
    assert len(re.findall(r"<option ", block)) == 21
    assert re.search(r'<option value="" selected>[^<]+</option>', block)
    data = answers_fill(schema)
    assert respondent.post(1, respondent.page_data(data, 1)).status_code == 302
    again = respondent.client.get(respondent.page_url(1)).content.decode()
    selected = re.findall(r'<option value="([^"]*)" selected>', fieldset(again, "region"))
    assert selected == [data["region"]]
