"""A researcher types a weighting scheme's totals in the browser, reads its summary, and opens
the weighted results: weighted percentages beside the unweighted counts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from analytics.weighting.models import WeightingScheme
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def answered():
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    # 9 central and 3 local respondents.
    for number in range(12):
        level = "central" if number < 9 else "local"
        data = answers_fill(schema, body_level=level)
        response_create(survey=survey, data=data, language="ru", source="web", schema=schema)
    user = get_user_model().objects.create_user("rita", password="rita-pw", is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    survey.owner = user
    survey.save()
    return survey


def test_a_researcher_defines_a_scheme_and_reads_weighted_results(
    browser, live_server, artifacts, answered
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers={"Accept-Language": "ru"}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/results/{answered.slug}/weighting/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "rita-pw")
    page.locator("input[type=submit]").click()
    page.locator("#weighting-new").click()
    page.fill("#w-name", "level")
    page.fill("#w-label", "Уровень органа")
    page.locator("details", has=page.locator("#t-body_level-central")).locator("summary").click()
    page.fill("#t-body_level-central", "300")
    page.fill("#t-body_level-local", "700")
    page.screenshot(path=str(artifacts / "1-form.png"), full_page=False)
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator("#scheme-level").inner_text()
    assert "12" in summary  # weighted respondents
    assert WeightingScheme.objects.get(name="level").status == "complete"
    page.screenshot(path=str(artifacts / "2-summary.png"), full_page=False)

    page.locator("#scheme-level a[href$='?w=level']").click()
    page.wait_for_load_state()
    assert page.locator("#weighting-note").is_visible()
    row = page.locator("#t-body_level table tbody tr").first
    cells = [c.inner_text().strip() for c in row.locator("td").all()]
    assert cells[0] == "9" and cells[1] in ("30.0", "30,0")  # unweighted count, weighted %
    page.locator("#weighting").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "3-weighted.png"), full_page=False)
    context.close()
