"""A researcher builds a small bilingual survey in a real Chromium, previews it in Kazakh and in
Russian, publishes it, and a respondent on a phone answers it to the end.

The builder is driven through its forms' ids (templates/builder/edit.html and question.html list
them), never through button wording, which the translations change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Answer, Response, Survey

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "citizen-feedback"
PASSWORD = "builder-pw-42"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

SURVEY = {
    "slug": SLUG,
    "title_kk": "Азаматтардың пікірі",
    "title_ru": "Отзывы граждан",
    "intro_kk": "Сауалнама бес минут алады.",
    "intro_ru": "Опрос займёт пять минут.",
}
SECTIONS = {
    "work": ("Жұмыс", "Работа"),
    "channels": ("Байланыс арналары", "Каналы связи"),
}
# code -> section, type, texts (kk, ru), settings
QUESTIONS = {
    "role": ("work", "single", ("Сіздің лауазымыңыз", "Ваша должность"), {}),
    "team": (
        "work",
        "number",
        ("Бағыныштыларыңыздың саны", "Число ваших подчинённых"),
        {"number_min": "1", "number_max": "500"},
    ),
    "rating": (
        "channels",
        "matrix",
        ("Арналарды бағалаңыз", "Оцените каналы"),
        {"scale_min": "1", "scale_max": "5"},
    ),
    "barriers": (
        "channels",
        "multiple",
        ("Кедергілер (үштен артық емес)", "Барьеры (не более трёх)"),
        {"max_choices": "3"},
    ),
}
OPTIONS = {
    "role": [("manager", "Басшы", "Руководитель"), ("specialist", "Маман", "Специалист")],
    "barriers": [
        ("time", "Уақыт жетіспеушілігі", "Нехватка времени"),
        ("language", "Тілдік кедергілер", "Языковые барьеры"),
        ("trust", "Сенімсіздік", "Недоверие"),
        ("other", "Басқа", "Другое"),
    ],
}
ROWS = [("phone", "Телефон", "Телефон"), ("portal", "Электрондық портал", "Электронный портал")]
SCALE_LABELS = [(1, "Нашар", "Плохо"), (5, "Өте жақсы", "Отлично")]


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def pick(page, name: str, value: str) -> None:
    """Choose a matrix point by its label, as a finger would: the radio itself is hidden."""
    radio = page.locator(f"input[name='{name}'][value='{value}']")
    page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    assert radio.is_checked()


def submit(page, form: str) -> None:
    """Send a builder form and wait for the page the server answers with."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").last.click()
    errors = page.locator(".invalid-feedback, #action-errors, .alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()


def build_survey(page, base: str) -> None:
    page.goto(f"{base}/build/")
    page.locator("#builder-new").click()
    for name, value in SURVEY.items():
        page.fill(f"#id_{name}", value)
    submit(page, "#survey-create")
    for code, (kk, ru) in SECTIONS.items():
        page.fill("#id_section-code", code)
        page.fill("#id_section-title_kk", kk)
        page.fill("#id_section-title_ru", ru)
        submit(page, "#section-add")
        assert page.locator(f"#section-{code}").is_visible()
    for code, (section, kind, (kk, ru), settings) in QUESTIONS.items():
        page.goto(base + reverse("builder:question_add", args=[SLUG, section]))
        page.fill("#id_code", code)
        page.select_option("#id_type", kind)
        page.fill("#id_text_kk", kk)
        page.fill("#id_text_ru", ru)
        for name, value in settings.items():
            page.fill(f"#id_{name}", value)
        submit(page, "#question-form")
        for option, label_kk, label_ru in OPTIONS.get(code, []):
            page.fill("#id_option-code", option)
            page.fill("#id_option-label_kk", label_kk)
            page.fill("#id_option-label_ru", label_ru)
            if option == "other":
                page.check("#id_option-is_other")
            submit(page, "#option-add")
            assert page.locator(f"#option-{option}").is_visible()
        if kind == "matrix":
            for row, label_kk, label_ru in ROWS:
                page.fill("#id_row-code", row)
                page.fill("#id_row-label_kk", label_kk)
                page.fill("#id_row-label_ru", label_ru)
                submit(page, "#row-add")
                assert page.locator(f"#row-{row}").is_visible()
            for value, label_kk, label_ru in SCALE_LABELS:
                page.fill("#id_scale-value", str(value))
                page.fill("#id_scale-label_kk", label_kk)
                page.fill("#id_scale-label_ru", label_ru)
                submit(page, "#scale-form")
        if code == "team":
            # Asked only of managers: a display condition on the earlier answer.
            page.check("#condition-form input[value='role:manager']")
            submit(page, "#condition-form")


def check_first_page(page, lang: str) -> None:
    """Texts in `lang` only, and the follow-up shown for managers alone."""
    kk_text, ru_text = QUESTIONS["role"][2]
    legend = page.locator("#q-role legend").inner_text()
    assert (kk_text if lang == "kk" else ru_text) in legend
    assert (ru_text if lang == "kk" else kk_text) not in page.content()
    page.locator("#q-role input[value=specialist]").check()
    assert page.locator("#q-team").is_hidden()
    page.locator("#q-role input[value=manager]").check()
    assert page.locator("#q-team").is_visible()


def preview(page, artifacts: Path) -> None:
    """Start in Kazakh, switch to Russian midway (the answers follow), and walk to the end."""
    page.locator("#preview-ru").click()
    assert page.locator("#preview-banner").is_visible()
    assert SURVEY["title_ru"] in page.locator("h1").inner_text()
    page.locator("[data-testid=preview-back]").click()
    page.locator("#preview-kk").click()
    assert SURVEY["title_kk"] in page.locator("h1").inner_text()
    page.locator("[data-testid=preview-start]").click()
    check_first_page(page, "kk")
    page.fill("#q-team input", "12")
    shoot(page, artifacts, "03-preview-kk-condition-shown")
    with page.expect_navigation():
        page.locator("button[name=switch_language][value=ru]").click()
    assert page.url.endswith("/preview/ru/1/")
    assert page.locator("#q-team input").input_value() == "12"
    check_first_page(page, "ru")
    shoot(page, artifacts, "04-preview-ru-page-1")
    with page.expect_navigation():
        page.locator("button[name=action][value=next]").click()
    assert ROWS[1][2] in page.locator("#q-rating").inner_text()
    for row in ("phone", "portal"):
        pick(page, f"rating.{row}", "3")
    page.locator("#q-barriers input[value=time]").check()
    shoot(page, artifacts, "05-preview-ru-page-2")
    with page.expect_navigation():
        page.locator("button[name=action][value=submit]").click()
    assert page.url.endswith("/preview/ru/done/")
    assert page.locator("#preview-banner").is_visible()
    shoot(page, artifacts, "06-preview-ru-done")
    page.locator("[data-testid=preview-back]").click()


def answer_as_respondent(browser, base: str, artifacts: Path) -> None:
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": "kk"},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{base}/s/{SLUG}/")
        assert SURVEY["title_kk"] in page.locator("h1").inner_text()
        shoot(page, artifacts, "08-respondent-welcome-phone")
        page.locator("form[action$='/start/'] button[type=submit]").click()
        assert page.locator("#q-team").is_hidden()
        page.locator("label[for=id_role_0]").click()  # manager
        assert page.locator("#q-team").is_visible()
        page.fill("#q-team input", "12")
        shoot(page, artifacts, "09-respondent-page-1-phone")
        with page.expect_navigation():
            page.locator("button[name=action][value=next]").click()
        assert page.locator("#error-summary").count() == 0
        pick(page, "rating.phone", "3")
        pick(page, "rating.portal", "4")
        barriers = page.locator("#q-barriers")
        for code in ("time", "trust"):
            barriers.locator(f"input[value={code}]").check()
        barriers.locator("input[data-other]").check()
        assert barriers.locator("input[value=language]").is_disabled()  # three is the limit
        barriers.locator("[data-other-box] input").fill("Кезек")
        shoot(page, artifacts, "10-respondent-page-2-phone")
        with page.expect_navigation():
            page.locator("button[name=action][value=submit]").click()
        assert page.locator("#error-summary").count() == 0
        shoot(page, artifacts, "11-respondent-thanks-phone")
        assert page.locator("h1").inner_text() == "Рақмет!"
    finally:
        context.close()


