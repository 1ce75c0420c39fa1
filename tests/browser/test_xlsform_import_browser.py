"""A researcher imports an English+Russian XLSForm in a real Chromium: maps its languages (Russian
from Russian, no Kazakh), reads the import's report, finds the draft's missing Kazakh texts in
the parity view, writes one, and previews the survey in Kazakh and in Russian.

Pages are driven through their ids (templates/xlsform/import.html, report.html,
templates/builder/edit.html and question.html list them), never through wording.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Response, Survey

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "field-form-2024"
SLUG = "household-2024"
TITLE = "Household survey"

# type, name, English, Russian
SURVEY_ROWS = [
    ("start", "start", "", ""),
    ("end", "end", "", ""),
    (
        "select_one water",
        "water",
        "Main source of drinking water",
        "Основной источник питьевой воды",
    ),
    ("integer", "members", "How many people live here?", "Сколько человек здесь живёт?"),
    ("text", "comment", "Anything else?", "Что-нибудь ещё?"),
]
CHOICES = [
    ("water", "tap", "Tap in the house", "Водопровод в доме"),
    ("water", "well", "Well", "Колодец"),
    ("water", "truck", "Water truck", "Водовоз"),
]
KAZAKH_MEMBERS = "Мұнда неше адам тұрады?"


def xlsform(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label::English", "label::Russian"])
    for row in SURVEY_ROWS:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English", "label::Russian"])
    for row in CHOICES:
        choices.append(list(row))
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append([TITLE, SLUG])
    book.save(path)
    return path


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def missing_count(page) -> int:
    return int(page.locator("#parity-summary").get_attribute("data-missing"))


def test_an_english_russian_xlsform_is_imported_completed_in_kazakh_and_previewed(
    page, live_server, artifacts, tmp_path
):
    user = get_user_model().objects.create_user("dana", password=PASSWORD)
    user.groups.add(roles_ensure()[RESEARCHER])
    base = live_server.url
    workbook = xlsform(tmp_path / "household.xlsx")

    page.goto(f"{base}/accounts/login/?next=/build/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/login/'] button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "ru"

    # The builder's list links to the import page.
    with page.expect_navigation():
        page.locator("#builder-import").click()
    page.set_input_files("#id_file", str(workbook))
    shoot(page, artifacts, "01-upload")
    with page.expect_navigation():
        page.locator("#xlsform-import button[type=submit]").click()

    # English maps to neither language: a second step asks, with no new upload. Preset by the
    # rule: Russian from "Russian", Kazakh from nothing.
    languages = page.locator("#xlsform-languages tr[data-language]").all_inner_texts()
    assert languages == ["English\t6", "Russian\t6"]
    assert page.locator("#id_kk").input_value() == ""
    assert page.locator("#id_ru").input_value() == "Russian"
    assert page.locator("#id_file").count() == 0
    page.select_option("#id_kk", "")  # none: the Kazakh texts are to be written in the builder
    page.select_option("#id_ru", "Russian")
    shoot(page, artifacts, "02-languages")
    with page.expect_navigation():
        page.locator("#xlsform-languages-form button[type=submit]").click()

    # The report: a draft; English not imported; the metadata rows left out at their rows.
    assert page.locator("#xlsform-problems").count() == 0
    assert page.locator("#xlsform-imported").is_visible()
    warnings = page.locator("#xlsform-warnings tbody tr").all_inner_texts()
    assert any("English" in line and "(6)" in line for line in warnings), warnings
    assert any(line.startswith("survey\t2\t") and "start" in line for line in warnings)
    assert any(line.startswith("survey\t3\t") and "end" in line for line in warnings)
    assert page.locator("#xlsform-left-out").count() == 0
    shoot(page, artifacts, "03-report")

    survey = Survey.objects.get(slug=SLUG)
    assert survey.owner == user and survey.status == "draft"
    questions = {q.code: q for q in survey.questions.all()}
    assert sorted(questions) == ["comment", "members", "water"]  # no start, no end
    assert all(q.text_kk == "" and q.text_ru for q in questions.values())

    # The builder's parity view lists every missing Kazakh text: three questions, three options.
    with page.expect_navigation():
        page.locator("#xlsform-open").click()
    assert page.locator("#status").get_attribute("data-status") == "draft"
    kazakh = page.locator("#parity li[data-parity-kind=question][data-parity-field=text]")
    assert kazakh.count() == 3
    assert page.locator("#parity li[data-parity-kind=option]").count() == len(CHOICES)
    members = kazakh.and_(page.locator(f"[data-parity-object='{questions['members'].pk}']"))
    assert members.locator("[data-missing]").count() == 1
    before = missing_count(page)
    assert before >= 6 and before == page.locator("#parity li").count()
    shoot(page, artifacts, "04-builder-draft")

    # Publishing is refused while texts are missing.
    with page.expect_navigation():
        page.locator("#publish").click()
    assert page.locator("#action-errors").is_visible()
    shoot(page, artifacts, "05-publish-refused")
    assert Survey.objects.get(pk=survey.pk).status == "draft"

    # The question's badge leads to its page, where the Kazakh text is written.
    page.goto(f"{base}/build/{SLUG}/")
    with page.expect_navigation():
        page.locator("#question-members [data-parity-count]").click()
    assert page.locator("#question-parity [data-missing]").count() == 1
    assert page.locator("#id_text_kk").input_value() == ""
    page.fill("#id_text_kk", KAZAKH_MEMBERS)
    shoot(page, artifacts, "06-question-kazakh-written")
    with page.expect_navigation():
        page.locator("#question-form button[type=submit]").last.click()
    errors = page.locator(".invalid-feedback, #action-errors, .alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.locator("#question-parity [data-parity-complete]").is_visible()

    # One text fewer in the survey's list, and that one is gone from it.
    with page.expect_navigation():
        page.locator("a[href$='#question-members']").click()
    assert missing_count(page) == before - 1
    assert page.locator("#parity li").count() == before - 1
    assert members.count() == 0 and kazakh.count() == 2
    assert page.locator("#question-members [data-parity-count]").count() == 0
    shoot(page, artifacts, "07-builder-one-fewer")

    # The preview in Kazakh shows the text just written; in Russian, the imported one.
    member_ru = SURVEY_ROWS[3][3]
    with page.expect_navigation():
        page.locator("#preview-kk").click()
    assert page.locator("#preview-banner").is_visible()
    shoot(page, artifacts, "08-preview-kk-welcome")
    with page.expect_navigation():
        page.locator("[data-testid=preview-start]").click()
    assert KAZAKH_MEMBERS in page.locator("#q-members legend").inner_text()
    assert member_ru not in page.content()
    assert page.locator("#q-water input[type=radio]").count() == len(CHOICES)
    page.fill("#q-members input", "5")
    shoot(page, artifacts, "09-preview-kk-page")
    with page.expect_navigation():
        page.locator("button[name=switch_language][value=ru]").click()
    assert "/preview/ru/" in page.url
    assert member_ru in page.locator("#q-members legend").inner_text()
    assert KAZAKH_MEMBERS not in page.content()
    assert page.locator("#q-members input").input_value() == "5"
    assert SURVEY_ROWS[2][3] in page.locator("#q-water legend").inner_text()
    assert CHOICES[1][3] in page.locator("#q-water").inner_text()
    shoot(page, artifacts, "10-preview-ru-page")
    assert not Response.objects.exists()
