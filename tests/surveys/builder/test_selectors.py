"""Builder reads: translation parity (missing, stale), the lock, condition candidates, changes."""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.builder import services as builder
from surveys.builder.selectors import (
    answered_ids_get,
    condition_candidates,
    option_locked,
    question_locked,
    row_locked,
    survey_changes_get,
    survey_locked,
    survey_parity_get,
)
from surveys.models import Option, Row
from surveys.services import response_create
from tests.builder_factories import user_make, wave_build
from tests.surveys.admin_support import VALID_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return user_make()


@pytest.fixture
def wave(user):
    return wave_build(user)


def problems(survey) -> dict[tuple[str, str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
    """(question or section code, own code, field) -> (missing, stale), for texts with either."""
    return {
        (i.question_code or i.section_code or "", i.code, i.field): (i.missing, i.stale)
        for i in survey_parity_get(survey=survey).problems
    }


# Missing


def test_a_survey_loaded_complete_has_nothing_missing_or_stale(
    mini_survey, django_assert_num_queries
):
    with django_assert_num_queries(6):
        report = survey_parity_get(survey=mini_survey)
    assert (report.complete, report.missing_count, report.stale_count) == (True, 0, 0)
    kinds = {item.kind for item in report.items}
    assert kinds == {"survey", "section", "question", "option", "row", "scale_label"}
    # Optional texts count only where written: the mini survey has no intro and no help.
    assert not [i for i in report.items if i.field in ("intro", "help", "description")]


def test_every_respondent_visible_text_missing_a_language_is_reported(wave, user):
    years = wave.questions.get(code="years")
    builder.question_update(question=years, user=user, data={"text_ru": "", "help_kk": "Жыл"})
    other = Option.objects.get(question__survey=wave, code="other")
    builder.option_update(option=other, user=user, data={"label_kk": ""})
    builder.survey_update(survey=wave, user=user, data={"intro_ru": "Кіріспе жоқ"})
    assert problems(wave) == {
        ("", "", "intro"): (("kk",), ()),
        ("years", "", "text"): (("ru",), ()),
        ("years", "", "help"): (("ru",), ()),
        ("barriers", "other", "label"): (("kk",), ()),
    }
    report = survey_parity_get(survey=wave)
    assert (report.complete, report.missing_count) == (False, 4)
    assert [i.field for i in report.for_question("years") if i.missing] == ["text", "help"]
    assert [i.code for i in report.for_question("barriers") if i.missing] == ["other"]


def test_the_place_of_a_text_reads_by_codes():
    from surveys.builder.selectors import ParityItem

    with translation.override("en"):
        item = ParityItem("option", 1, "barriers", "work", "label", ("ru",), (), "other")
        survey = ParityItem("survey", 1, None, None, "title", ("ru",), ())
        assert (item.where, survey.where) == ("work › barriers › other › label", "survey › title")


# Stale


def test_a_later_kazakh_change_makes_the_russian_stale_until_it_is_updated(wave, user):
    level = wave.questions.get(code="level")
    builder.question_update(question=level, user=user, data={"text_kk": "Органның деңгейі"})
    assert problems(wave) == {("level", "", "text"): ((), ("ru",))}
    builder.question_update(question=level, user=user, data={"text_ru": "Уровень органа"})
    assert problems(wave) == {}


def test_confirming_the_translation_clears_the_stale_mark(wave, user):
    local = Option.objects.get(question__survey=wave, code="local")
    builder.option_update(option=local, user=user, data={"label_ru": "Местный орган"})
    assert problems(wave) == {("level", "local", "label"): ((), ("kk",))}
    builder.translation_confirm(obj=local, user=user, field="label", language="kk")
    assert problems(wave) == {}
    builder.option_update(option=local, user=user, data={"label_ru": "Местный"})
    assert problems(wave) == {("level", "local", "label"): ((), ("kk",))}


def test_writing_a_missing_translation_or_both_languages_at_once_makes_nothing_stale(user):
    survey = builder.survey_create(user=user, data={"slug": "kk-first", "title_kk": "Толқын"})
    builder.survey_update(survey=survey, user=user, data={"title_ru": "Волна"})
    assert problems(survey) == {}
    builder.survey_update(survey=survey, user=user, data={"title_kk": "Жаңа", "title_ru": "Новая"})
    assert problems(survey) == {}


def test_a_stale_row_label_is_reported_under_its_question(wave, user):
    meeting = Row.objects.get(question__survey=wave, code="meeting")
    builder.row_update(row=meeting, user=user, data={"label_kk": "Жеке кездесу"})
    assert [
        (i.kind, i.code, i.stale)
        for i in survey_parity_get(survey=wave).for_question("channels")
        if i.stale
    ] == [("row", "meeting", ("ru",))]


# The lock


def test_the_lock_follows_the_responses(mini_survey):
    level = mini_survey.questions.get(code="level")
    body = mini_survey.questions.get(code="body")
    local, central = level.options.get(code="local"), level.options.get(code="central")
    phone = Row.objects.get(question__survey=mini_survey, code="phone")
    assert not survey_locked(survey=mini_survey)
    assert not question_locked(question=level)
    response_create(survey=mini_survey, data=VALID_ANSWERS, language="ru", source="web")
    assert survey_locked(survey=mini_survey)
    assert (question_locked(question=level), question_locked(question=body)) == (True, False)
    assert (option_locked(option=local), option_locked(option=central)) == (True, False)
    assert row_locked(row=phone)
    ids = answered_ids_get(survey=mini_survey)
    assert level.pk in ids["question"] and body.pk not in ids["question"]
    assert local.pk in ids["option"] and phone.pk in ids["row"]


# Conditions


def test_condition_candidates_are_earlier_choice_questions(wave):
    barriers, channels = wave.questions.get(code="barriers"), wave.questions.get(code="channels")
    level = wave.questions.get(code="level")
    assert [q.code for q in condition_candidates(target=channels)] == ["level", "barriers"]
    assert [q.code for q in condition_candidates(target=barriers)] == ["level"]
    assert condition_candidates(target=level) == []
    work, about = wave.sections.get(code="work"), wave.sections.get(code="about")
    assert [q.code for q in condition_candidates(target=work)] == ["level"]
    assert condition_candidates(target=about) == []


# Changes


def test_changes_are_listed_newest_first_and_fixes_apart(mini_survey, user):
    years = mini_survey.questions.get(code="years")
    builder.question_update(question=years, user=user, data={"text_ru": "Стаж работы"})
    response_create(survey=mini_survey, data=VALID_ANSWERS, language="ru", source="web")
    builder.question_update(question=years, user=user, data={"text_ru": "Стаж службы"})
    builder.translation_confirm(obj=years, user=user, field="text", language="kk")
    changes = list(survey_changes_get(survey=mini_survey).values_list("new", "wording_fix"))
    assert changes == [("Стаж службы", True), ("Стаж работы", False)]
    fixes = survey_changes_get(survey=mini_survey, wording_fixes_only=True)
    assert [(c.old, c.new, c.user) for c in fixes] == [("Стаж работы", "Стаж службы", user)]
