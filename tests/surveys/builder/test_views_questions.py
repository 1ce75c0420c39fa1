"""The builder's question page through the views: every type and its settings, options, matrix
rows, scale labels, display conditions, and the structure lock once a survey has answers."""

import pytest
from django.urls import reverse

from accounts.roles import RESEARCHER
from surveys.models import Option, Question, TextChange
from surveys.services import response_create
from tests.surveys.admin_support import VALID_ANSWERS
from tests.surveys.builder_support import client_for, draft_build, shows

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita():
    return client_for("rita", RESEARCHER)


@pytest.fixture
def wave(rita):
    return draft_build(rita.user)


def _url(name, code="level", **kwargs):
    return reverse(f"builder:{name}", kwargs={"slug": "wave", "code": code, **kwargs})


def _question_post(rita, **data):
    data = {"code": "q", "text_kk": "Сұрақ", "text_ru": "Вопрос", "required": "on", **data}
    return rita.post(_url("question_add", code="intro"), data)


TYPES = [
    ("single", {"widget": "dropdown"}, {"widget": "dropdown"}),
    ("multiple", {"min_choices": "1", "max_choices": "3"}, {"min_choices": 1, "max_choices": 3}),
    (
        "matrix",
        {"scale_min": "1", "scale_max": "5", "scale_na": "on"},
        {"scale_min": 1, "scale_max": 5, "scale_na": True},
    ),
    ("rating", {"scale_min": "1", "scale_max": "10"}, {"scale_min": 1, "scale_max": 10}),
    ("number", {"number_min": "0", "number_max": "50"}, {"number_min": 0, "number_max": 50}),
    ("short_text", {}, {}),
    ("long_text", {}, {"required": False}),
]


@pytest.mark.parametrize(("kind", "settings", "stored"), TYPES, ids=[t[0] for t in TYPES])
def test_a_question_of_each_type_is_added_with_its_settings(rita, wave, kind, settings, stored):
    page = rita.get(_url("question_add", code="intro") + f"?type={kind}")
    assert page.status_code == 200 and 'data-setting-group="scale"' in page.content.decode()
    data = {"type": kind, **settings}
    if stored.get("required") is False:
        data["required"] = ""
    response = _question_post(rita, **data)
    question = Question.objects.get(survey=wave, code="q")
    assert response.status_code == 302 and response["Location"] == _url("question_edit", "q")
    assert (question.type, question.section.code, question.text_ru) == (kind, "intro", "Вопрос")
    for field, value in stored.items():
        assert getattr(question, field) == value


def test_settings_of_another_type_are_not_stored(rita, wave):
    _question_post(rita, type="single", max_choices="3", scale_min="1", scale_max="5")
    question = Question.objects.get(survey=wave, code="q")
    assert (question.max_choices, question.scale_min, question.scale_max) == (None, None, None)


def test_a_multiple_choice_with_min_above_max_is_refused_on_the_field(rita, wave):
    response = _question_post(rita, type="multiple", min_choices="4", max_choices="3")
    assert response.status_code == 400
    assert response.context["form"].errors["max_choices"]
    assert not Question.objects.filter(code="q").exists()


def test_a_question_without_a_type_is_refused(rita, wave):
    response = _question_post(rita, type="")
    assert response.status_code == 400 and response.context["form"].errors["type"]
    assert not Question.objects.filter(code="q").exists()


def test_editing_a_question_saves_its_text_and_required(rita, wave):
    response = rita.post(
        _url("question_edit"),
        {"code": "level", "type": "single", "text_kk": "Деңгей", "text_ru": "Уровень органа"},
    )
    assert response.status_code == 302
    question = wave.questions.get()
    assert (question.text_ru, question.required) == ("Уровень органа", False)


def test_deleting_a_question(rita, wave):
    assert rita.post(_url("question_delete")).status_code == 302
    assert not wave.questions.exists()


def _codes(queryset):
    return list(queryset.order_by("position", "id").values_list("code", flat=True))


