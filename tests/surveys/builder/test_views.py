"""The builder's pages and actions through the views: what is stored, and what the page says."""

import json

import pytest
from django.urls import reverse

from accounts.roles import RESEARCHER
from surveys.builder.selectors import survey_parity_get
from surveys.models import Question, Section, Survey
from tests.surveys.admin_support import ru
from tests.surveys.builder_support import client_for, draft_build, shows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita():
    return client_for("rita", RESEARCHER)


@pytest.fixture
def wave(rita):
    return draft_build(rita.user)


def _edit(survey):
    return reverse("builder:edit", kwargs={"slug": survey.slug})


def test_the_list_shows_the_researchers_own_surveys_only(rita, wave):
    draft_build(client_for("olga", RESEARCHER).user, slug="olgas")
    page = rita.get(reverse("builder:list"))
    assert page.status_code == 200
    assert 'id="survey-wave"' in page.content.decode()
    assert "olgas" not in page.content.decode()


def test_creating_a_survey_stores_a_draft_owned_by_its_creator(rita):
    response = rita.post(
        reverse("builder:create"),
        {"slug": "pilot", "title_kk": "Сынақ", "title_ru": "Пилот", "default_language": "ru"},
    )
    survey = Survey.objects.get(slug="pilot")
    assert response.status_code == 302 and response["Location"] == _edit(survey)
    assert (survey.owner, survey.status, survey.title_ru) == (rita.user, "draft", "Пилот")
    assert survey.default_language == "ru"


