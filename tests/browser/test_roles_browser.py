"""Each demo login signs in through the admin and sees what its role may see, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "roles-demo-42"
SLUG = "civil-service-communication-2022"
TITLE_RU = "Коммуникативные компетенции"
AUDIT_LOG = "/admin/accounts/auditevent/"


@pytest.fixture
def demo(monkeypatch) -> dict[str, Survey]:
    """The 2022 survey with a few answers, a survey shared with nobody, and the demo logins."""
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    for region in ("aktobe", "atyrau", "astana", "aktobe", "atyrau", "aktobe"):
        data = answers_fill(schema, region=region)
        response_create(survey=survey, data=data, language="ru", source="web", schema=schema)
    other = Survey.objects.create(
        slug="someone-elses", title_kk="Бөтен сауалнама", title_ru="Чужая анкета"
    )
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("demo_accounts", stdout=StringIO())
    return {"survey": survey, "other": other}


@pytest.fixture
def sign_in(browser, live_server, artifacts: Path) -> Iterator[object]:
    """sign_in(login) -> a page signed in through /admin/login/ in a session of its own."""
    contexts = []

    def open_as(login: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", login)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")
        page.screenshot(path=str(artifacts / f"{login}-0-admin.png"), full_page=True)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _links(page) -> set[str]:
    return set(page.locator("#content-main a").evaluate_all("links => links.map(a => a.pathname)"))


def test_each_demo_login_sees_what_its_role_may_see(demo, sign_in, live_server, artifacts):
    base, survey, other = live_server.url, demo["survey"], demo["other"]
    change = f"/admin/surveys/survey/{survey.pk}/change/"

    def shot(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)

    # The researcher: their own survey and its questions, its results; no audit log.
    researcher = sign_in("researcher")
    assert "/admin/surveys/survey/" in _links(researcher)
    assert AUDIT_LOG not in _links(researcher)
    researcher.goto(f"{base}/admin/surveys/survey/")
    listed = researcher.locator("#result_list").inner_text()
    assert SLUG in listed and other.slug not in listed
    shot(researcher, "researcher-1-surveys")
    researcher.click(f'#result_list a[href$="{change}"]')
    researcher.wait_for_selector("#questions-group")
    shot(researcher, "researcher-2-survey")
    shares = researcher.locator("#shares-group")  # the owner decides who else works on it
    assert "analyst" in shares.inner_text()
    shares.screenshot(path=str(artifacts / "researcher-3-shares.png"))
    researcher.locator("#questions-group a.inlinechangelink").first.click()
    researcher.wait_for_selector("#question_form")
    shot(researcher, "researcher-4-question")
    opened = researcher.goto(f"{base}/results/{SLUG}/")
    assert opened.status == 200 and TITLE_RU in researcher.locator("h1").inner_text()
    shot(researcher, "researcher-5-results")
    assert researcher.goto(f"{base}{AUDIT_LOG}").status == 403

    # The analyst: the shared survey's results and downloads; no questionnaire, no other survey.
    analyst = sign_in("analyst")
    assert not {"/admin/surveys/survey/", "/admin/surveys/response/", AUDIT_LOG} & _links(analyst)
    analyst.goto(f"{base}/results/")
    assert analyst.get_by_role("link", name=TITLE_RU).count() == 1
    assert analyst.get_by_text("Чужая анкета").count() == 0
    shot(analyst, "analyst-1-results-index")
    analyst.get_by_role("link", name=TITLE_RU).click()
    assert TITLE_RU in analyst.locator("h1").inner_text()
    shot(analyst, "analyst-2-results")
    with analyst.expect_download() as download:
        analyst.locator("#download-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert analyst.goto(f"{base}{change}").status == 403  # no questionnaire pages in the role
    shot(analyst, "analyst-3-survey-refused")
    assert analyst.goto(f"{base}/results/{other.slug}/").status == 404  # as if it did not exist
    shot(analyst, "analyst-4-other-refused")

    # The superuser: every survey and response, and the audit log with the analyst's download.
    admin = sign_in("admin")
    assert {"/admin/surveys/survey/", "/admin/surveys/response/", AUDIT_LOG} <= _links(admin)
    admin.goto(f"{base}/admin/surveys/survey/")
    listed = admin.locator("#result_list").inner_text()
    assert SLUG in listed and other.slug in listed
    admin.goto(f"{base}{AUDIT_LOG}")
    logged = admin.locator("#result_list tbody tr").first.inner_text()
    assert "analyst" in logged and SLUG in logged and "xlsx, ru" in logged
    shot(admin, "admin-1-audit-log")
