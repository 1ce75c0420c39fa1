"""Builder services for questions, options, rows and scale labels, and the lock after responses."""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.builder import services as builder
from surveys.builder.services import BuilderError, StructureLocked
from surveys.models import Option, Question, Row, ScaleLabel, Survey, TextChange
from surveys.services import response_create
from tests.builder_factories import user_make, wave_build
from tests.surveys.admin_support import VALID_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return user_make()


@pytest.fixture
def wave(user) -> Survey:
    return wave_build(user)


@pytest.fixture
def answered(mini_survey) -> Survey:
    """The mini survey with one response: level=local, years, channels, barriers, general."""
    response_create(survey=mini_survey, data=VALID_ANSWERS, language="kk", source="web")
    return mini_survey


def refused(call, **kwargs) -> BuilderError:
    with pytest.raises(BuilderError) as info:
        call(**kwargs)
    return info.value


def add(section, user, **data):
    return builder.question_add(
        section=section, user=user, data={"text_kk": "Сұрақ", "text_ru": "Вопрос", **data}
    )


# Questions


def test_questions_of_every_type_are_appended_with_their_settings(wave, user):
    work = wave.sections.get(code="work")
    add(work, user, code="general", type="rating", scale_min=1, scale_max=5, scale_na=True)
    add(work, user, code="body", type="single", widget="dropdown")
    add(work, user, code="name", type="short_text", required=False)
    add(work, user, code="comment", type="long_text")
    codes = list(work.questions.order_by("position").values_list("code", flat=True))
    assert codes == ["barriers", "channels", "general", "body", "name", "comment"]
    general = wave.questions.get(code="general")
    assert (general.scale_min, general.scale_max, general.scale_na) == (1, 5, True)
    assert wave.questions.get(code="body").widget == "dropdown"
    assert wave.questions.get(code="name").required is False
    barriers = wave.questions.get(code="barriers")
    assert (barriers.max_choices, barriers.options.filter(is_other=True).count()) == (3, 1)


@pytest.fixture
def about(user):
    """A draft with one section, `about`, holding one single choice question, `level`."""
    survey = builder.survey_create(user=user, data={"slug": "small", "title_kk": "Шағын"})
    section = builder.section_add(survey=survey, user=user, data={"code": "about", "title_kk": "Т"})
    add(section, user, code="level", type="single")
    return section


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"code": "level", "type": "single"}, {"code": ["code_taken"]}),
        ({"code": "q", "type": "essay"}, {"type": ["invalid_choice"]}),
        ({"code": "q"}, {"type": ["required"]}),
        (
            {"code": "", "type": "number", "text_kk": "", "text_ru": ""},
            {"code": ["required"], "text_kk": ["text_required"]},
        ),
        (
            {"code": "q", "type": "rating", "scale_min": 5, "scale_max": 1},
            {"scale_max": ["scale_bounds"]},
        ),
        ({"code": "q", "type": "rating", "scale_max": 5}, {"scale_min": ["scale_bounds"]}),
        (
            {"code": "q", "type": "rating", "scale_min": 0, "scale_max": 5, "scale_na": True},
            {"scale_na": ["scale_na_zero"]},
        ),
        (
            {"code": "q", "type": "multiple", "min_choices": 3, "max_choices": 2},
            {"max_choices": ["min_gt_max"]},
        ),
        ({"code": "q", "type": "multiple", "min_choices": 0}, {"min_choices": ["min_one"]}),
        (
            {"code": "q", "type": "number", "number_min": 9, "number_max": 1},
            {"number_max": ["min_gt_max"]},
        ),
        ({"code": "q", "type": "number", "number_min": "many"}, {"number_min": ["not_integer"]}),
        ({"code": "q", "type": "single", "widget": "slider"}, {"widget": ["invalid_choice"]}),
    ],
)
def test_bad_question_settings_are_refused_on_their_fields(about, user, data, errors):
    for language in ("kk", "ru"):
        with translation.override(language):
            error = refused(add, section=about, user=user, **data)
        assert error.codes == errors
        assert all(message for messages in error.errors.values() for message in messages)
    assert about.questions.count() == 1


