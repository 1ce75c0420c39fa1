from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from surveys.formats.definitions import (
    DefinitionError,
    definition_dump,
    definition_parse,
    questionnaire_export,
    questionnaire_load,
)
from surveys.models import Option, Question, Survey
from surveys.services import response_create
from tests.conftest import DATA, QUESTIONNAIRE

MINI = (DATA / "mini.yaml").read_text()


@pytest.fixture(autouse=True)
def english():
    # Fragments below are the English msgids; one test checks the Russian wording on purpose.
    with translation.override("en"):
        yield


def load(text: str) -> Survey:
    return questionnaire_load(data=definition_parse(text=text))


def broken(**changes) -> str:
    data = yaml.safe_load(MINI)
    question = data["sections"][1]["questions"][1]  # barriers
    question.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.django_db
def test_export_then_load_gives_an_identical_survey():
    survey = load(MINI)
    exported = questionnaire_export(survey=survey)
    reloaded = load(definition_dump(data=exported))
    assert reloaded.pk == survey.pk
    assert questionnaire_export(survey=reloaded) == exported
    assert exported == yaml.safe_load(MINI)


@pytest.mark.django_db
def test_the_2022_questionnaire_round_trips():
    text = QUESTIONNAIRE.read_text()
    survey = load(text)
    first = questionnaire_export(survey=survey)
    survey = load(definition_dump(data=first))
    assert questionnaire_export(survey=survey) == first


@pytest.mark.django_db
def test_the_2022_questionnaire_keeps_the_fixed_codes():
    survey = load(QUESTIONNAIRE.read_text())
    assert survey.slug == "civil-service-communication-2022"
    assert survey.sections.count() == 5
    codes = list(survey.questions.values_list("code", flat=True))
    assert {"region", "body_level", "channel_effectiveness", "barriers"} <= set(codes)
    numbered = [c for c in codes if c not in ("body_name", "central_access")]
    assert len(numbered) == 42
    region = set(
        Option.objects.filter(question__survey=survey, question__code="region").values_list(
            "code", flat=True
        )
    )
    assert region == {
        "astana",
        "almaty",
        "shymkent",
        "abai",
        "akmola",
        "aktobe",
        "almaty_region",
        "atyrau",
        "east_kazakhstan",
        "zhambyl",
        "zhetisu",
        "west_kazakhstan",
        "karaganda",
        "kostanay",
        "kyzylorda",
        "mangystau",
        "pavlodar",
        "north_kazakhstan",
        "turkestan",
        "ulytau",
    }
    channel = survey.questions.get(code="channel_effectiveness")
    assert list(channel.rows.values_list("code", flat=True)) == [
        "meeting",
        "phone",
        "email",
        "written",
    ]
    assert (channel.scale_min, channel.scale_max) == (1, 5)
    barriers = survey.questions.get(code="barriers")
    assert barriers.max_choices == 3
    assert list(barriers.options.values_list("code", flat=True)) == [
        "perception",
        "citizen_behaviour",
        "servant_behaviour",
        "language",
        "emotional",
        "cultural",
        "gender",
        "other",
    ]
    assert barriers.options.get(code="other").is_other
    assert (
        survey.questions.get(code="development_problems").options.filter(is_exclusive=True).count()
        == 1
    )


@pytest.mark.django_db
def test_every_respondent_visible_text_of_the_2022_questionnaire_is_in_both_languages():
    survey = load(QUESTIONNAIRE.read_text())
    assert survey.title_kk and survey.title_ru
    for model, field in ((Question, "text"), (Option, "label")):
        for obj in model.objects.all():
            assert getattr(obj, f"{field}_kk").strip(), obj
            assert getattr(obj, f"{field}_ru").strip(), obj
    # Real Kazakh, not Russian copied over: every question uses letters Russian does not have.
    for question in Question.objects.all():
        assert set(question.text_kk) & set("әғқңөұүһі"), question.code
        assert question.text_kk != question.text_ru, question.code


