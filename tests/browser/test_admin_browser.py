"""A researcher signs in, switches the admin's language and adds an option to a question."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Survey

PASSWORD = "browser-pass-42"


@pytest.fixture
def researcher(transactional_db, mini_survey: Survey) -> str:
    """The mini survey's owner, of the researcher group."""
    user = get_user_model().objects.create_user("rita", password=PASSWORD, is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    mini_survey.owner = user
    mini_survey.save(update_fields=["owner"])
    return user.username


def _sign_in(page, base: str, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def _switch(page, language: str) -> None:
    page.click(f".saualnama-language button[value={language}]")
    page.wait_for_selector(f'html[lang="{language}"]')


def test_researcher_adds_an_option_in_kazakh_and_russian_admin(
    page, live_server, researcher, mini_survey: Survey, artifacts: Path
):
    base = live_server.url
    level = mini_survey.questions.get(code="level")
    page.goto(f"{base}/admin/login/?next=/admin/")
    _switch(page, "kk")  # already on the sign-in page
    page.screenshot(path=str(artifacts / "0-login-kk.png"), full_page=True)
    _sign_in(page, base, researcher)

    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("#logout-form button").text_content().strip() == "Шығу"
    assert (
        page.locator(".saualnama-language button[aria-current=true]").get_attribute("value") == "kk"
    )
    page.screenshot(path=str(artifacts / "1-index-kk.png"), full_page=True)

    _switch(page, "ru")
    assert page.locator("#logout-form button").text_content().strip() == "Выйти"
    page.screenshot(path=str(artifacts / "2-index-ru.png"), full_page=True)

    page.goto(f"{base}/admin/surveys/survey/")
    page.click(f'#result_list a[href$="/survey/{mini_survey.pk}/change/"]')
    page.wait_for_selector("#sections-group")
    assert page.locator("#questions-group").get_by_text("barriers").count() >= 1
    page.screenshot(path=str(artifacts / "3-survey.png"), full_page=True)

    page.click(f'#questions-group a[href$="/question/{level.pk}/change/"]')
    page.wait_for_selector("#options-group")
    page.screenshot(path=str(artifacts / "4-question.png"), full_page=True)

    page.click("#options-group .add-row a")
    page.fill('input[name="options-2-position"]', "3")
    page.fill('input[name="options-2-code"]', "regional")
    page.fill('input[name="options-2-label_kk"]', "Облыстық")
    page.fill('input[name="options-2-label_ru"]', "Областной")
    page.click('input[name="_continue"]')

    page.wait_for_selector(".messagelist .success")
    page.screenshot(path=str(artifacts / "5-saved.png"), full_page=True)
    assert page.locator('input[name="options-2-code"]').input_value() == "regional"
    assert list(level.options.values_list("code", flat=True)) == ["central", "local", "regional"]
    assert level.options.get(code="regional").label_ru == "Областной"
