"""The builder's preview: the respondent's pages in Kazakh or Russian, with their rules, storing
nothing; only those who may edit the survey see it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from surveys.models import Answer, Response, Survey
from surveys.respond.preview_views import SESSION_KEY
from surveys.selectors import survey_schema_get
from surveys.validation import AnswerError, response_validate
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db

SLUG_2022 = "civil-service-communication-2022"
PAGE_1 = {"level": "local", "years": "5"}


def _user(username: str, group: str | None = None, **flags: object):
    user = get_user_model().objects.create_user(username, password="pw-123456", **flags)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


def _client(user, language: str = "ru") -> Client:
    # The browser's language is deliberately not the previewed one in most tests: the address wins.
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def owner(mini_survey) -> Client:
    user = _user("rita", RESEARCHER, is_staff=True)
    Survey.objects.filter(pk=mini_survey.pk).update(owner=user, status=Survey.Status.DRAFT)
    return _client(user)


def start_url(slug: str, lang: str) -> str:
    return reverse("preview:start", args=[slug, lang])


def page_url(slug: str, lang: str, number: int) -> str:
    return reverse("preview:page", args=[slug, lang, number])


def nothing_stored() -> bool:
    return not Response.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize(
    ("lang", "texts", "absent"),
    [
        (
            "kk",
            ["Шағын сауалнама", "Бірінші бөлім", "Орган деңгейі", "Жергілікті", "Келесі"],
            "Далее",
        ),
        ("ru", ["Мини-анкета", "Первый раздел", "Уровень органа", "Местный", "Далее"], "Келесі"),
    ],
)
def test_the_preview_shows_the_questionnaire_in_the_language_of_its_address(
    owner, lang, texts, absent
):
    welcome = owner.get(start_url("mini", lang))
    assert welcome.status_code == 200
    assert texts[0] in welcome.content.decode()
    assert 'id="preview-banner"' in welcome.content.decode()

    started = owner.post(start_url("mini", lang))
    assert started["Location"] == page_url("mini", lang, 1)
    page = owner.get(started["Location"]).content.decode()

    for text in texts:
        assert text in page
    assert absent not in page
    assert f'<html lang="{lang}">' in page
    assert 'id="preview-banner"' in page and 'id="resume-link"' not in page
    assert f'href="{reverse("builder:edit", args=["mini"])}"' in page
    assert nothing_stored()


def test_a_missing_required_answer_is_refused_with_its_message_in_kazakh(owner):
    page = owner.post(page_url("mini", "kk", 1), {"years": "5", "action": "next"})

    assert page.status_code == 200
    assert AnswerError("required").message("kk") in page.content.decode()
    assert 'id="error-summary"' in page.content.decode()
    assert nothing_stored()


def test_a_question_shown_by_an_earlier_answer_becomes_required(owner):
    central = owner.post(page_url("mini", "ru", 1), {"level": "central", "years": "5"})
    assert central.status_code == 200
    assert AnswerError("required").message("ru") in central.content.decode()

    local = owner.post(page_url("mini", "ru", 1), {**PAGE_1, "action": "next"})
    assert local["Location"] == page_url("mini", "ru", 2)


def test_the_hidden_follow_up_is_rendered_hidden_until_its_condition_is_met(owner):
    page = owner.get(page_url("mini", "ru", 1)).content.decode()
    body = page[page.index('id="q-body"') :].split(">", 1)[0]
    assert 'data-show-if-question="level"' in body and "hidden" in body


def test_a_fourth_barrier_is_refused_in_the_2022_questionnaire(db):
    survey = survey_2022_load()
    user = _user("owner", RESEARCHER, is_staff=True)
    Survey.objects.filter(pk=survey.pk).update(owner=user)
    schema = survey_schema_get(survey=survey)
    client = _client(user, "kk")
    section = next(s for s in schema.sections if "barriers" in s.questions)
    data = answers_fill(schema, barriers=["perception", "language", "emotional", "gender"])
    answers = response_validate(schema=schema, data=data, partial=True).answers
    numbers = [s.code for s in schema.visible_sections(answers)]
    page = {k: v for k, v in data.items() if k.partition(".")[0] in section.questions}

    refused = client.post(
        page_url(SLUG_2022, "ru", numbers.index(section.code) + 1), {**page, "action": "next"}
    )

    assert refused.status_code == 200
    assert AnswerError("max_choices", {"limit": 3}).message("ru") in refused.content.decode()
    assert nothing_stored()


def test_walking_the_2022_questionnaire_to_the_end_stores_no_response(db):
    survey = survey_2022_load()
    user = _user("owner", RESEARCHER, is_staff=True)
    Survey.objects.filter(pk=survey.pk).update(owner=user)
    schema = survey_schema_get(survey=survey)
    client = _client(user)
    data = answers_fill(schema)
    sections = schema.visible_sections(response_validate(schema=schema, data=data).answers)
    client.post(start_url(SLUG_2022, "kk"))

    for number, section in enumerate(sections, start=1):
        action = "submit" if number == len(sections) else "next"
        page = {k: v for k, v in data.items() if k.partition(".")[0] in section.questions}
        moved = client.post(page_url(SLUG_2022, "kk", number), {**page, "action": action})
        assert moved.status_code == 302, moved.content.decode()[:2000]

    assert moved["Location"] == reverse("preview:done", args=[SLUG_2022, "kk"])
    done = client.get(moved["Location"]).content.decode()
    assert "Алдын ала қарау аяқталды" in done and 'id="preview-banner"' in done
    assert nothing_stored()
    assert client.session[SESSION_KEY] == {}


def test_answers_are_kept_in_the_session_per_language_and_carried_by_the_switch(owner):
    owner.post(page_url("mini", "kk", 1), {**PAGE_1, "action": "next"})
    assert (
        'value="local" id="id_level_1" checked'
        in owner.get(page_url("mini", "kk", 1)).content.decode()
    )
    assert "checked" not in owner.get(page_url("mini", "ru", 1)).content.decode()

    switched = owner.post(page_url("mini", "kk", 1), {**PAGE_1, "switch_language": "ru"})

    assert switched["Location"] == page_url("mini", "ru", 1)
    assert (
        'value="local" id="id_level_1" checked'
        in owner.get(page_url("mini", "ru", 1)).content.decode()
    )
    assert nothing_stored()


def test_the_current_language_button_saves_the_page_without_asking_for_required_answers(owner):
    stayed = owner.post(page_url("mini", "kk", 1), {"level": "local", "switch_language": "kk"})

    assert stayed["Location"] == page_url("mini", "kk", 1)
    page = owner.get(stayed["Location"]).content.decode()
    assert 'value="local" id="id_level_1" checked' in page


def test_back_keeps_the_page_without_asking_for_required_answers(owner):
    back = owner.post(page_url("mini", "kk", 2), {"barriers": ["language"], "action": "back"})

    assert back["Location"] == page_url("mini", "kk", 1)
    page = owner.get(page_url("mini", "kk", 2)).content.decode()
    assert 'value="language" id="id_barriers_1" checked' in page


def test_submitting_with_an_earlier_page_unanswered_returns_to_it(owner):
    owner.post(page_url("mini", "ru", 1), {**PAGE_1, "action": "next"})
    # The respondent went back and cleared a required answer without enforcing ("back").
    owner.post(page_url("mini", "ru", 1), {"years": "5", "action": "back"})
    submitted = owner.post(
        page_url("mini", "ru", 2),
        {
            "channels.meeting": "3",
            "channels.phone": "0",
            "barriers": ["language"],
            "general": "4",
            "action": "submit",
        },
    )
    assert submitted["Location"] == page_url("mini", "ru", 1) + "?check=1"
    again = owner.get(submitted["Location"])
    assert AnswerError("required").message("ru") in again.content.decode()


@pytest.mark.parametrize("status", [Survey.Status.DRAFT, Survey.Status.OPEN, Survey.Status.CLOSED])
def test_any_status_can_be_previewed(owner, mini_survey, status):
    Survey.objects.filter(pk=mini_survey.pk).update(status=status)
    assert owner.get(page_url("mini", "kk", 1)).status_code == 200


def test_a_language_other_than_kazakh_or_russian_is_no_preview(owner):
    assert owner.get("/build/mini/preview/en/").status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("staff_without_role", 403),
        ("results_admin_shared", 403),
        ("researcher_unshared", 404),
        ("researcher_shared", 200),
        ("superuser", 200),
    ],
)
def test_only_those_who_may_edit_the_survey_preview_it(mini_survey, who, expected):
    users = {
        "staff_without_role": _user("staff_without_role", is_staff=True),
        "results_admin_shared": _user("results_admin_shared", RESULTS_ADMIN, is_staff=True),
        "researcher_unshared": _user("researcher_unshared", RESEARCHER, is_staff=True),
        "researcher_shared": _user("researcher_shared", RESEARCHER, is_staff=True),
        "superuser": get_user_model().objects.create_superuser("superuser", password="pw-123456"),
    }
    for name, role in (("researcher_shared", RESEARCHER), ("results_admin_shared", RESULTS_ADMIN)):
        SurveyShare.objects.create(survey=mini_survey, user=users[name], role=role)
    client = Client() if who == "anonymous" else _client(users[who])

    for url in (
        start_url("mini", "kk"),
        page_url("mini", "ru", 1),
        reverse("preview:done", args=["mini", "kk"]),
    ):
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == expected, url
    posted = client.post(page_url("mini", "kk", 1), {**PAGE_1, "action": "next"})
    assert posted.status_code == (302 if expected in ("login", 200) else expected)
    assert nothing_stored()


def test_an_editor_opening_a_draft_at_its_respondent_address_is_sent_to_the_preview(owner):
    kk = Client(HTTP_ACCEPT_LANGUAGE="kk")
    kk.force_login(get_user_model().objects.get(username="rita"))

    welcome = kk.get(reverse("surveys:welcome", args=["mini"]))
    started = kk.post(reverse("surveys:start", args=["mini"]))

    assert welcome["Location"] == start_url("mini", "kk")
    assert started["Location"] == start_url("mini", "kk")
    assert nothing_stored()


def test_a_draft_missing_one_languages_title_shows_the_other_in_its_preview(owner, mini_survey):
    """An imported draft may have no Russian title yet: the Russian preview shows the Kazakh one
    rather than an empty heading, as it does for questions."""
    Survey.objects.filter(pk=mini_survey.pk).update(title_ru="")
    page = owner.get(start_url(mini_survey.slug, "ru"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f">{mini_survey.title_kk}</h1>" in html.replace("\n", "")
