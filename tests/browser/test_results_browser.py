"""An admin opens the results of the 2022 survey, filters by a region, downloads the XLSX."""

from __future__ import annotations

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from accounts.models import SurveyShare
from accounts.roles import RESULTS_ADMIN, roles_ensure
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "civil-service-communication-2022"
REGIONS = {"aktobe": 12, "atyrau": 6, "astana": 7}


@pytest.fixture
def answered():
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    barriers = (["perception"], ["perception", "emotional"], ["citizen_behaviour"])
    number = 0
    for region, count in REGIONS.items():
        for _ in range(count):
            data = answers_fill(schema, region=region, barriers=barriers[number % 3])
            response_create(survey=survey, data=data, language="kk", source="web", schema=schema)
            number += 1
    user = get_user_model().objects.create_user("analyst", password="analyst-pw", is_staff=True)
    user.groups.add(roles_ensure()[RESULTS_ADMIN])
    SurveyShare.objects.create(survey=survey, user=user, role=RESULTS_ADMIN)
    return survey


def respondents(page) -> int:
    return int(page.locator("#respondents").inner_text().split()[0])


def table_counts(page, code: str) -> dict[str, int | str]:
    """Answer label -> count as the page's table shows it ("—" where withheld)."""
    counts: dict[str, int | str] = {}
    for row in page.locator(f"#t-{code} table tbody tr").all():
        label = row.locator("th").inner_text().strip()
        cell = row.locator("td").first.inner_text().strip()
        counts[label] = cell if cell == "—" else int(cell)
    return counts


def test_an_admin_filters_by_region_and_downloads_the_same_numbers(
    browser, live_server, artifacts, answered
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        extra_http_headers={"Accept-Language": "ru"},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/results/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "analyst-pw")
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="Коммуникативные компетенции").click()
    # An aggregates-only viewer: every count perturbed by at most 3 (docs/privacy.md).
    assert abs(respondents(page) - 25) <= 3
    assert page.locator("#protection").is_visible()
    assert page.locator("#t-channel_effectiveness svg").count() == 1
    # Table 1 starts on the first screen at 1280 px, above who answered (issue 16).
    assert page.locator("#t-channel_effectiveness").bounding_box()["y"] < 900
    table1, who = (page.locator(s).bounding_box()["y"] for s in ("#t-barriers", "#composition"))
    assert table1 < who
    composition = page.locator("#composition").inner_text()
    assert "Актюбинская область" in composition
    page.screenshot(path=str(artifacts / "1-all.png"), full_page=False)

    # The filter waits in a panel of the results bar; the table of contents leads to the tables.
    assert page.locator("#filter-panel[open]").count() == 0
    assert page.locator(".results-contents-sticky a[href='#t-barriers']").is_visible()
    page.locator("#filter-panel > summary").click()
    page.locator("#filter-panel details", has=page.locator("input[value='region:aktobe']")).locator(
        "summary"
    ).click()
    page.locator("input[value='region:aktobe']").check()
    page.locator("#filter-form button[type=submit]").click()
    page.wait_for_load_state()
    assert abs(respondents(page) - 12) <= 3
    # The active filter reads in words in the bar, with a link that removes it.
    chip = page.locator("#active-filters .filter-chip[data-code='region']")
    assert "Актюбинская область" in chip.inner_text()
    shown = table_counts(page, "barriers")
    assert abs(shown["Барьеры восприятия информации"] - 8) <= 3
    assert shown["Эмоциональные барьеры"] in (0, 5)  # 4 respondents: never shown as 1..4
    page.locator("#t-barriers").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "2-aktobe.png"), full_page=False)

    with page.expect_download() as download:
        page.locator("#download-xlsx").click()
    path = artifacts / "tables.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path)["barriers"]
    in_file = {
        row[1]: row[2]
        for row in sheet.iter_rows(values_only=True)
        if row and len(row) > 2 and row[1] in shown
    }
    for label, count in shown.items():
        assert in_file[label] == count

    # Printed, the page is the tables alone: no bar, no contents, no buttons.
    page.emulate_media(media="print")
    assert not page.locator("#contents").is_visible()
    assert not page.locator("#download-xlsx").is_visible()
    assert not page.locator("#filter-panel").is_visible()
    assert page.locator("#t-barriers table").is_visible()
    page.pdf(path=str(artifacts / "3-printed.pdf"), format="A4")
    context.close()
