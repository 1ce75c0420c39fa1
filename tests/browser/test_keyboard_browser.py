"""The whole 2022 questionnaire answered with the keyboard only (Tab, arrows, Space, Enter), and
what a screen reader is given on the way: focus after a refused page and after navigation,
hidden questions out of the accessibility tree, the progress, the matrix's radio names, `lang`.

Focus is moved only by key presses: `tab_to` presses Tab until the wanted control has focus and
fails if it never gets there (a control the keyboard cannot reach).
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from surveys.models import Answer, Response
from tests.factories import survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "civil-service-communication-2022"
OTHER_TEXT = "Цифровая неграмотность населения"
TAB_LIMIT = 80


def focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement.matches(s)", selector)


def tab_to(page, selector: str) -> None:
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} was not reached with Tab")


def enter_on(page, selector: str) -> None:
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_radio(page, group: str, index: int) -> None:
    """Tab into a radio group (onto its first radio), then arrows to the index-th: it is checked."""
    tab_to(page, group)
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    assert page.locator(group).nth(index).is_checked(), group


def answer_by_keyboard(page, skip: frozenset[str] = frozenset()) -> None:
    for fieldset in page.locator("fieldset.question").all():
        code = fieldset.get_attribute("data-code")
        kind = fieldset.get_attribute("data-type")
        if code in skip or not fieldset.is_visible():
            continue
        at = f"#q-{code}"
        if kind == "single" and fieldset.locator("select").count():
            tab_to(page, f"{at} select")
            page.keyboard.press("ArrowDown")
            assert fieldset.locator("select").input_value() != "", code
        elif kind == "single":
            choose_radio(page, f"{at} input[type=radio]", 0)
        elif kind == "multiple":
            wanted = int(fieldset.get_attribute("data-min-choices") or 1)
            boxes = fieldset.locator("input[type=checkbox]:not([data-other]):not([data-exclusive])")
            for i in range(wanted):
                tab_to(page, f"#{boxes.nth(i).get_attribute('id')}")
                page.keyboard.press("Space")
                assert boxes.nth(i).is_checked(), code
        elif kind in ("matrix", "rating"):
            names = fieldset.locator("input[type=radio]").evaluate_all(
                "els => [...new Set(els.map(e => e.name))]"
            )
            for name in names:
                group = f'{at} input[name="{name}"]'
                choose_radio(page, group, page.locator(group).count() - 2)
        elif kind in ("number", "decimal"):
            tab_to(page, f"{at} input")
            page.keyboard.type("7")
        elif kind in ("short_text", "long_text"):
            tab_to(page, f"{at} input, {at} textarea")
            page.keyboard.type("Жауап")


def assert_arrived(page, number: int) -> None:
    """After navigation focus is on the new page's heading; the progress says where we are."""
    assert page.evaluate("document.activeElement.id") == "page-heading"
    progress = page.get_by_role("progressbar", name=gettext("Progress"))
    assert progress.get_attribute("aria-valuetext") == gettext(
        "Section %(number)s of %(total)s"
    ) % {
        "number": number,
        "total": 5,
    }
    assert page.locator("html").get_attribute("lang") == "ru"
    # The other language's name on the switch is read in that language.
    assert page.locator("button[name=switch_language][value=kk]").get_attribute("lang") == "kk"


def test_the_whole_questionnaire_is_answered_with_the_keyboard_only(browser, live_server):
    survey_2022_load()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers={"Accept-Language": "ru"}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    translation.activate("ru")
    try:
        page.goto(f"{live_server.url}/s/{SLUG}/")
        enter_on(page, "form[action$='/start/'] button[type=submit]")
        assert_arrived(page, 1)

        # A refused page: focus lands on the summary of its errors, which is read first.
        enter_on(page, "button[name=action][value=next]")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.get_by_role("alert").locator("a").count() > 0

        # Section 1. The central body's follow-ups are hidden: absent from the accessibility
        # tree, and skipped by Tab (their inputs are disabled).
        hidden_legend = page.locator("#q-body_name legend").text_content().strip()
        assert hidden_legend not in page.locator("#survey-page").aria_snapshot()
        choose_radio(page, "#q-body_level input[type=radio]", 1)  # local
        assert page.locator("#q-body_name").is_hidden()
        assert hidden_legend not in page.locator("#survey-page").aria_snapshot()
        answer_by_keyboard(page, skip=frozenset({"body_level"}))
        enter_on(page, "button[name=action][value=next]")
        assert_arrived(page, 2)

        answer_by_keyboard(page)
        enter_on(page, "button[name=action][value=next]")
        assert_arrived(page, 3)

        # The matrix: one named group per row, each radio named by its row and its point.
        matrix, row = page.locator("#q-channel_effectiveness"), "Телефонная связь"
        assert matrix.get_by_role("radiogroup", name=row, exact=True).count() == 1
        assert matrix.get_by_role("radio", name=re.compile(rf"^{row} 5\W+Отлично$")).count() == 1
        assert matrix.get_by_role("radio", name=f"{row} 3", exact=True).count() == 1
        answer_by_keyboard(page)
        enter_on(page, "button[name=action][value=next]")
        assert_arrived(page, 4)

        # Barriers, at most three: the third choice says the limit aloud and disables the rest;
        # "other" opens its text box, the next Tab stop.
        answer_by_keyboard(page, skip=frozenset({"barriers"}))
        for code in ("perception", "citizen_behaviour", "other"):
            tab_to(page, f"#q-barriers input[value={code}]")
            page.keyboard.press("Space")
        limit = ngettext(
            "Choose no more than %(counter)s answer.", "Choose no more than %(counter)s answers.", 3
        ) % {"counter": 3}
        assert page.locator("#q-barriers [data-limit-live]").text_content() == limit
        assert page.locator("#q-barriers [aria-live=polite]").count() == 1
        assert page.locator("#q-barriers input[value=language]").is_disabled()
        page.keyboard.press("Tab")
        assert focused(page, "#q-barriers [data-other-box] input")
        page.keyboard.type(OTHER_TEXT)
        enter_on(page, "button[name=action][value=next]")
        assert_arrived(page, 5)

        answer_by_keyboard(page)
        enter_on(page, "button[name=action][value=submit]")
        assert page.locator("html").get_attribute("lang") == "ru"
        assert gettext("Thank you!") in page.locator("h1").inner_text()
    finally:
        translation.deactivate()
        context.close()

    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    barriers = Answer.objects.filter(response=response, question__code="barriers")
    assert sorted(barriers.values_list("option__code", flat=True)) == [
        "citizen_behaviour",
        "other",
        "perception",
    ]
    assert barriers.get(option__code="other").value_text == OTHER_TEXT
    assert not Answer.objects.filter(response=response, question__code="body_name").exists()