@pytest.mark.django_db
def test_loading_again_updates_in_place_while_there_are_no_responses():
    survey = load(MINI)
    changed = MINI.replace("Мини-анкета", "Новая мини-анкета")
    again = load(changed)
    assert again.pk == survey.pk
    assert again.title_ru == "Новая мини-анкета"
    assert Survey.objects.count() == 1


@pytest.mark.django_db
def test_loading_a_survey_that_has_responses_is_refused_and_changes_nothing():
    survey = load(MINI)
    response_create(
        survey=survey, data={"general": "3"}, language="kk", source="web", complete=False
    )
    with pytest.raises(DefinitionError) as exc:
        load(MINI.replace("Мини-анкета", "Другое"))
    assert "already has 1 responses" in str(exc.value)
    survey.refresh_from_db()
    assert survey.title_ru == "Мини-анкета"


@pytest.mark.django_db
def test_command_refuses_with_a_clear_message_once_there_are_responses(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    call_command("load_questionnaire", str(path), stdout=StringIO())
    survey = Survey.objects.get(slug="mini")
    response_create(
        survey=survey, data={"general": "3"}, language="ru", source="web", complete=False
    )
    with pytest.raises(CommandError, match="already has 1 responses"):
        call_command("load_questionnaire", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_export_command_writes_what_load_reads(tmp_path):
    load(MINI)
    out = StringIO()
    call_command("export_questionnaire", "mini", stdout=out)
    assert yaml.safe_load(out.getvalue()) == yaml.safe_load(MINI)
    target = tmp_path / "out.yaml"
    call_command("export_questionnaire", "mini", "-o", str(target))
    assert yaml.safe_load(target.read_text()) == yaml.safe_load(MINI)


@pytest.mark.django_db
def test_export_command_unknown_slug():
    with pytest.raises(CommandError, match="No survey"):
        call_command("export_questionnaire", "nope")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"max_choices": 9}, "max_choices"),
        ({"min_choices": 3, "max_choices": 2}, "min_choices is greater"),
        ({"code": "Barriers"}, "not a valid code"),
        ({"code": "level"}, "used twice"),
        ({"text": {"kk": "", "ru": "Барьеры"}}, "Kazakh text is missing"),
        ({"colour": "red"}, "unknown key"),
        ({"show_if": {"question": "general", "options": ["x"]}}, "earlier single or multiple"),
        ({"show_if": {"question": "level", "options": ["nowhere"]}}, "not an option"),
        ({"type": "essay"}, "must be one of"),
    ],
)
@pytest.mark.django_db
def test_a_broken_definition_is_refused_with_where_and_why(changes, fragment):
    with pytest.raises(DefinitionError) as exc:
        load(broken(**changes))
    assert any(fragment in e and "sections[1].questions[1]" in e for e in exc.value.errors), (
        exc.value.errors
    )
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_all_problems_are_listed_at_once():
    data = yaml.safe_load(MINI)
    data["title"] = {"kk": "Тек қазақша"}
    data["sections"][0]["questions"][0]["options"][1]["code"] = "1bad"
    with pytest.raises(DefinitionError) as exc:
        questionnaire_load(data=data)
    assert len(exc.value.errors) == 2


@pytest.mark.django_db
def test_refusal_is_worded_in_the_active_language():
    survey = load(MINI)
    response_create(
        survey=survey, data={"general": "3"}, language="kk", source="web", complete=False
    )
    with translation.override("ru"), pytest.raises(DefinitionError) as exc:
        load(MINI)
    assert "уже есть ответы (1)" in str(exc.value)
    with translation.override("kk"), pytest.raises(DefinitionError) as exc:
        load(MINI)
    assert "жауаптар бар (1)" in str(exc.value)


def test_invalid_yaml_is_reported():
    with pytest.raises(DefinitionError, match="not valid YAML"):
        definition_parse(text="slug: [unclosed")