def test_a_researcher_builds_previews_and_publishes_a_survey_that_a_respondent_answers(
    browser, live_server, artifacts
):
    user = get_user_model().objects.create_user("builder", password=PASSWORD)
    user.groups.add(roles_ensure()[RESEARCHER])
    context = browser.new_context(viewport=DESKTOP, extra_http_headers={"Accept-Language": "ru"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/login/?next=/build/")
        page.fill("#id_username", "builder")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("form[action$='/login/'] button[type=submit]").click()

        build_survey(page, base)
        page.goto(f"{base}/build/{SLUG}/")
        assert page.locator("#parity-summary").get_attribute("data-missing") == "0"
        shoot(page, artifacts, "01-builder-edit")
        page.goto(f"{base}/build/{SLUG}/q/rating/")
        shoot(page, artifacts, "02-builder-matrix-question")
        page.goto(f"{base}/build/{SLUG}/")

        preview(page, artifacts)
        assert not Response.objects.exists() and not Answer.objects.exists()

        page.locator("#publish").click()
        page.wait_for_load_state()
        assert page.locator("#status").get_attribute("data-status") == "open"
        shoot(page, artifacts, "07-builder-published")
    finally:
        shoot(page, artifacts, "builder-last")
        context.close()

    answer_as_respondent(browser, base, artifacts)

    survey = Survey.objects.get(slug=SLUG)
    response = Response.objects.get(survey=survey)
    assert response.status == Response.Status.COMPLETE and response.language == "kk"
    rows = Answer.objects.filter(response=response)
    assert rows.count() == 1 + 1 + 2 + 3  # role, team, one per matrix cell, one per option
    assert rows.get(question__code="role").option.code == "manager"
    assert rows.get(question__code="team").value_int == 12
    cells = rows.filter(question__code="rating").values_list("row__code", "value_int")
    assert sorted(cells) == [("phone", 3), ("portal", 4)]
    chosen = rows.filter(question__code="barriers")
    assert sorted(chosen.values_list("option__code", flat=True)) == ["other", "time", "trust"]
    assert chosen.get(option__code="other").value_text == "Кезек"
