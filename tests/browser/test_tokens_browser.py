"""A researcher makes an API token on their account page, a script uses it, then they revoke it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Survey

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "steppe-wind-2022"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def researcher(mini_survey):
    user = get_user_model().objects.create_user("aigerim", password=PASSWORD, is_staff=True)
    user.groups.add(roles_ensure()[RESEARCHER])
    Survey.objects.filter(pk=mini_survey.pk).update(owner=user)
    return user


def api_get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_token_is_made_used_and_revoked(page, live_server, artifacts, researcher, mini_survey):
    surveys = f"{live_server.url}/api/v1/surveys/"
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/tokens/")
    page.fill("#id_username", "aigerim")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("#tokens-none")
    assert page.locator("#nav-tokens").is_visible()
    assert page.locator("html").get_attribute("lang") == "ru"

    page.fill("#id_name", "Power BI")
    page.locator("#token-create button[type=submit]").click()
    text = page.locator("#token-text").input_value()
    assert text.startswith("snm_")
    assert page.locator("#token-text").get_attribute("readonly") is not None
    assert f'Authorization: Token {text}" {surveys}' in page.locator("#token-curl").inner_text()
    page.screenshot(path=str(artifacts / "1-created.png"), full_page=True)

    status, body = api_get(surveys, text)
    assert status == 200
    assert [survey["slug"] for survey in body["results"]] == [mini_survey.slug]

    # Once only: the list page again has the token's prefix, not its text.
    page.goto(f"{live_server.url}/accounts/tokens/")
    assert page.locator("#token-text").count() == 0
    assert text not in page.content()
    row = page.locator("#tokens tbody tr").first
    assert row.locator("td").first.inner_text() == text[: len("snm_") + 9] + "…"

    row.locator("summary").click()
    page.screenshot(path=str(artifacts / "2-confirm.png"), full_page=True)
    row.locator("button[type=submit]").click()
    page.wait_for_selector("[role=status]")
    row = page.locator("#tokens tbody tr").first
    assert row.locator("summary").count() == 0
    assert row.locator(".token-status .badge").get_attribute("class").endswith("secondary")

    status, body = api_get(surveys, text)
    assert status == 401
    assert body["error"]["code"] == "authentication_failed"
    page.screenshot(path=str(artifacts / "3-revoked.png"), full_page=True)

    # On a phone: the new token and its example wrap inside the screen.
    page.set_viewport_size(PHONE)
    page.fill("#id_name", "R, httr2")
    page.locator("#token-create button[type=submit]").click()
    page.wait_for_selector("#token-text")
    assert not overflows(page)
    page.screenshot(path=str(artifacts / "4-phone.png"), full_page=True)
