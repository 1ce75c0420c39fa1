"""The results page reads like a report: a compact bar, contents by section, the tables first."""

import re

import pytest
from django.http import QueryDict

from accounts.roles import RESEARCHER, RESULTS_ADMIN
from analytics.widgets import active_filters, filter_choices, results_contents
from surveys.selectors import survey_schema_get
from tests.analytics.test_views import client_for, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(mini_survey):
    from surveys.services import response_create
    from tests.analytics.test_views import BASE

    for level in ("central",) * 6 + ("local",) * 2:
        data = {**BASE, "level": level} | ({"body": None} if level == "local" else {})
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


def test_active_filters_name_each_question_and_link_to_the_rest(mini_survey, mini_schema):
    filters = {"barriers": ["language", "perception"], "level": ["central"]}
    query = QueryDict("f=level:central&f=barriers:perception&f=barriers:language&w=x")
    choices = filter_choices(mini_schema, "ru", {"level": ["central"]})
    active = active_filters(choices, filters, query)
    # Only single-choice questions are filters of the page; the chip keeps its words.
    assert [(a["code"], a["labels"]) for a in active] == [("level", ["Центральный"])]
    rest = QueryDict(active[0]["remove"])
    assert rest.getlist("f") == ["barriers:perception", "barriers:language"]
    assert rest["w"] == "x"


def test_contents_lead_with_the_paper_tables_then_follow_the_sections(mini_schema):
    blocks = [
        {"code": "barriers", "title": "Барьеры", "caption": "Таблица 2"},
        {"code": "level", "title": "Уровень органа"},
        {"code": "channels", "title": "Каналы"},
        {"code": "general", "title": "Общий уровень"},
    ]
    contents = results_contents(blocks, mini_schema, "ru", composition=True)
    assert contents[0]["title"] is None
    assert [e["anchor"] for e in contents[0]["entries"]] == ["t-barriers", "composition"]
    assert contents[0]["entries"][0]["text"] == "Таблица 2. Барьеры"
    assert [(p["title"], [e["anchor"] for e in p["entries"]]) for p in contents[1:]] == [
        ("Первый раздел", ["t-level"]),
        ("Второй раздел", ["t-channels", "t-general"]),
    ]


@pytest.mark.parametrize(("language", "section"), [("kk", "Екінші бөлім"), ("ru", "Второй раздел")])
def test_the_page_has_the_bar_the_contents_and_the_filter_in_a_closed_panel(
    survey, language, section
):
    client, _user = client_for(
        "analyst", RESULTS_ADMIN, language=language, share=survey, is_staff=True
    )
    page = client.get(url("results")).content.decode()
    assert 'id="results-bar"' in page and 'id="no-filter"' in page
    assert re.search(r'<details class="[^"]*" id="filter-panel">', page)  # closed
    contents = page[page.index('id="contents"') : page.index('class="col-lg-9')]
    assert section in contents and 'href="#t-channels"' in contents
    # The contents and the tables agree: every link has its target.
    for anchor in set(re.findall(r'href="#(t-[\w.]+|composition)"', contents)):
        assert f'id="{anchor}"' in page
    assert page.index('id="results-bar"') < page.index('id="t-barriers"')


def test_a_filter_shows_as_a_chip_with_a_link_that_removes_it(survey):
    schema = survey_schema_get(survey=survey)
    assert schema.questions["level"].type == "single"
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    survey.owner = user
    survey.save()
    page = client.get(url("results") + "?f=level:central").content.decode()
    chips = page[page.index('id="active-filters"') :][:1200]
    assert 'data-code="level"' in chips and "Центральный" in chips
    assert 'href="?"' in chips  # removing the only filter gives the whole survey
    assert 'id="no-filter"' not in page