def test_a_scale_error_reads_as_the_english_msgid(about):
    with translation.override("en"):
        error = refused(
            add,
            section=about,
            user=None,
            code="q",
            type="rating",
            scale_min=3,
            scale_max=3,
        )
    assert error.errors == {
        "scale_max": ["A scale needs a whole-number minimum below its maximum."]
    }


def test_settings_of_another_type_are_not_stored(about, user):
    question = add(about, user, code="q", type="single", max_choices=2, scale_min=1)
    assert (question.max_choices, question.scale_min) == (None, None)


def test_a_type_change_clears_what_the_new_type_does_not_have(wave, user):
    barriers = wave.questions.get(code="barriers")
    builder.condition_set(target=barriers, user=user, question_code=None, option_codes=[])
    builder.question_update(question=barriers, user=user, data={"type": "single"})
    barriers.refresh_from_db()
    assert (barriers.max_choices, barriers.options.filter(is_exclusive=True).count()) == (None, 0)
    assert barriers.options.count() == 5
    builder.question_update(question=barriers, user=user, data={"type": "number", "number_max": 9})
    assert (barriers.options.count(), barriers.number_max) == (0, 9)
    channels = wave.questions.get(code="channels")
    builder.question_update(question=channels, user=user, data={"type": "rating"})
    assert (channels.rows.count(), channels.scale_labels.count()) == (0, 1)


def test_a_type_change_that_would_empty_a_condition_is_refused(wave, user):
    level = wave.questions.get(code="level")
    error = refused(builder.question_update, question=level, user=user, data={"type": "number"})
    assert error.codes == {"type": ["option_in_condition"]}
    level.refresh_from_db()
    assert (level.type, level.options.count()) == ("single", 2)


def test_narrowing_a_draft_scale_drops_the_labels_off_it(wave, user):
    channels = wave.questions.get(code="channels")
    builder.scale_label_set(
        question=channels, user=user, value=5, label_kk="Жоғары", label_ru="Высоко"
    )
    builder.question_update(question=channels, user=user, data={"scale_min": 2})
    assert list(channels.scale_labels.values_list("value", flat=True)) == [5]


def test_questions_move_between_sections_by_reorder(wave, user):
    about, work = wave.sections.get(code="about"), wave.sections.get(code="work")
    builder.questions_reorder(section=about, user=user, codes=["level", "channels", "years"])
    assert list(about.questions.order_by("position").values_list("code", flat=True)) == [
        "level",
        "channels",
        "years",
    ]
    assert list(work.questions.values_list("code", flat=True)) == ["barriers"]
    error = refused(builder.questions_reorder, section=about, user=user, codes=["level", "years"])
    assert error.codes == {"__all__": ["reorder_questions"]}


def test_a_failed_update_leaves_the_callers_object_as_stored(wave, user):
    years = wave.questions.get(code="years")
    refused(builder.question_update, question=years, user=user, data={"code": "level"})
    assert years.code == "years"


def test_edits_touch_the_survey_and_record_each_text(wave, user):
    before = Survey.objects.get(pk=wave.pk).updated_at
    years = wave.questions.get(code="years")
    builder.question_update(
        question=years, user=user, data={"text_ru": "Стаж работы", "help_kk": "Жыл"}
    )
    assert Survey.objects.get(pk=wave.pk).updated_at > before
    recorded = TextChange.objects.filter(kind="question", object_id=years.pk, old__gt="")
    assert list(recorded.values_list("field", "language", "old", "new", "user")) == [
        ("text", "ru", "Стаж", "Стаж работы", user.pk)
    ]
    assert TextChange.objects.filter(object_id=years.pk, field="help", new="Жыл").exists()


# Options, rows, scale labels


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_option_rules_are_checked(wave, user, language):
    barriers, level = wave.questions.get(code="barriers"), wave.questions.get(code="level")
    years = wave.questions.get(code="years")
    with translation.override(language):
        other = refused(
            builder.option_add,
            question=barriers,
            user=user,
            data={"code": "more", "label_ru": "Ещё", "is_other": True},
        )
        exclusive = refused(
            builder.option_add,
            question=level,
            user=user,
            data={"code": "no", "label_ru": "Нет", "is_exclusive": True},
        )
        number = refused(
            builder.option_add, question=years, user=user, data={"code": "a", "label_ru": "А"}
        )
        taken = refused(
            builder.option_add, question=level, user=user, data={"code": "local", "label_kk": "Ж"}
        )
    assert other.codes == {"is_other": ["one_other"]}
    assert exclusive.codes == {"is_exclusive": ["exclusive_single"]}
    assert number.codes == {"__all__": ["no_options"]}
    assert taken.codes == {"code": ["code_taken"]}
    assert Option.objects.filter(question__survey=wave).count() == 7


