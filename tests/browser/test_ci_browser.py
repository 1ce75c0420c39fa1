"""A researcher turns the confidence intervals on, on a phone, and reads a crosstab's letters."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def answered():
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    plan = [("aktobe", ["perception"])] * 14 + [("atyrau", ["citizen_behaviour"])] * 12
    for region, barriers in plan:
        data = answers_fill(schema, region=region, barriers=barriers)
        response_create(survey=survey, data=data, language="ru", source="web", schema=schema)
    user = get_user_model().objects.create_user("rita", password="rita-pw", is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    Survey.objects.filter(pk=survey.pk).update(owner=user)
    return survey


def test_intervals_on_a_phone_and_crosstab_letters(browser, live_server, artifacts, answered):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": "ru"}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/results/{answered.slug}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "rita-pw")
    page.locator("input[type=submit]").click()
    assert page.locator("#t-barriers .ci").count() == 0
    page.locator("#ci-toggle").click()
    page.wait_for_url("**ci=95**")
    assert page.locator("#ci-legend").is_visible()
    barriers = page.locator("#t-barriers")
    assert barriers.locator(".ci").count() > 0
    barriers.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "1-phone-intervals.png"), full_page=False)
    # The interval sits under its percentage, inside the table's own width (no page overflow).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/results/{answered.slug}/crosstab/?q=barriers&by=region&ci=95")
    assert page.locator("#column-test-legend").is_visible()
    letters = page.locator("#crosstab .column-letter").all_inner_texts()
    assert letters[:2] == ["A", "B"] or len(letters) >= 2
    assert page.locator("#crosstab .sig").count() >= 2  # 14/14 vs 0/12, both ways
    page.screenshot(path=str(artifacts / "2-crosstab-letters.png"), full_page=True)
    context.close()
