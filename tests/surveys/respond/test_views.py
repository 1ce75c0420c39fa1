"""The respondent's walk through the 2022 questionnaire, in Kazakh and in Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import RESEARCHER, roles_ensure
from surveys.models import Answer, Response, Survey
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.validation import response_validate
from tests.factories import answers_fill, survey_2022_load

pytestmark = pytest.mark.django_db

SLUG = "civil-service-communication-2022"


@pytest.fixture
def survey() -> Survey:
    return survey_2022_load()


@pytest.fixture
def schema(survey):
    return survey_schema_get(survey=survey)


class Respondent:
    def __init__(self, schema, language: str = "kk") -> None:
        self.schema = schema
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)
        self.key: str | None = None

    def start(self) -> str:
        started = self.client.post(reverse("surveys:start", args=[SLUG]))
        self.key = started["Location"].rstrip("/").rsplit("/", 1)[-1]
        resumed = self.client.get(started["Location"])
        return resumed["Location"]

    @property
    def response(self) -> Response:
        return Response.objects.get()

    def page_url(self, number: int) -> str:
        # The key the draft was started under: a completed response keeps none.
        return reverse("surveys:page", args=[SLUG, self.key, number])

    def page_data(self, data: dict, number: int) -> dict:
        answers = response_validate(schema=self.schema, data=data, partial=True).answers
        section = self.schema.visible_sections(answers)[number - 1]
        return {k: v for k, v in data.items() if k.partition(".")[0] in section.questions}

    def post(self, number: int, data: dict, action: str = "next", **extra):
        return self.client.post(self.page_url(number), {**data, "action": action, **extra})

    def walk(self, data: dict, until: int | None = None):
        self.start()
        answers = response_validate(schema=self.schema, data=data, partial=True).answers
        total = len(self.schema.visible_sections(answers))
        last = None
        for number in range(1, (total if until is None else until) + 1):
            action = "submit" if number == total else "next"
            last = self.post(number, self.page_data(data, number), action)
            assert last.status_code == 302, last.content.decode()[:3000]
        return last


def stored(response: Response, schema) -> dict:
    return response_answers_get(response=response, schema=schema)


@pytest.mark.parametrize(
    ("language", "start_text", "title"),
    [
        ("kk", "Сауалнаманы бастау", "Мемлекеттік қызметшілердің"),
        ("ru", "Начать опрос", "Коммуникативные компетенции"),
    ],
)
def test_welcome_page_speaks_the_browser_language(survey, language, start_text, title):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(reverse("surveys:welcome", args=[SLUG]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<html lang="{language}">' in html
    assert start_text in html and title in html


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_walking_the_whole_questionnaire_stores_one_complete_response(schema, language):
    respondent = Respondent(schema, language)
    data = answers_fill(schema, body_level="central")
    last = respondent.walk(data)
    response = respondent.response
    assert last["Location"] == reverse("surveys:thanks", args=[SLUG])
    assert response.status == Response.Status.COMPLETE and response.submitted_at
    assert response.key is None and response.invitation_tag == ""
    assert response.language == language
    assert stored(response, schema) == response_validate(schema=schema, data=data).answers
    thanks = respondent.client.get(last["Location"]).content.decode()
    assert ("Рақмет" in thanks) if language == "kk" else ("Спасибо" in thanks)


def test_a_local_respondent_skips_the_central_questions(schema):
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema, body_level="local")
    respondent.walk(data)
    answers = stored(respondent.response, schema)
    assert "rate_central" not in answers and "body_name" not in answers
    assert "rate_local" in answers and "central_access" in answers


def test_a_hidden_question_is_not_shown_on_its_page(schema):
    respondent = Respondent(schema, "kk")
    respondent.walk(answers_fill(schema, body_level="local"), until=1)
    html = respondent.client.get(respondent.page_url(2)).content.decode()
    assert 'id="q-rate_local"' in html
    tag = html[html.index('id="q-rate_central"') - 200 : html.index('id="q-rate_central"') + 600]
    assert "hidden" in tag


def test_going_back_shows_the_saved_answers(schema):
    respondent = Respondent(schema, "kk")
    respondent.walk(answers_fill(schema, gender="male", region="atyrau"), until=1)
    back = respondent.post(2, {}, action="back")
    assert back["Location"] == respondent.page_url(1)
    html = respondent.client.get(back["Location"]).content.decode()
    assert 'value="male" id="id_gender_1" checked' in html
    assert '<option value="atyrau" selected>' in html


def test_resume_returns_to_the_first_page_not_yet_answered(schema):
    respondent = Respondent(schema, "ru")
    respondent.walk(answers_fill(schema), until=2)
    welcome = respondent.client.get(reverse("surveys:welcome", args=[SLUG])).content.decode()
    assert "Продолжить с того места" in welcome
    # The resume link works on another device, without the session.
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="ru")
    url = reverse("surveys:resume", args=[SLUG, respondent.response.key])
    assert elsewhere.get(url)["Location"] == respondent.page_url(3)
    # Going back to fix an earlier page does not move the resume point backwards.
    respondent.post(3, {}, action="back")
    assert elsewhere.get(url)["Location"] == respondent.page_url(3)


def test_starting_twice_on_one_device_continues_the_same_draft(schema):
    respondent = Respondent(schema)
    respondent.start()
    respondent.client.post(reverse("surveys:start", args=[SLUG]))
    assert Response.objects.count() == 1


def test_changing_body_level_drops_answers_that_no_longer_apply(schema):
    respondent = Respondent(schema, "kk")
    central = answers_fill(schema, body_level="central")
    respondent.walk(central, until=2)
    assert "rate_central" in stored(respondent.response, schema)
    local = answers_fill(schema, body_level="local")
    assert respondent.post(1, respondent.page_data(local, 1)).status_code == 302
    answers = stored(respondent.response, schema)
    assert "rate_central" not in answers and "body_name" not in answers


def barrier_page(respondent: Respondent, data: dict) -> int:
    answers = response_validate(schema=respondent.schema, data=data, partial=True).answers
    sections = [s.code for s in respondent.schema.visible_sections(answers)]
    return sections.index("population") + 1


@pytest.mark.parametrize(
    ("language", "message"),
    [("kk", "3 нұсқадан артық таңдамаңыз."), ("ru", "Выберите не более 3 вариантов.")],
)
def test_a_fourth_barrier_is_refused_in_the_respondents_language(schema, language, message):
    respondent = Respondent(schema, language)
    data = answers_fill(schema)
    number = barrier_page(respondent, data)
    respondent.walk(data, until=number - 1)
    page = respondent.page_data(data, number)
    page["barriers"] = ["perception", "citizen_behaviour", "language", "emotional"]
    result = respondent.post(number, page)
    html = result.content.decode()
    assert result.status_code == 200
    assert message in html
    assert 'id="error-summary"' in html
    # The other answers of the page are kept, the refused one is not stored.
    answers = stored(respondent.response, schema)
    assert "barriers" not in answers and "approach" in answers
    assert 'value="emotional" id="id_barriers_4" checked' in html


RULES = [
    (
        {"barriers": ["perception", "other"]},
        "barriers",
        "жауабыңызды жазыңыз",
        "напишите свой ответ",
    ),
    (
        {"development_problems": ["no_methodology", "no_problems"]},
        "development_problems",
        "бірге таңдауға болмайды",
        "нельзя выбрать вместе",
    ),
    ({"qualities": ["speech_clarity"]}, "qualities", "Дәл 3 нұсқаны", "ровно 3"),
    ({"general_level": "6"}, "general_level", "1 мен 5 аралығындағы", "от 1 до 5"),
    ({"years_of_service": "75"}, "years_of_service", "50 мәнінен аспауы", "не больше 50"),
    ({"years_of_service": "бес"}, "years_of_service", "Бүтін сан енгізіңіз", "Введите целое число"),
    ({"gender": "unknown"}, "gender", "жауап нұсқаларына жатпайды", "не входит в варианты"),
    ({"approach": None}, "approach", "Осы сұраққа жауап беріңіз", "ответьте на этот вопрос"),
    (
        {"languages.english": None},
        "languages",
        "Әр жолға жауап беріңіз",
        "ответьте на каждую строку",
    ),
    ({"barriers.other": "текст"}, "barriers", "бұл нұсқа таңдалмаған", "сам вариант не выбран"),
]


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize(("changes", "code", "kk_fragment", "ru_fragment"), RULES)
def test_every_rule_is_enforced_on_the_server_in_the_respondents_language(
    schema, language, changes, code, kk_fragment, ru_fragment
):
    respondent = Respondent(schema, language)
    base = answers_fill(schema)
    data = answers_fill(schema, **changes)
    answers = response_validate(schema=schema, data=base, partial=True).answers
    sections = schema.visible_sections(answers)
    number = next(i for i, s in enumerate(sections, 1) if code in s.questions)
    respondent.walk(base, until=number - 1)
    result = respondent.post(number, respondent.page_data(data, number))
    assert result.status_code == 200
    assert (kk_fragment if language == "kk" else ru_fragment) in result.content.decode()
    assert respondent.response.status == Response.Status.DRAFT
    # Whatever was stored passes every rule: the refused answer was not kept.
    held = stored(respondent.response, schema)
    assert code not in held
    assert response_validate(
        schema=schema,
        data={k: v for k, v in data.items() if k.partition(".")[0] in held},
        partial=True,
    ).is_valid


def test_a_crafted_post_answering_a_hidden_question_stores_nothing_for_it(schema):
    respondent = Respondent(schema, "kk")
    data = answers_fill(schema, body_level="local")
    respondent.start()
    page = {**respondent.page_data(data, 1), "body_name": "finance"}
    result = respondent.post(1, page)
    assert result.status_code == 200
    assert "сізге қатысты емес" in result.content.decode()
    assert not Answer.objects.filter(question__code="body_name").exists()


def test_a_crafted_post_naming_another_pages_question_is_refused(schema):
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema)
    respondent.start()
    result = respondent.post(1, {**respondent.page_data(data, 1), "general_level": "3"})
    assert result.status_code == 200
    assert not Answer.objects.filter(question__code="general_level").exists()


def test_going_back_is_allowed_with_required_answers_missing(schema):
    respondent = Respondent(schema)
    respondent.walk(answers_fill(schema), until=1)
    assert respondent.post(2, {}, action="back")["Location"] == respondent.page_url(1)


def test_a_double_submit_creates_one_response_and_no_error(schema):
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema)
    last = respondent.walk(data)
    total = len(schema.visible_sections(response_validate(schema=schema, data=data).answers))
    again = respondent.post(total, respondent.page_data(data, total), "submit")
    assert again.status_code == 302 and again["Location"] == last["Location"]
    assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 1


def test_a_complete_response_cannot_be_changed(schema):
    respondent = Respondent(schema, "kk")
    data = answers_fill(schema, gender="female")
    respondent.walk(data)
    before = stored(respondent.response, schema)
    result = respondent.post(1, {**respondent.page_data(data, 1), "gender": "male"})
    assert result["Location"].endswith("/thanks/")
    assert stored(respondent.response, schema) == before


def test_switching_language_keeps_the_answers_typed_on_the_page(schema):
    respondent = Respondent(schema, "kk")
    respondent.start()
    result = respondent.post(1, {"gender": "female", "years_of_service": "7"}, switch_language="ru")
    assert result.status_code == 302
    page = respondent.client.get(result["Location"]).content.decode()
    assert '<html lang="ru">' in page and "Ваш пол" in page
    assert 'value="female" id="id_gender_0" checked' in page
    assert respondent.response.language == "ru"


def test_submitting_a_page_costs_a_bounded_number_of_queries(schema, django_assert_max_num_queries):
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema)
    answers = response_validate(schema=schema, data=data, partial=True).answers
    sections = [s.code for s in schema.visible_sections(answers)]
    number = sections.index("channels") + 1  # the largest page: 13 questions, 5 matrices
    respondent.walk(data, until=number - 1)
    with django_assert_max_num_queries(25):
        assert respondent.post(number, respondent.page_data(data, number)).status_code == 302


def test_the_pages_read_the_questionnaire_once_per_process(schema, django_assert_max_num_queries):
    """The schema snapshot is cached while the survey is unchanged: a page costs its own reads
    and writes only (7 queries of a page came from reading the questionnaire)."""
    respondent = Respondent(schema, "ru")
    data = answers_fill(schema)
    answers = response_validate(schema=schema, data=data, partial=True).answers
    total = len(schema.visible_sections(answers))
    respondent.walk(data, until=1)
    url = respondent.page_url(2)  # its one query to find the response is not the page's
    with django_assert_max_num_queries(3):
        assert respondent.client.get(url).status_code == 200
    with django_assert_max_num_queries(10):  # 9, and the test's own lookup of the response
        assert respondent.post(2, respondent.page_data(data, 2)).status_code == 302
    for number in range(3, total):
        respondent.post(number, respondent.page_data(data, number))
    with django_assert_max_num_queries(20):
        last = respondent.post(total, respondent.page_data(data, total), "submit")
    assert last.status_code == 302 and respondent.response.status == Response.Status.COMPLETE


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"status": Survey.Status.CLOSED}, "больше не принимает"),
        ({"opens_at": timezone.now() + timedelta(days=3)}, "ещё не открыт"),
        (
            {
                "closes_at": timezone.now() - timedelta(days=1),
                "opens_at": timezone.now() - timedelta(days=9),
            },
            "больше не принимает",
        ),
    ],
)
def test_a_survey_that_is_not_open_says_so(survey, changes, text):
    Survey.objects.filter(pk=survey.pk).update(**changes)
    page = Client(HTTP_ACCEPT_LANGUAGE="ru").get(reverse("surveys:welcome", args=[SLUG]))
    assert page.status_code == 403
    assert text in page.content.decode()
    assert Client().post(reverse("surveys:start", args=[SLUG])).status_code == 403


def test_a_draft_survey_is_hidden_from_respondents_and_its_owner_is_sent_to_the_preview(
    survey, schema
):
    owner = User.objects.create_user("owner", password="x", is_staff=True)
    owner.groups.add(roles_ensure()[RESEARCHER])
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT, owner=owner)
    assert Client().get(reverse("surveys:welcome", args=[SLUG])).status_code == 404
    assert Client().post(reverse("surveys:start", args=[SLUG])).status_code == 404
    researcher = Respondent(schema, "ru")
    researcher.client.force_login(owner)
    preview = reverse("preview:start", args=[SLUG, "ru"])
    assert researcher.client.get(reverse("surveys:welcome", args=[SLUG]))["Location"] == preview
    # Answering a draft here would store a response and so lock the survey's structure.
    assert researcher.client.post(reverse("surveys:start", args=[SLUG]))["Location"] == preview
    shown = researcher.client.get(preview).content.decode()
    assert 'id="preview-banner"' in shown and "Коммуникативные компетенции" in shown
    assert not Response.objects.exists()


def test_the_home_page_links_to_open_surveys(survey):
    page = Client(HTTP_ACCEPT_LANGUAGE="kk").get("/")
    assert f'href="{reverse("surveys:welcome", args=[SLUG])}"' in page.content.decode()
    assert "Қазір ашық сауалнамалар" in page.content.decode()