def test_options_are_updated_reordered_and_deleted(wave, user):
    barriers = wave.questions.get(code="barriers")
    gender = barriers.options.get(code="gender")
    builder.option_update(option=gender, user=user, data={"label_ru": "Гендерные", "code": "sex"})
    builder.options_reorder(
        question=barriers, user=user, codes=["other", "none", "emotional", "sex", "language"]
    )
    assert list(barriers.options.values_list("code", flat=True)) == [
        "other",
        "none",
        "emotional",
        "sex",
        "language",
    ]
    builder.option_delete(option=barriers.options.get(code="emotional"), user=user)
    assert barriers.options.count() == 4
    assert refused(
        builder.options_reorder, question=barriers, user=user, codes=["other"]
    ).codes == {"__all__": ["reorder_items"]}


def test_rows_belong_to_matrices_only(wave, user):
    channels, level = wave.questions.get(code="channels"), wave.questions.get(code="level")
    assert refused(
        builder.row_add, question=level, user=user, data={"code": "r", "label_kk": "Р"}
    ).codes == {"__all__": ["no_rows"]}
    builder.row_add(
        question=channels,
        user=user,
        data={"code": "email", "label_kk": "Пошта", "label_ru": "Почта"},
    )
    builder.rows_reorder(question=channels, user=user, codes=["email", "meeting", "phone"])
    assert list(channels.rows.values_list("code", flat=True)) == ["email", "meeting", "phone"]
    email = channels.rows.get(code="email")
    builder.row_update(row=email, user=user, data={"label_ru": "Эл. почта"})
    builder.row_delete(row=email, user=user)
    assert not Row.objects.filter(pk=email.pk).exists()


def test_scale_labels_are_set_only_on_points_of_the_scale(wave, user):
    channels, level = wave.questions.get(code="channels"), wave.questions.get(code="level")
    builder.scale_label_set(
        question=channels, user=user, value=1, label_kk="Нашар", label_ru="Плохо"
    )
    assert ScaleLabel.objects.get(question=channels, value=1).label_ru == "Плохо"
    assert refused(
        builder.scale_label_set, question=channels, user=user, value=0, label_kk="?", label_ru="?"
    ).codes == {"value": ["not_on_scale"]}
    assert refused(
        builder.scale_label_set, question=level, user=user, value=1, label_kk="?", label_ru="?"
    ).codes == {"__all__": ["no_scale"]}
    builder.scale_label_delete(question=channels, user=user, value=1)
    assert not channels.scale_labels.exists()


# The lock after responses


@pytest.mark.parametrize(
    ("call", "target", "kwargs", "field", "code"),
    [
        ("question_delete", "years", {}, "__all__", "locked_question_delete"),
        ("question_update", "years", {"data": {"code": "tenure"}}, "code", "locked_question_code"),
        (
            "question_update",
            "years",
            {"data": {"type": "short_text"}},
            "type",
            "locked_question_type",
        ),
        (
            "question_update",
            "years",
            {"data": {"number_max": 40}},
            "number_max",
            "locked_question_narrow",
        ),
        (
            "question_update",
            "general",
            {"data": {"scale_min": 2}},
            "scale_min",
            "locked_question_narrow",
        ),
        (
            "question_update",
            "channels",
            {"data": {"scale_na": False}},
            "scale_na",
            "locked_question_narrow",
        ),
        (
            "question_update",
            "barriers",
            {"data": {"max_choices": 2}},
            "max_choices",
            "locked_question_narrow",
        ),
    ],
)
def test_answered_questions_cannot_be_deleted_recoded_or_narrowed(
    answered, user, call, target, kwargs, field, code
):
    question = answered.questions.get(code=target)
    with translation.override("en"), pytest.raises(StructureLocked) as info:
        getattr(builder, call)(question=question, user=user, **kwargs)
    assert info.value.codes == {field: [code]}
    assert f"“{target}”" in info.value.errors[field][0]
    stored = Question.objects.get(pk=question.pk)
    assert (stored.code, stored.type, stored.number_max, stored.scale_min) == (
        target,
        question.type,
        question.number_max,
        question.scale_min,
    )


