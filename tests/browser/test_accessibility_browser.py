"""axe-core on every page a respondent meets, on the builder's main pages, the results, the
crosstab and sign-in: zero violations of the WCAG 2.0/2.1 A and AA rules (docs/accessibility.md).

Each failure names the rule and the element's selector. The last test shows the check is live:
a label taken off an input is reported.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError

import surveys.respond.views
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.browser.a11y_support import axe_assert_clean, axe_violations
from tests.browser.test_respondent_browser import fill_visible_questions
from tests.builder_factories import wave_build
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "civil-service-communication-2022"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a11y-pw-42"


def open_context(browser, language: str, viewport: dict[str, int]):
    # Reduced motion turns Bootstrap's colour transitions off: axe run just after a click would
    # otherwise measure a button halfway between its two (each compliant) colours.
    context = browser.new_context(
        viewport=viewport,
        extra_http_headers={"Accept-Language": language},
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    return context


def press(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f"#survey-page button[name=action][value={action}]").click()


@pytest.mark.parametrize(("language", "viewport"), [("kk", PHONE), ("ru", DESKTOP)])
def test_every_respondent_page_of_the_2022_questionnaire_is_clean(
    browser, live_server, artifacts, language, viewport
):
    survey_2022_load()
    context = open_context(browser, language, viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{SLUG}/")
        assert page.locator("html").get_attribute("lang") == language
        axe_assert_clean(page, f"welcome ({language})")
        # The statement is one link away from every page, in the page's language.
        assert (
            page.locator("footer a#accessibility-link").get_attribute("href") == "/accessibility/"
        )
        with page.expect_navigation():
            page.locator("form[action$='/start/'] button[type=submit]").click()

        # Next on an empty first section: the page comes back with its errors shown.
        press(page, "next")
        assert page.locator("#error-summary").is_visible()
        axe_assert_clean(page, "section 1 with errors")

        section = 1
        while True:
            fill_visible_questions(page)
            axe_assert_clean(page, f"section {section}")
            if page.locator("fieldset[data-type=matrix]").count():
                page.screenshot(path=str(artifacts / f"matrix-{viewport['width']}.png"))
            if page.locator("button[name=action][value=submit]").count():
                press(page, "submit")
                break
            press(page, "next")
            assert page.locator("#error-summary").count() == 0, page.locator("#error-summary")
            section += 1
        assert section == 5
        axe_assert_clean(page, "thank-you page")
    finally:
        context.close()


def test_the_invitation_refusal_and_the_retry_page_are_clean(browser, live_server, monkeypatch):
    survey = survey_2022_load()
    context = open_context(browser, "ru", PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{SLUG}/")
        with page.expect_navigation():
            page.locator("form[action$='/start/'] button[type=submit]").click()
        first = page.url

        def lost(**kwargs):
            raise OperationalError("the database system is shutting down")

        # The live server runs in this process: the lost connection is patched in its view.
        monkeypatch.setattr(surveys.respond.views, "response_answers_get", lost)
        reply = page.goto(first)
        assert reply.status == 503
        axe_assert_clean(page, "retry page")
        monkeypatch.undo()

        Survey.objects.filter(pk=survey.pk).update(access=Survey.Access.INVITATION)
        context.clear_cookies()
        reply = page.goto(f"{live_server.url}/s/{SLUG}/")
        assert reply.status == 403
        axe_assert_clean(page, "invitation refusal")
    finally:
        context.close()


def answered_2022() -> Survey:
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    for number, region in enumerate(["aktobe"] * 6 + ["astana"] * 6):
        barriers = ["perception"] if number % 2 else ["perception", "emotional"]
        data = answers_fill(schema, region=region, barriers=barriers)
        response_create(survey=survey, data=data, language="kk", source="web", schema=schema)
    return survey


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_sign_in_the_builder_the_results_and_the_crosstab_are_clean(
    browser, live_server, artifacts, language
):
    answered_2022()
    user = get_user_model().objects.create_superuser("a11y", password=PASSWORD)
    wave_build(user)
    context = open_context(browser, language, DESKTOP)
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/login/?next=/build/")
        axe_assert_clean(page, "sign-in")
        page.fill("#id_username", "a11y")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("form[action$='/login/'] button[type=submit]").click()
        for where, path in [
            ("builder list", "/build/"),
            ("builder new survey", "/build/new/"),
            ("builder survey", "/build/wave/"),
            ("builder section", "/build/wave/sections/work/edit/"),
            ("builder matrix question", "/build/wave/q/channels/"),
            ("builder multiple question", "/build/wave/q/barriers/"),
            ("results index", "/results/"),
            ("results", f"/results/{SLUG}/"),
            ("crosstab", f"/results/{SLUG}/crosstab/?q=barriers&by=region"),
            ("accessibility statement", "/accessibility/"),
        ]:
            reply = page.goto(base + path)
            assert reply.status == 200, (where, reply.status)
            page.screenshot(path=str(artifacts / f"{where.replace(' ', '-')}.png"))
            axe_assert_clean(page, where)
            if where == "results":
                charts_have_their_table(page)
    finally:
        context.close()


def charts_have_their_table(page) -> None:
    """Every chart is described by the table of its figures next to it."""
    charts = page.locator("figure.chart")
    assert charts.count() > 0
    for chart in charts.all():
        described = chart.get_attribute("aria-describedby")
        assert page.locator(f"#{described} table").count() == 1, described


def test_an_input_whose_label_is_removed_is_reported(browser, live_server):
    survey_2022_load()
    context = open_context(browser, "kk", DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{SLUG}/")
        with page.expect_navigation():
            page.locator("form[action$='/start/'] button[type=submit]").click()
        radio = page.locator("#q-body_level input[type=radio]").first
        radio_id = radio.get_attribute("id")
        page.evaluate(f"document.querySelector(\"label[for='{radio_id}']\").remove()")
        violations = axe_violations(page)
        labels = [v for v in violations if v["id"] == "label"]
        assert labels, [v["id"] for v in violations]
        assert [f"#{radio_id}"] in [node["target"] for node in labels[0]["nodes"]]
    finally:
        context.close()
