"""Builder services for surveys and sections, conditions, the lifecycle and duplication.

Messages are checked as English msgids under override("en") (the kk/ru catalogues are written
at the end); in Kazakh and Russian the tests check where the errors land and their codes.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.builder import services as builder
from surveys.builder.services import BuilderError, StructureLocked
from surveys.formats.definitions import questionnaire_export
from surveys.models import Question, Section, Survey, TextChange
from surveys.services import response_create
from tests.builder_factories import choice_add, user_make, wave_build
from tests.factories import answers_fill
from tests.surveys.admin_support import VALID_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return user_make()


def refused(call, **kwargs) -> BuilderError:
    with pytest.raises(BuilderError) as info:
        call(**kwargs)
    return info.value


# Surveys


def test_create_makes_an_empty_draft_owned_by_the_user(user):
    survey = builder.survey_create(
        user=user, data={"slug": "wave", "title_kk": "Толқын", "title_ru": "Волна"}
    )
    survey.refresh_from_db()
    assert (survey.status, survey.owner, survey.default_language) == ("draft", user, "kk")
    assert survey.sections.count() == 0
    assert set(survey.text_changes.values_list("field", "language", "new")) == {
        ("title", "kk", "Толқын"),
        ("title", "ru", "Волна"),
    }


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize(
    ("slug", "code"),
    [("new", "slug_reserved"), ("import", "slug_reserved"), ("Bad Slug", "slug_invalid")],
)
def test_reserved_and_malformed_slugs_are_refused_in_both_languages(user, language, slug, code):
    with translation.override(language):
        error = refused(builder.survey_create, user=user, data={"slug": slug, "title_kk": "Т"})
    assert error.codes == {"slug": [code]}
    assert error.errors["slug"][0]
    assert not Survey.objects.filter(slug=slug).exists()


def test_a_taken_slug_and_a_missing_title_are_reported_together(user):
    wave_build(user)
    with translation.override("en"):
        error = refused(builder.survey_create, user=user, data={"slug": "wave"})
    assert error.errors == {
        "slug": ["A survey with the slug “wave” already exists."],
        "title_kk": ["Write this text in Kazakh, in Russian or in both."],
    }


def test_a_draft_may_have_its_title_in_one_language_only(user):
    survey = builder.survey_create(user=user, data={"slug": "kk-only", "title_kk": "Толқын"})
    assert survey.title_ru == ""


def test_update_changes_only_the_given_keys_and_touches_the_survey(user):
    survey = wave_build(user)
    before = survey.updated_at
    builder.survey_update(
        survey=survey, user=user, data={"intro_ru": "Здравствуйте", "access": "invitation"}
    )
    survey.refresh_from_db()
    assert (survey.title_kk, survey.intro_ru, survey.access) == (
        "Толқын",
        "Здравствуйте",
        "invitation",
    )
    assert survey.updated_at > before


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_update_refuses_bad_settings_on_their_fields(user, language):
    survey = wave_build(user)
    data = {
        "min_cell_size": 0,
        "opens_at": "2026-12-10T00:00:00+06:00",
        "closes_at": "2026-12-01T00:00:00+06:00",
        "default_language": "en",
    }
    with translation.override(language):
        error = refused(builder.survey_update, survey=survey, user=user, data=data)
    assert error.codes == {
        "min_cell_size": ["min_one"],
        "closes_at": ["closes_before_opens"],
        "default_language": ["invalid_choice"],
    }
    survey.refresh_from_db()
    assert survey.min_cell_size == 5


# Sections


def test_sections_are_appended_reordered_and_deleted(user):
    survey = wave_build(user)
    extra = builder.section_add(
        survey=survey, user=user, data={"code": "end", "title_kk": "Соңы", "title_ru": "Конец"}
    )
    assert list(survey.sections.values_list("code", flat=True)) == ["about", "work", "end"]
    builder.sections_reorder(survey=survey, user=user, codes=["about", "end", "work"])
    assert list(survey.sections.values_list("code", flat=True)) == ["about", "end", "work"]
    builder.section_update(section=extra, user=user, data={"title_ru": "Завершение"})
    extra.refresh_from_db()
    assert (extra.title_kk, extra.title_ru) == ("Соңы", "Завершение")
    builder.section_delete(section=extra, user=user)
    assert list(survey.sections.values_list("code", flat=True)) == ["about", "work"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_section_codes_must_be_valid_and_unique(user, language):
    survey = wave_build(user)
    with translation.override(language):
        taken = refused(
            builder.section_add, survey=survey, user=user, data={"code": "work", "title_ru": "Р"}
        )
        bad = refused(
            builder.section_add, survey=survey, user=user, data={"code": "2nd", "title_ru": "Р"}
        )
    assert taken.codes == {"code": ["code_taken"]}
    assert bad.codes == {"code": ["invalid_code"]} and bad.errors["code"][0]
    assert survey.sections.count() == 2


def test_a_reorder_must_list_every_section_once(user):
    survey = wave_build(user)
    for codes in (["about"], ["about", "work", "work"], ["about", "work", "nope"]):
        error = refused(builder.sections_reorder, survey=survey, user=user, codes=codes)
        assert error.codes == {"__all__": ["reorder_sections"]}


def test_moving_a_section_above_the_question_its_condition_names_is_refused(user):
    survey = wave_build(user)
    work = survey.sections.get(code="work")
    builder.condition_set(target=work, user=user, question_code="level", option_codes=["local"])
    with translation.override("en"):
        error = refused(builder.sections_reorder, survey=survey, user=user, codes=["work", "about"])
    assert "must name an earlier single or multiple choice question" in error.errors["__all__"][0]
    assert list(survey.sections.values_list("code", flat=True)) == ["about", "work"]


def test_a_section_whose_options_a_later_condition_names_cannot_be_deleted(user):
    survey = wave_build(user)
    with translation.override("en"):
        error = refused(
            builder.section_delete, section=survey.sections.get(code="about"), user=user
        )
    assert error.codes == {"__all__": ["option_in_condition"]}
    assert "“barriers”" in error.errors["__all__"][0]
    assert survey.sections.count() == 2


# Conditions


def test_a_condition_names_options_of_an_earlier_choice_question(user):
    survey = wave_build(user)
    years = survey.questions.get(code="years")
    builder.condition_set(target=years, user=user, question_code="level", option_codes=["local"])
    assert list(years.show_if_options.values_list("code", flat=True)) == ["local"]
    builder.condition_set(target=years, user=user, question_code=None, option_codes=[])
    assert not years.show_if_options.exists()


@pytest.mark.parametrize(
    ("target", "question_code", "options", "field", "code"),
    [
        ("level", "barriers", ["language"], "question_code", "condition_not_earlier"),
        ("channels", "years", [], "question_code", "condition_not_earlier"),
        ("channels", "level", ["regional"], "option_codes", "condition_unknown_option"),
        ("channels", "level", [], "option_codes", "condition_no_options"),
        ("level", "level", ["local"], "question_code", "condition_not_earlier"),
    ],
)
def test_a_condition_on_a_later_or_non_choice_question_is_refused(
    user, target, question_code, options, field, code
):
    survey = wave_build(user)
    question = survey.questions.get(code=target)
    error = refused(
        builder.condition_set,
        target=question,
        user=user,
        question_code=question_code,
        option_codes=options,
    )
    assert error.codes == {field: [code]}
    assert not question.show_if_options.exists()


def test_a_section_condition_may_only_name_questions_of_earlier_sections(user):
    survey = wave_build(user)
    work = survey.sections.get(code="work")
    builder.condition_set(target=work, user=user, question_code="level", option_codes=["central"])
    about = survey.sections.get(code="about")
    error = refused(
        builder.condition_set,
        target=about,
        user=user,
        question_code="level",
        option_codes=["central"],
    )
    assert error.codes == {"question_code": ["condition_not_earlier"]}
    assert list(work.show_if_options.values_list("code", flat=True)) == ["central"]


def test_an_option_named_by_a_condition_cannot_be_deleted(user):
    survey = wave_build(user)
    central = survey.questions.get(code="level").options.get(code="central")
    error = refused(builder.option_delete, option=central, user=user)
    assert error.codes == {"__all__": ["option_in_condition"]}
    assert central.__class__.objects.filter(pk=central.pk).exists()


def test_a_question_may_not_be_moved_above_the_question_its_condition_names(user):
    survey = wave_build(user)
    about = survey.sections.get(code="about")
    error = refused(
        builder.questions_reorder, section=about, user=user, codes=["barriers", "level", "years"]
    )
    assert list(error.errors) == ["__all__"]
    assert survey.questions.get(code="barriers").section.code == "work"


# Translations


def test_confirming_a_missing_or_unknown_text_is_refused(user):
    survey = builder.survey_create(user=user, data={"slug": "kk-only", "title_kk": "Толқын"})
    missing = refused(
        builder.translation_confirm, obj=survey, user=user, field="title", language="ru"
    )
    unknown = refused(
        builder.translation_confirm, obj=survey, user=user, field="label", language="kk"
    )
    assert missing.codes == {"language": ["confirm_missing_ru"]}
    assert unknown.codes == {"field": ["confirm_field"]}


# Lifecycle


def test_publish_is_refused_while_a_russian_text_is_missing_and_allowed_once_written(user):
    survey = wave_build(user)
    years = survey.questions.get(code="years")
    builder.question_update(question=years, user=user, data={"text_ru": ""})
    with translation.override("en"):
        error = refused(builder.survey_publish, survey=survey, user=user)
    assert error.codes == {"__all__": ["parity_missing_ru"]}
    assert error.errors["__all__"] == [
        "about › years › question text: the Russian text is missing."
    ]
    survey.refresh_from_db()
    assert survey.status == "draft"
    builder.question_update(question=years, user=user, data={"text_ru": "Стаж"})
    assert builder.survey_publish(survey=survey, user=user).status == "open"
    survey.refresh_from_db()
    assert survey.status == "open"


def test_publish_lists_every_problem_of_an_unfinished_questionnaire(user):
    survey = wave_build(user)
    work = survey.sections.get(code="work")
    lone = builder.question_add(
        section=work, user=user, data={"code": "lone", "type": "single", "text_kk": "Жалғыз"}
    )
    choice_add(lone, user, "only")
    builder.section_add(
        survey=survey, user=user, data={"code": "empty", "title_kk": "Бос", "title_ru": "Пусто"}
    )
    with translation.override("en"):
        error = refused(builder.survey_publish, survey=survey, user=user)
    messages = error.errors["__all__"]
    assert "work › lone › question text: the Russian text is missing." in messages
    assert "work › lone › only › label: the Russian text is missing." not in messages
    assert any(
        m.startswith("work › lone: a choice question needs at least two options") for m in messages
    )
    assert any(m.startswith("empty: at least one question is required") for m in messages)
    assert Survey.objects.get(pk=survey.pk).status == "draft"


def test_close_and_reopen_follow_the_lifecycle(user):
    survey = wave_build(user)
    assert refused(builder.survey_close, survey=survey, user=user).codes == {
        "__all__": ["not_open"]
    }
    assert refused(builder.survey_reopen, survey=survey, user=user).codes == {
        "__all__": ["not_closed"]
    }
    builder.survey_publish(survey=survey, user=user)
    assert refused(builder.survey_publish, survey=survey, user=user).codes == {
        "__all__": ["already_open"]
    }
    assert builder.survey_close(survey=survey, user=user).status == "closed"
    assert builder.survey_reopen(survey=survey, user=user).status == "open"
    assert Survey.objects.get(pk=survey.pk).status == "open"


def test_reopen_applies_the_parity_gate_again(user):
    survey = wave_build(user)
    builder.survey_publish(survey=survey, user=user)
    builder.survey_close(survey=survey, user=user)
    builder.survey_update(survey=survey, user=user, data={"title_ru": ""})
    error = refused(builder.survey_reopen, survey=survey, user=user)
    assert error.codes == {"__all__": ["parity_missing_ru"]}
    assert Survey.objects.get(pk=survey.pk).status == "closed"


def test_an_open_survey_must_stay_complete_after_every_edit(user):
    survey = wave_build(user)
    builder.survey_publish(survey=survey, user=user)
    recorded = TextChange.objects.count()
    work = survey.sections.get(code="work")
    error = refused(
        builder.question_add,
        section=work,
        user=user,
        data={"code": "fresh", "type": "single", "text_kk": "Жаңа", "text_ru": "Новый"},
    )
    assert "open_must_stay_complete" in error.codes["__all__"]
    assert not survey.questions.filter(code="fresh").exists()
    assert TextChange.objects.count() == recorded  # the refused edit left no record either
    builder.question_add(
        section=work,
        user=user,
        data={
            "code": "note",
            "type": "long_text",
            "text_kk": "Пікір",
            "text_ru": "Отзыв",
            "required": False,
        },
    )
    assert survey.questions.filter(code="note").exists()


# Duplication


def test_duplicate_copies_every_code_as_a_draft_of_the_new_owner(user, mini_survey):
    other = user_make("olga")
    copy = builder.survey_duplicate(survey=mini_survey, user=other, slug="mini-2027")
    copy.refresh_from_db()
    assert (copy.status, copy.owner, copy.previous_version) == ("draft", other, mini_survey)
    original, copied = questionnaire_export(survey=mini_survey), questionnaire_export(survey=copy)
    assert copied == {**original, "slug": "mini-2027", "status": "draft"}
    assert copy.responses.count() == 0


def test_a_response_to_the_copy_does_not_lock_the_original_nor_the_reverse(user, mini_survey):
    copy = builder.survey_duplicate(survey=mini_survey, user=user, slug="mini-2027")
    response_create(survey=copy, data=VALID_ANSWERS, language="kk", source="web")
    years = mini_survey.questions.get(code="years")
    builder.question_update(question=years, user=user, data={"code": "service_years"})
    assert Question.objects.filter(survey=mini_survey, code="service_years").exists()
    moved = {**VALID_ANSWERS, "service_years": VALID_ANSWERS["years"]}
    del moved["years"]
    response_create(survey=mini_survey, data=moved, language="ru", source="web")

    comment_copy = copy.questions.get(code="comment")
    builder.question_delete(question=comment_copy, user=user)  # unanswered in the copy
    with pytest.raises(StructureLocked):
        builder.question_delete(question=copy.questions.get(code="years"), user=user)


def test_duplicate_refuses_a_taken_or_reserved_slug(user, mini_survey):
    assert refused(builder.survey_duplicate, survey=mini_survey, user=user, slug="mini").codes == {
        "slug": ["slug_taken"]
    }
    assert refused(builder.survey_duplicate, survey=mini_survey, user=user, slug="new").codes == {
        "slug": ["slug_reserved"]
    }
    assert Survey.objects.count() == 1


def test_a_duplicate_of_an_unfinished_draft_is_the_same_draft(user):
    survey = builder.survey_create(user=user, data={"slug": "start", "title_kk": "Бастау"})
    section = builder.section_add(survey=survey, user=user, data={"code": "s", "title_kk": "Бөлім"})
    builder.question_add(
        section=section, user=user, data={"code": "q", "type": "single", "text_kk": "С"}
    )
    copy = builder.survey_duplicate(survey=survey, user=user, slug="start-2")
    assert questionnaire_export(survey=copy) == {
        **questionnaire_export(survey=survey),
        "slug": "start-2",
    }


def test_a_built_survey_can_be_answered_once_published(user):
    survey = wave_build(user)
    builder.survey_publish(survey=survey, user=user)
    from surveys.selectors import survey_schema_get

    schema = survey_schema_get(survey=survey)
    response = response_create(
        survey=survey, data=answers_fill(schema), language="ru", source="web"
    )
    assert response.answers.count() > 0
    assert Section.objects.filter(survey=survey).count() == 2
    assert TextChange.objects.filter(survey=survey, wording_fix=True).count() == 0


def test_on_an_open_survey_a_missing_translation_is_refused_on_its_field(user):
    survey = wave_build(user)
    builder.survey_publish(survey=survey, user=user)
    years = survey.questions.get(code="years")
    with translation.override("en"):
        error = refused(builder.question_update, question=years, user=user, data={"text_ru": ""})
    assert error.errors["text_ru"] == ["the Russian text is missing"]
    assert error.codes["__all__"] == ["open_must_stay_complete"]
    assert survey.questions.get(code="years").text_ru == "Стаж"


def test_the_2022_questionnaire_duplicates_with_every_code(user):
    from tests.factories import survey_2022_load

    survey = survey_2022_load()
    copy = builder.survey_duplicate(
        survey=survey, user=user, slug="civil-service-communication-2026"
    )
    original = questionnaire_export(survey=survey)
    assert questionnaire_export(survey=copy) == {
        **{k: v for k, v in original.items() if k not in ("opens_at", "closes_at")},
        "slug": "civil-service-communication-2026",
        "status": "draft",
    }


def test_a_built_survey_is_a_definition_file_that_loads_back_identically(user):
    from surveys.formats.definitions import definition_dump, definition_parse, questionnaire_load

    survey = wave_build(user)
    builder.survey_publish(survey=survey, user=user)
    exported = questionnaire_export(survey=survey)
    text = definition_dump(data={**exported, "slug": "wave-file"})
    loaded = questionnaire_load(data=definition_parse(text=text))
    assert questionnaire_export(survey=loaded) == {**exported, "slug": "wave-file"}