def test_chosen_options_and_answered_rows_cannot_be_deleted_or_recoded(answered, user):
    language = Option.objects.get(
        question__survey=answered, question__code="barriers", code="language"
    )
    meeting = Row.objects.get(question__survey=answered, code="meeting")
    with translation.override("en"):
        with pytest.raises(StructureLocked) as deleted:
            builder.option_delete(option=language, user=user)
        recoded = refused(builder.option_update, option=language, user=user, data={"code": "lang"})
        row = refused(builder.row_delete, row=meeting, user=user)
        row_code = refused(builder.row_update, row=meeting, user=user, data={"code": "meet"})
    assert deleted.value.errors == {
        "__all__": ["The option “language” of “barriers” has been chosen and cannot be deleted."]
    }
    assert recoded.codes == {"code": ["locked_option_code"]}
    assert row.codes == {"__all__": ["locked_row_delete"]}
    assert row_code.codes == {"code": ["locked_row_code"]}
    assert Option.objects.filter(pk=language.pk, code="language").exists()


def test_a_section_with_answered_questions_cannot_be_deleted(answered, user):
    with pytest.raises(StructureLocked) as info:
        builder.section_delete(section=answered.sections.get(code="two"), user=user)
    assert "locked_section_delete" in info.value.codes["__all__"]
    assert answered.sections.count() == 2


def test_wording_fixes_stay_allowed_and_are_recorded(answered, user):
    years = answered.questions.get(code="years")
    builder.question_update(question=years, user=user, data={"text_ru": "Стаж на госслужбе"})
    language = Option.objects.get(question=answered.questions.get(code="barriers"), code="language")
    builder.option_update(option=language, user=user, data={"label_kk": "Тіл кедергісі"})
    fixes = TextChange.objects.filter(survey=answered, wording_fix=True).order_by("id")
    assert list(fixes.values_list("kind", "field", "language", "old", "new")) == [
        ("question", "text", "ru", "Стаж", "Стаж на госслужбе"),
        ("option", "label", "kk", "Тіл", "Тіл кедергісі"),
    ]


def test_adding_unanswered_structure_widening_and_reordering_stay_allowed(answered, user):
    two = answered.sections.get(code="two")
    add(two, user, code="email_use", type="number", number_min=0)
    barriers = answered.questions.get(code="barriers")
    builder.option_add(
        question=barriers,
        user=user,
        data={"code": "time", "label_kk": "Уақыт", "label_ru": "Время"},
    )
    builder.question_update(
        question=answered.questions.get(code="years"), user=user, data={"number_max": 60}
    )
    builder.questions_reorder(
        section=two, user=user, codes=["general", "channels", "barriers", "comment", "email_use"]
    )
    builder.question_delete(question=answered.questions.get(code="comment"), user=user)
    builder.option_delete(option=barriers.options.get(code="perception"), user=user)
    assert list(two.questions.order_by("position").values_list("code", flat=True)) == [
        "general",
        "channels",
        "barriers",
        "email_use",
    ]
    assert Question.objects.get(survey=answered, code="years").number_max == 60


def test_an_edit_costs_the_same_queries_however_long_the_questionnaire(wave, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> int:
        years = wave.questions.get(code="years")
        with CaptureQueriesContext(connection) as queries:
            builder.question_update(question=years, user=user, data={"text_ru": f"Стаж {cost.n}"})
        cost.n += 1
        return len(queries)

    cost.n = 0
    before = cost()
    work = wave.sections.get(code="work")
    for i in range(4):
        question = add(work, user, code=f"extra{i}", type="single", widget="")
        builder.option_add(question=question, user=user, data={"code": "a", "label_kk": "А"})
        builder.condition_set(
            target=question, user=user, question_code="level", option_codes=["local"]
        )
    assert cost() == before
