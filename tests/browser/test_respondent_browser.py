"""A civil servant fills in the 2022 questionnaire in a real Chromium: Kazakh on a phone, Russian
on a desktop; a fourth barrier, an "other" text, closing the page midway, and submitting."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.models import Answer, Response
from tests.factories import survey_2022_load

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "civil-service-communication-2022"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
TEXTS = {
    "kk": {
        "start": "Сауалнаманы бастау",
        "continue": "Тоқтаған жерден жалғастыру",
        "next": "Келесі",
        "submit": "Жауаптарымды жіберу",
        "thanks": "Рақмет!",
        "limit": "3 нұсқадан артық таңдамаңыз.",
        "other": "Халықтың цифрлық сауатсыздығы",
    },
    "ru": {
        "start": "Начать опрос",
        "continue": "Продолжить с того места",
        "next": "Далее",
        "submit": "Отправить ответы",
        "thanks": "Спасибо!",
        "limit": "Выберите не более 3 вариантов.",
        "other": "Цифровая неграмотность населения",
    },
}


def fill_visible_questions(page, skip: set[str] = frozenset()) -> None:
    """Answer every question shown on the page the way a person would, with plain choices."""
    # Every fieldset, visibility checked as we go: answering one can reveal the next.
    for fieldset in page.locator("fieldset.question").all():
        code = fieldset.get_attribute("data-code")
        kind = fieldset.get_attribute("data-type")
        if code in skip or not fieldset.is_visible():
            continue
        if kind == "single":
            select = fieldset.locator("select")
            if select.count():
                select.select_option(index=1)
            else:
                fieldset.locator("input[type=radio]").first.check()
        elif kind == "multiple":
            wanted = int(fieldset.get_attribute("data-min-choices") or 1)
            boxes = fieldset.locator("input[type=checkbox]:not([data-other]):not([data-exclusive])")
            for i in range(wanted):
                boxes.nth(i).check()
        elif kind in ("matrix", "rating"):
            groups = fieldset.locator(".matrix-row").all() or [fieldset]
            for group in groups:
                points = group.locator("input[type=radio]")
                target = points.nth(points.count() - 2)
                group.locator(f"label[for='{target.get_attribute('id')}']").click()
                assert target.is_checked(), code
        elif kind == "number":
            fieldset.locator("input").fill("7")
        else:
            fieldset.locator("input, textarea").first.fill("Жауап")


def next_page(page, language: str) -> None:
    page.get_by_role("button", name=TEXTS[language]["next"]).click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0, page.locator("#error-summary").inner_text()


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("language", "viewport"), [("kk", PHONE), ("ru", DESKTOP)])
def test_a_civil_servant_fills_in_the_whole_questionnaire(
    browser, live_server, artifacts, language, viewport
):
    survey_2022_load()
    texts = TEXTS[language]
    context = browser.new_context(
        viewport=viewport,
        extra_http_headers={"Accept-Language": language},
        is_mobile=viewport is PHONE,
        has_touch=viewport is PHONE,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{SLUG}/")
    assert page.locator("html").get_attribute("lang") == language
    shoot(page, artifacts, "01-welcome")
    page.get_by_role("button", name=texts["start"]).click()

    # Section 1: a local body, so the central follow-ups stay hidden.
    page.locator("#q-body_level input[value=local]").check()
    assert page.locator("#q-body_name").is_hidden()
    page.locator("#q-body_level input[value=central]").check()
    assert page.locator("#q-body_name").is_visible()
    page.locator("#q-body_level input[value=local]").check()
    fill_visible_questions(page, skip={"body_level"})
    shoot(page, artifacts, "02-profile")
    next_page(page, language)
    fill_visible_questions(page)
    shoot(page, artifacts, "03-self-assessment")
    next_page(page, language)

    # Closing the page midway loses nothing: the welcome page offers to continue.
    page.close()
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{SLUG}/")
    page.get_by_role("link", name=texts["continue"]).click()
    assert page.locator("#q-channel_effectiveness").is_visible()
    assert "3" in page.locator("#progress-text").inner_text()
    fill_visible_questions(page)
    shoot(page, artifacts, "04-channels")
    next_page(page, language)

    # Barriers: the browser stops a fourth box, the server refuses one sent anyway.
    barriers = page.locator("#q-barriers")
    fill_visible_questions(page, skip={"barriers"})
    for code in ("perception", "citizen_behaviour", "emotional"):
        barriers.locator(f"input[value={code}]").check()
    assert barriers.locator("input[value=language]").is_disabled()
    barriers.locator("input[value=emotional]").uncheck()
    assert barriers.locator("input[value=language]").is_enabled()
    barriers.locator("input[value=emotional]").check()
    page.evaluate(
        "document.querySelector('#q-barriers input[value=language]').disabled = false;"
        "document.querySelector('#q-barriers input[value=language]').checked = true;"
    )
    page.get_by_role("button", name=texts["next"]).click()
    page.wait_for_load_state()
    assert texts["limit"] in page.locator("#error-summary").inner_text()
    assert page.locator("#q-approach input:checked").count() == 1  # other answers kept
    shoot(page, artifacts, "05-fourth-barrier-refused")

    # "Other": its text box appears when chosen, and its text is kept.
    barriers.locator("input[value=language]").uncheck()
    barriers.locator("input[value=emotional]").uncheck()
    other_box = barriers.locator("[data-other-box]")
    assert other_box.is_hidden()
    barriers.locator("input[data-other]").check()
    assert other_box.is_visible()
    other_box.locator("input").fill(texts["other"])
    shoot(page, artifacts, "06-other-barrier")
    next_page(page, language)

    fill_visible_questions(page)
    shoot(page, artifacts, "07-last-section")
    page.get_by_role("button", name=texts["submit"]).click()
    page.wait_for_load_state()
    assert texts["thanks"] in page.locator("h1").inner_text()
    shoot(page, artifacts, "08-thanks")
    context.close()

    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE and response.language == language
    barrier_rows = Answer.objects.filter(response=response, question__code="barriers")
    assert sorted(barrier_rows.values_list("option__code", flat=True)) == [
        "citizen_behaviour",
        "other",
        "perception",
    ]
    assert barrier_rows.get(option__code="other").value_text == texts["other"]
    assert not Answer.objects.filter(response=response, question__code="body_name").exists()