def test_questions_reorder_by_button_and_move_to_another_section(rita, wave):
    _question_post(rita, type="short_text")
    rita.post(
        reverse("builder:section_add", kwargs={"slug": "wave"}),
        {"section-code": "end", "section-title_kk": "Соңы", "section-title_ru": "Конец"},
    )
    intro, end = wave.sections.get(code="intro"), wave.sections.get(code="end")
    rita.post(_url("questions_reorder", code="intro"), {"move": "q", "direction": "up"})
    assert _codes(intro.questions) == ["q", "level"]
    response = rita.post(
        _url("questions_reorder", code="end"), {"codes": ["level"]}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert _codes(end.questions) == ["level"] and _codes(intro.questions) == ["q"]


# Options


def test_options_are_added_edited_reordered_and_deleted(rita, wave):
    question = wave.questions.get()
    response = rita.post(
        _url("option_add"),
        {
            "option-code": "other",
            "option-label_kk": "Басқа",
            "option-label_ru": "Другое",
            "option-is_other": "on",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#option-other")
    assert question.options.get(code="other").is_other
    edit = _url("option_edit", item="local")
    assert rita.get(edit).status_code == 200
    rita.post(edit, {"code": "local", "label_kk": "Жергілікті", "label_ru": "Местный орган"})
    assert question.options.get(code="local").label_ru == "Местный орган"
    rita.post(_url("options_reorder"), {"move": "other", "direction": "up"})
    assert _codes(question.options) == ["central", "other", "local"]
    rita.post(_url("options_reorder"), {"codes": ["local", "central", "other"]})
    assert _codes(question.options) == ["local", "central", "other"]
    assert rita.post(_url("option_delete", item="central")).status_code == 302
    assert _codes(question.options) == ["local", "other"]


def test_a_second_other_option_is_refused_and_not_stored(rita, wave):
    data = {"option-label_kk": "Басқа", "option-label_ru": "Другое", "option-is_other": "on"}
    rita.post(_url("option_add"), {"option-code": "other", **data})
    response = rita.post(_url("option_add"), {"option-code": "other2", **data})
    assert response.status_code == 400
    assert response.context["option_form"].errors
    assert not Option.objects.filter(code="other2").exists()


def test_an_exclusive_option_of_a_multiple_choice(rita, wave):
    _question_post(rita, type="multiple", max_choices="3")
    response = rita.post(
        _url("option_add", code="q"),
        {
            "option-code": "none",
            "option-label_kk": "Жоқ",
            "option-label_ru": "Нет",
            "option-is_exclusive": "on",
        },
    )
    assert response.status_code == 302
    assert Option.objects.get(question__code="q", code="none").is_exclusive


# Matrix rows and scale labels


@pytest.fixture
def matrix(rita, wave):
    _question_post(rita, type="matrix", scale_min="1", scale_max="5", scale_na="on")
    return Question.objects.get(survey=wave, code="q")


def test_matrix_rows_are_added_edited_reordered_and_deleted(rita, matrix):
    for code, kk, ru in (("meeting", "Кездесу", "Встреча"), ("phone", "Телефон", "Телефон")):
        response = rita.post(
            _url("row_add", code="q"), {"row-code": code, "row-label_kk": kk, "row-label_ru": ru}
        )
        assert response.status_code == 302
    assert _codes(matrix.rows) == ["meeting", "phone"]
    page = rita.get(_url("question_edit", "q")).content.decode()
    assert 'id="row-meeting"' in page and 'id="option-add"' not in page
    rita.post(
        _url("row_edit", code="q", item="phone"),
        {"code": "phone", "label_kk": "Телефон", "label_ru": "Звонок"},
    )
    assert matrix.rows.get(code="phone").label_ru == "Звонок"
    rita.post(_url("rows_reorder", code="q"), {"move": "phone", "direction": "up"})
    assert _codes(matrix.rows) == ["phone", "meeting"]
    rita.post(_url("row_delete", code="q", item="phone"))
    assert _codes(matrix.rows) == ["meeting"]


def test_scale_labels_including_zero_for_cannot_assess(rita, matrix):
    url = _url("scale_label_set", code="q")
    ok = rita.post(
        url,
        {"scale-value": "0", "scale-label_kk": "Бағалай алмаймын", "scale-label_ru": "Не могу"},
    )
    assert ok.status_code == 302
    rita.post(url, {"scale-value": "5", "scale-label_kk": "Өте жақсы", "scale-label_ru": "Отлично"})
    rita.post(url, {"scale-value": "0", "scale-label_kk": "Білмеймін", "scale-label_ru": "Не знаю"})
    labels = {s.value: s.label_ru for s in matrix.scale_labels.all()}
    assert labels == {0: "Не знаю", 5: "Отлично"}
    page = rita.get(_url("question_edit", "q")).content.decode()
    assert 'id="point-0"' in page and 'id="point-5"' in page and "Не знаю" in page
    rita.post(_url("scale_label_delete", code="q"), {"value": "5"})
    assert list(matrix.scale_labels.values_list("value", flat=True)) == [0]


def test_a_label_off_the_scale_is_refused_and_not_stored(rita, matrix):
    response = rita.post(
        _url("scale_label_set", code="q"),
        {"scale-value": "9", "scale-label_kk": "Тоғыз", "scale-label_ru": "Девять"},
    )
    assert response.status_code == 400
    assert response.context["scale_form"].errors
    assert not matrix.scale_labels.exists()


# Display conditions


def test_a_question_condition_names_options_of_an_earlier_question(rita, wave):
    _question_post(rita, type="short_text")
    page = rita.get(_url("question_edit", "q")).content.decode()
    assert 'value="level:central"' in page
    response = rita.post(_url("question_condition", "q"), {"options": ["level:central"]})
    assert response.status_code == 302
    question = Question.objects.get(survey=wave, code="q")
    assert [o.code for o in question.show_if_options.all()] == ["central"]
    edit = rita.get(reverse("builder:edit", kwargs={"slug": "wave"})).content.decode()
    assert "data-condition" in edit


def test_the_first_question_cannot_depend_on_a_later_one(rita, wave):
    _question_post(rita, type="single")
    response = rita.post(_url("question_condition", "level"), {"options": ["q:x"]})
    assert response.status_code == 400
    assert not wave.questions.get(code="level").show_if_options.exists()


# The lock after responses


@pytest.fixture
def answered(mini_survey, rita):
    mini_survey.owner = rita.user
    mini_survey.save(update_fields=["owner"])
    response_create(survey=mini_survey, data=VALID_ANSWERS, language="kk", source="web")
    return mini_survey


def _mini(name, **kwargs):
    return reverse(f"builder:{name}", kwargs={"slug": "mini", **kwargs})


def test_a_survey_with_responses_shows_the_lock_notice(rita, answered):
    page = rita.get(_mini("edit"))
    html = page.content.decode()
    assert 'id="lock-notice"' in html
    assert 'id="question-level"' in html and "data-locked" in html


def test_an_answered_question_cannot_be_deleted_and_the_page_says_why(rita, answered):
    response = rita.post(_mini("question_delete", code="level"))
    assert response.status_code == 400
    assert shows(response, response.context["action_errors"][0])
    assert answered.questions.filter(code="level").exists()


def test_a_chosen_option_cannot_be_deleted(rita, answered):
    response = rita.post(_mini("option_delete", code="level", item="local"))
    assert response.status_code == 400
    assert Option.objects.filter(question__survey=answered, code="local").exists()


def test_a_wording_fix_is_allowed_and_recorded_on_the_page(rita, answered):
    question = answered.questions.get(code="years")
    response = rita.post(
        _mini("question_edit", code="years"),
        {
            "code": "years",
            "type": "number",
            "text_kk": question.text_kk,
            "text_ru": "Стаж работы (лет)",
            "required": "on",
            "number_min": "0",
            "number_max": "50",
        },
    )
    assert response.status_code == 302
    change = TextChange.objects.get(survey=answered, wording_fix=True)
    assert (change.old, change.new) == ("Стаж", "Стаж работы (лет)")
    html = rita.get(_mini("edit")).content.decode()
    changes = html[html.index('id="changes"') :]
    assert "Стаж работы (лет)" in changes and "rita" in changes


def test_an_option_posted_to_a_matrix_is_refused_and_the_reason_shown(rita, matrix):
    response = rita.post(
        _url("option_add", code="q"),
        {"option-code": "x", "option-label_kk": "Икс", "option-label_ru": "Икс"},
    )
    assert response.status_code == 400
    assert response.context["action_errors"]
    assert shows(response, response.context["action_errors"][0])
    assert not matrix.options.exists()


def test_a_note_is_added_with_its_texts_never_required(rita, wave):
    response = _question_post(rita, type="note", code="intro_note", text_kk="Ескерту")
    note = Question.objects.get(survey=wave, code="intro_note")
    assert response.status_code == 302
    assert (note.type, note.text_kk, note.text_ru, note.required) == (
        "note",
        "Ескерту",
        "Вопрос",
        False,
    )
    edited = rita.post(
        _url("question_edit", "intro_note"),
        {"code": "intro_note", "type": "note", "text_kk": "Жаңа", "text_ru": "Новый"},
    )
    note.refresh_from_db()
    assert edited.status_code == 302 and (note.text_kk, note.text_ru) == ("Жаңа", "Новый")


def test_a_decimal_is_added_with_places_and_bounds_written_with_a_comma(rita, wave):
    page = rita.get(_url("question_add", code="intro") + "?type=decimal")
    assert 'data-setting-group="decimal"' in page.content.decode()
    response = _question_post(
        rita, type="decimal", decimals="2", decimal_min="0,5", decimal_max="99.75"
    )
    question = Question.objects.get(survey=wave, code="q")
    assert response.status_code == 302
    assert (question.decimals, str(question.decimal_min), str(question.decimal_max)) == (
        2,
        "0.500000",
        "99.750000",
    )
    edit = rita.get(_url("question_edit", "q")).content.decode()
    assert 'value="0.5"' in edit and 'value="99.75"' in edit


def test_a_decimal_bound_with_more_places_than_declared_is_refused(rita, wave):
    response = _question_post(rita, type="decimal", decimals="1", decimal_min="0.25")
    assert response.status_code == 400
    assert response.context["form"].errors["decimal_min"]
    assert not Question.objects.filter(survey=wave, code="q").exists()


def test_a_decimal_without_places_gets_two(rita, wave):
    _question_post(rita, type="decimal")
    assert Question.objects.get(survey=wave, code="q").decimals == 2