def test_a_reserved_slug_is_refused_on_its_field_and_nothing_is_stored(rita):
    response = rita.post(
        reverse("builder:create"), {"slug": "new", "title_kk": "Жаңа", "default_language": "kk"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["slug"]
    assert not Survey.objects.filter(slug="new").exists()


def test_a_survey_needs_a_title_in_some_language(rita):
    response = rita.post(reverse("builder:create"), {"slug": "pilot", "default_language": "kk"})
    assert response.status_code == 400
    assert response.context["form"].errors["title_kk"]
    assert not Survey.objects.exists()


def test_the_edit_page_shows_sections_questions_and_both_languages_side_by_side(rita, wave):
    page = rita.get(_edit(wave))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="section-intro"' in html and 'id="question-level"' in html
    assert 'lang="kk">Деңгей' in html and 'lang="ru" class="text-body-secondary">Уровень' in html
    # Kazakh and Russian fields of the settings form sit in one row, in two columns.
    assert html.index('name="settings-title_kk"') < html.index('name="settings-title_ru"')
    assert 'id="preview-kk"' in html and 'id="preview-ru"' in html
    assert "<code>central</code>, <code>local</code>" in html  # the question's options


def test_builder_pages_load_scripts_from_files_only(rita, wave):
    html = rita.get(_edit(wave)).content.decode()
    assert html.count("<script") == html.count("<script src=")
    assert "onclick" not in html and "js/builder.js" in html


def test_settings_are_saved_through_the_service(rita, wave):
    response = rita.post(
        reverse("builder:settings", kwargs={"slug": "wave"}),
        {
            "settings-title_kk": "Екінші толқын",
            "settings-title_ru": "Вторая волна",
            "settings-default_language": "ru",
            "settings-access": "invitation",
            "settings-min_cell_size": "10",
        },
    )
    assert response.status_code == 302
    wave.refresh_from_db()
    assert (wave.title_ru, wave.access, wave.min_cell_size) == ("Вторая волна", "invitation", 10)


def test_settings_closing_before_opening_are_refused_with_400(rita, wave):
    response = rita.post(
        reverse("builder:settings", kwargs={"slug": "wave"}),
        {
            "settings-title_kk": "Толқын",
            "settings-title_ru": "Волна",
            "settings-default_language": "kk",
            "settings-access": "open",
            "settings-min_cell_size": "5",
            "settings-opens_at": "2027-03-01T09:00",
            "settings-closes_at": "2027-02-01T09:00",
        },
    )
    assert response.status_code == 400
    assert response.context["settings_form"].errors
    wave.refresh_from_db()
    assert wave.opens_at is None


# Sections


def test_adding_a_section_appends_it(rita, wave):
    response = rita.post(
        reverse("builder:section_add", kwargs={"slug": "wave"}),
        {"section-code": "work", "section-title_kk": "Жұмыс", "section-title_ru": "Работа"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#section-work")
    assert list(wave.sections.order_by("position").values_list("code", flat=True)) == [
        "intro",
        "work",
    ]


def test_a_taken_section_code_is_refused_and_the_page_keeps_the_typed_text(rita, wave):
    response = rita.post(
        reverse("builder:section_add", kwargs={"slug": "wave"}),
        {"section-code": "intro", "section-title_kk": "Қайталау", "section-title_ru": "Повтор"},
    )
    assert response.status_code == 400
    assert response.context["section_form"].errors["code"]
    assert shows(response, "Қайталау")
    assert wave.sections.count() == 1


def test_editing_a_section_saves_its_texts(rita, wave):
    url = reverse("builder:section_edit", kwargs={"slug": "wave", "code": "intro"})
    assert rita.get(url).status_code == 200
    response = rita.post(
        url,
        {
            "code": "intro",
            "title_kk": "Кіріспе бөлім",
            "title_ru": "Вводный раздел",
            "description_ru": "Несколько вопросов",
        },
    )
    assert response.status_code == 302
    section = wave.sections.get()
    assert (section.title_ru, section.description_ru) == ("Вводный раздел", "Несколько вопросов")


def test_deleting_a_section_asks_first_then_deletes_it_with_its_questions(rita, wave):
    url = reverse("builder:section_delete", kwargs={"slug": "wave", "code": "intro"})
    page = rita.get(url)
    assert page.status_code == 200 and 'id="section-delete"' in page.content.decode()
    assert wave.sections.exists()
    assert rita.post(url).status_code == 302
    assert not wave.sections.exists() and not wave.questions.exists()


def _sections_add(rita, *codes):
    for code in codes:
        rita.post(
            reverse("builder:section_add", kwargs={"slug": "wave"}),
            {"section-code": code, "section-title_kk": code, "section-title_ru": code},
        )


def _order(survey):
    return list(survey.sections.order_by("position", "id").values_list("code", flat=True))


def test_sections_are_reordered_by_drag_and_drop_with_the_full_order(rita, wave):
    _sections_add(rita, "work", "about")
    response = rita.post(
        reverse("builder:sections_reorder", kwargs={"slug": "wave"}),
        {"codes": ["about", "intro", "work"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200 and response.json()["ok"] is True
    assert _order(wave) == ["about", "intro", "work"]


def test_a_section_moves_up_by_its_button_without_javascript(rita, wave):
    _sections_add(rita, "work", "about")
    response = rita.post(
        reverse("builder:sections_reorder", kwargs={"slug": "wave"}),
        {"move": "about", "direction": "up"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#section-about")
    assert _order(wave) == ["intro", "about", "work"]


def test_an_incomplete_order_is_refused_as_json_and_nothing_moves(rita, wave):
    _sections_add(rita, "work")
    response = rita.post(
        reverse("builder:sections_reorder", kwargs={"slug": "wave"}),
        {"codes": ["work"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert json.loads(response.content)["errors"]
    assert _order(wave) == ["intro", "work"]


def test_a_section_condition_is_chosen_from_earlier_questions(rita, wave):
    _sections_add(rita, "central")
    url = reverse("builder:section_condition", kwargs={"slug": "wave", "code": "central"})
    page = rita.get(reverse("builder:section_edit", kwargs={"slug": "wave", "code": "central"}))
    assert 'value="level:central"' in page.content.decode()
    assert rita.post(url, {"options": ["level:central"]}).status_code == 302
    section = wave.sections.get(code="central")
    assert [o.code for o in section.show_if_options.all()] == ["central"]
    assert rita.post(url, {}).status_code == 302
    assert not section.show_if_options.exists()


# Lifecycle


def test_publishing_a_complete_draft_opens_it(rita, wave):
    response = rita.post(reverse("builder:publish", kwargs={"slug": "wave"}))
    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.status == "open"
    page = rita.get(_edit(wave))
    assert 'id="close"' in page.content.decode()


def test_publishing_is_refused_while_a_text_lacks_russian_and_the_page_says_which(rita, wave):
    question = wave.questions.get(code="level")
    rita.post(
        reverse("builder:question_edit", kwargs={"slug": "wave", "code": "level"}),
        {"code": "level", "type": "single", "text_kk": "Деңгей", "text_ru": "", "required": "on"},
    )
    question.refresh_from_db()
    assert question.text_ru == ""
    response = rita.post(reverse("builder:publish", kwargs={"slug": "wave"}))
    assert response.status_code == 400
    wave.refresh_from_db()
    assert wave.status == "draft"
    html = response.content.decode()
    assert 'id="action-errors"' in html
    item = next(i for i in survey_parity_get(survey=wave).problems if i.question_code == "level")
    assert item.missing == ("ru",) and str(item.where) in html
    assert 'id="parity-summary" data-missing="1"' in html


def test_close_and_reopen(rita, wave):
    rita.post(reverse("builder:publish", kwargs={"slug": "wave"}))
    assert rita.post(reverse("builder:close", kwargs={"slug": "wave"})).status_code == 302
    wave.refresh_from_db()
    assert wave.status == "closed"
    assert 'id="reopen"' in rita.get(_edit(wave)).content.decode()
    assert rita.post(reverse("builder:reopen", kwargs={"slug": "wave"})).status_code == 302
    wave.refresh_from_db()
    assert wave.status == "open"


def test_closing_a_draft_is_refused_with_the_reason(rita, wave):
    response = rita.post(reverse("builder:close", kwargs={"slug": "wave"}))
    assert response.status_code == 400
    assert shows(response, ru("Only an open survey can be closed."))


def test_duplicating_makes_a_draft_copy_with_every_code(rita, wave):
    rita.post(reverse("builder:publish", kwargs={"slug": "wave"}))
    url = reverse("builder:duplicate", kwargs={"slug": "wave"})
    assert rita.get(url).status_code == 200
    response = rita.post(url, {"slug": "wave-2"})
    copy = Survey.objects.get(slug="wave-2")
    assert response.status_code == 302 and response["Location"] == _edit(copy)
    assert (copy.status, copy.owner, copy.previous_version) == ("draft", rita.user, wave)
    assert list(copy.questions.values_list("code", flat=True)) == ["level"]
    assert sorted(copy.questions.get().options.values_list("code", flat=True)) == [
        "central",
        "local",
    ]


def test_duplicating_onto_a_taken_slug_is_refused(rita, wave):
    response = rita.post(reverse("builder:duplicate", kwargs={"slug": "wave"}), {"slug": "wave"})
    assert response.status_code == 400
    assert response.context["form"].errors["slug"]
    assert Survey.objects.count() == 1


# Translation parity


def test_a_changed_kazakh_text_makes_the_russian_stale_until_confirmed(rita, wave):
    url = reverse("builder:question_edit", kwargs={"slug": "wave", "code": "level"})
    rita.post(
        url,
        {"code": "level", "type": "single", "text_kk": "Орган деңгейі", "text_ru": "Уровень"},
    )
    page = rita.get(url)
    html = page.content.decode()
    question = wave.questions.get(code="level")
    hook = f'data-confirm-translation="question-{question.pk}-text-ru"'
    assert hook in html and 'data-stale="ru"' in html
    response = rita.post(
        reverse("builder:translation_confirm", kwargs={"slug": "wave"}),
        {
            "kind": "question",
            "object_id": question.pk,
            "field": "text",
            "language": "ru",
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert hook not in rita.get(url).content.decode()
    assert survey_parity_get(survey=wave).stale_count == 0


def test_confirming_a_text_of_another_survey_answers_404(rita, wave):
    other = draft_build(client_for("olga", RESEARCHER).user, slug="olgas")
    foreign = other.questions.get()
    response = rita.post(
        reverse("builder:translation_confirm", kwargs={"slug": "wave"}),
        {"kind": "question", "object_id": foreign.pk, "field": "text", "language": "ru"},
    )
    assert response.status_code == 404


def test_a_section_title_missing_in_kazakh_is_listed_in_the_survey_panel(rita, wave):
    rita.post(
        reverse("builder:section_add", kwargs={"slug": "wave"}),
        {"section-code": "work", "section-title_ru": "Работа"},
    )
    assert Section.objects.filter(survey=wave, code="work", title_kk="").exists()
    html = rita.get(_edit(wave)).content.decode()
    panel = html[html.index('id="parity"') :]
    assert 'data-parity-kind="section"' in panel and "data-missing" in panel


def test_question_of_a_deleted_section_is_gone(rita, wave):
    rita.post(reverse("builder:section_delete", kwargs={"slug": "wave", "code": "intro"}))
    assert not Question.objects.filter(survey=wave).exists()


def test_the_header_offers_the_builder_to_researchers_only(rita):
    from accounts.roles import RESULTS_ADMIN

    assert 'id="nav-builder"' in rita.get("/").content.decode()
    analyst = client_for("ana", RESULTS_ADMIN)
    assert 'id="nav-builder"' not in analyst.get("/").content.decode()


def test_the_edit_page_links_to_the_xlsform_download_and_import(rita, wave):
    html = rita.get(_edit(wave)).content.decode()
    export = reverse("xlsform:export", kwargs={"slug": "wave"})
    assert f'id="xlsform-export" href="{export}"' in html
    assert f'href="{reverse("xlsform:import")}"' in html


def test_an_open_survey_refuses_an_edit_that_would_leave_a_text_untranslated(rita, wave):
    rita.post(reverse("builder:publish", kwargs={"slug": "wave"}))
    response = rita.post(
        reverse("builder:question_edit", kwargs={"slug": "wave", "code": "level"}),
        {"code": "level", "type": "single", "text_kk": "Деңгей", "text_ru": "", "required": "on"},
    )
    assert response.status_code == 400
    form = response.context["question_form"]
    messages = [m for found in form.errors.values() for m in found]
    assert messages and all(shows(response, m) for m in messages)
    assert wave.questions.get().text_ru == "Уровень"


def test_the_edit_page_of_the_2022_questionnaire_costs_no_more_queries_than_a_small_one(rita, wave):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import survey_2022_load

    big = survey_2022_load()
    big.owner = rita.user
    big.save(update_fields=["owner"])
    counts = []
    for survey in (wave, big):
        with CaptureQueriesContext(connection) as queries:
            assert rita.get(_edit(survey)).status_code == 200
        counts.append(len(queries))
    # 44 questions in five sections, and no query per section or question.
    assert counts[1] <= counts[0] + 2


def test_an_empty_create_post_is_refused_not_shown_as_a_fresh_form(rita):
    response = rita.post(reverse("builder:create"), {})
    assert response.status_code == 400
    assert response.context["form"].errors["slug"]
    assert not Survey.objects.exists()


def test_in_place_edit_links_name_a_form_their_page_has(rita, wave):
    """builder.js lifts the named form out of the linked page; without JS the link is a page."""
    import re

    pages = [
        _edit(wave),
        reverse("builder:question_edit", kwargs={"slug": "wave", "code": "level"}),
    ]
    found = 0
    for page in pages:
        html = rita.get(page).content.decode()
        for form, href in re.findall(r'data-inline-edit="#([\w-]+)" href="([^"]+)"', html):
            assert f'id="{form}"' in rita.get(href).content.decode()
            found += 1
    assert found == 3  # the section, and the question's two options


def test_a_refused_reorder_without_javascript_shows_the_reason_with_400(rita, wave):
    response = rita.post(
        reverse("builder:sections_reorder", kwargs={"slug": "wave"}), {"codes": ["nowhere"]}
    )
    assert response.status_code == 400
    assert response.context["action_errors"]
    assert all(shows(response, m) for m in response.context["action_errors"])


def test_confirming_a_text_that_is_not_there_is_refused_with_400(rita, wave):
    question = wave.questions.get()
    response = rita.post(
        reverse("builder:translation_confirm", kwargs={"slug": "wave"}),
        {"kind": "question", "object_id": question.pk, "field": "help", "language": "ru"},
    )
    assert response.status_code == 400
    assert response.context["action_errors"]
    from surveys.models import TextChange

    assert not TextChange.objects.filter(action=TextChange.Action.CONFIRM).exists()
