"""A researcher codes 20 "other" barrier texts of the 2022 demo data in the browser; the coded
table on the results page and in the tables download follow."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from analytics.coding.models import OpenCoding
from surveys.management.seed import paper_responses_build
from surveys.models import Response
from surveys.selectors import survey_schema_get
from surveys.services import responses_bulk_create
from tests.factories import survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "civil-service-communication-2022"
NEW_CODE = "Цифровые и технические проблемы"


@pytest.fixture
def demo():
    """The demo data's respondents with an "other" barrier, and 150 others."""
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    items = paper_responses_build(schema=schema)
    other = [i for i in items if "other" in i.result.answers["barriers"].options]
    rest = [i for i in items if "other" not in i.result.answers["barriers"].options][:150]
    responses_bulk_create(
        survey=survey, schema=schema, items=other + rest, source=Response.Source.SEED
    )
    user = get_user_model().objects.create_user("rita", password="rita-pw", is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    survey.owner = user
    survey.save()
    return survey, len(other)


def _coded_counts(page) -> dict[str, tuple[int, int]]:
    """entry code -> (count, of them from coding) in the results page's coded table."""
    counts = {}
    for row in page.locator("#coded-barriers tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        counts[row.get_attribute("data-code")] = (int(cells[0]), int(cells[2]))
    return counts


def _chosen_respondents(page, rows: range) -> int:
    total = 0
    for i in rows:
        row = page.locator("#texts tbody tr").nth(i)
        total += int(row.locator("td").nth(2).inner_text())
    return total


def test_a_researcher_codes_twenty_other_barriers(browser, live_server, artifacts, demo):
    survey, with_other = demo
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
        extra_http_headers={"Accept-Language": "ru"},
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/results/{SLUG}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "rita-pw")
    page.locator("input[type=submit]").click()
    page.locator("#code-barriers").click()

    # The code book: a new code in both languages, and an existing option.
    page.fill("#label-kk", "Цифрлық және техникалық мәселелер")
    page.fill("#label-ru", NEW_CODE)
    page.locator("#new-code-form button[type=submit]").click()
    page.locator("#option-code").select_option("servant_behaviour")
    page.locator("#option-code-form button[type=submit]").click()
    assert page.locator("#code-book li").count() == 2
    assert int(page.locator("[data-uncoded]").get_attribute("data-uncoded")) > 20
    page.screenshot(path=str(artifacts / "1-code-book.png"), full_page=False)

    # Ten texts with the mouse to the new code...
    first = _chosen_respondents(page, range(10))
    for i in range(10):
        page.locator("#texts tbody tr").nth(i).locator("input[type=checkbox]").check()
    page.get_by_label(NEW_CODE, exact=True).check()
    page.locator("#assign").click()
    assert int(page.locator("[data-coded]").get_attribute("data-coded")) == 10

    # ...and ten more, among the uncoded ones, with the keyboard alone.
    page.locator("#uncoded-only").check()
    page.locator("#text-search button[type=submit]").click()
    second = _chosen_respondents(page, range(10))
    page.locator("#text-1").focus()
    for _ in range(10):
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    page.locator("#code-picker input[type=checkbox]").nth(1).focus()
    page.keyboard.press("Space")
    page.locator("#assign").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert int(page.locator("[data-coded]").get_attribute("data-coded")) == 20
    assert OpenCoding.objects.filter(survey=survey).count() == 20
    page.screenshot(path=str(artifacts / "2-coded.png"), full_page=False)

    # A phone: the same page, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=str(artifacts / "3-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The results page: the coded table under the barriers table.
    page.goto(f"{live_server.url}/results/{SLUG}/")
    coded = _coded_counts(page)
    new_code = next(code for code in coded if code not in {
        "perception", "citizen_behaviour", "servant_behaviour", "language", "emotional",
        "cultural", "gender", "other"})  # fmt: skip
    assert coded[new_code] == (first, first)
    # Every respondent leaves "other" once their text is coded.
    assert coded["other"] == (with_other - first - second, 0)
    assert 0 < coded["servant_behaviour"][1] <= second
    page.locator("#coded-barriers").scroll_into_view_if_needed()
    page.locator("#t-barriers").screenshot(path=str(artifacts / "4-results-coded.png"))

    # The tables download holds the same coded table, after the others.
    with page.expect_download() as download:
        page.get_by_role("link", name="Таблицы (CSV)").click()
    body = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    start = max(i for i, row in enumerate(rows) if row[:1] == ["perception"])
    block = {row[0]: int(row[2]) for row in rows[start:] if len(row) > 2 and row[0]}
    assert block[new_code] == first
    assert block["other"] == with_other - first - second
    assert block["servant_behaviour"] == coded["servant_behaviour"][0]
    context.close()
