"""The one rule layer, on the small questionnaire of tests/data/mini.yaml."""

import pytest

from surveys.validation import AnswerError, response_validate

VALID = {
    "level": "central",
    "body": "finance",
    "years": "12",
    "channels.meeting": "5",
    "channels.phone": "0",
    "barriers": "perception language",
    "general": "4",
}


def check(schema, **changes):
    data = {**VALID, **changes}
    return response_validate(schema=schema, data={k: v for k, v in data.items() if v is not None})


def codes(result, key):
    return [e.code for e in result.errors.get(key, [])]


def test_a_complete_valid_response_has_no_errors_and_typed_answers(mini_schema):
    result = check(mini_schema)
    assert result.is_valid, result.messages("ru")
    assert result.answers["barriers"].options == ("perception", "language")
    assert result.answers["channels"].cell_map() == {"meeting": 5, "phone": 0}
    assert result.answers["years"].number == 12
    assert "comment" not in result.answers


def test_fourth_barrier_is_rejected_naming_the_limit(mini_schema):
    result = check(mini_schema, barriers="perception language emotional gender")
    assert codes(result, "barriers") == ["max_choices"]
    assert "barriers" not in result.answers
    assert "3" in result.errors["barriers"][0].message("ru")


def test_fourth_barrier_message_is_in_kazakh_and_in_russian(mini_schema):
    error = check(mini_schema, barriers=["perception", "language", "emotional", "gender"])
    error = error.errors["barriers"][0]
    assert error.message("kk") == "3 нұсқадан артық таңдамаңыз."
    assert error.message("ru") == "Выберите не более 3 вариантов."


def test_unknown_option_code_is_rejected(mini_schema):
    result = check(mini_schema, barriers="perception bribery")
    assert codes(result, "barriers") == ["unknown_option"]
    assert "bribery" in result.errors["barriers"][0].message("kk")


def test_unknown_single_option_is_rejected(mini_schema):
    assert codes(check(mini_schema, level="regional"), "level") == ["unknown_option"]


def test_two_values_for_a_single_choice_are_rejected(mini_schema):
    assert codes(check(mini_schema, level=["central", "local"]), "level") == ["single_expected"]


def test_duplicated_option_is_rejected(mini_schema):
    assert codes(check(mini_schema, barriers="language language"), "barriers") == [
        "duplicate_option"
    ]


def test_other_without_text_is_rejected(mini_schema):
    result = check(mini_schema, barriers="perception other")
    assert codes(result, "barriers") == ["other_text_required"]
    assert "Другое" in result.errors["barriers"][0].message("ru")
    assert "Басқа" in result.errors["barriers"][0].message("kk")


def test_other_with_text_is_kept(mini_schema):
    result = check(mini_schema, barriers="other", **{"barriers.other": "  Бюрократия  "})
    assert result.is_valid
    assert result.answers["barriers"].other_text == "Бюрократия"


def test_other_text_without_choosing_other_is_rejected(mini_schema):
    result = check(mini_schema, **{"barriers.other": "text"})
    assert codes(result, "barriers") == ["other_text_unexpected"]


def test_exclusive_option_combined_with_another_is_rejected(mini_schema):
    result = check(mini_schema, barriers="none perception")
    assert codes(result, "barriers") == ["exclusive"]
    assert "Барьеров нет" in result.errors["barriers"][0].message("ru")


def test_exclusive_option_alone_is_accepted(mini_schema):
    assert check(mini_schema, barriers="none").is_valid


def test_required_question_left_empty_is_rejected(mini_schema):
    result = check(mini_schema, general="")
    assert codes(result, "general") == ["required"]


def test_partial_accepts_missing_required_but_checks_values(mini_schema):
    result = response_validate(schema=mini_schema, data={"general": "9"}, partial=True)
    assert list(result.errors) == ["general"]
    assert response_validate(schema=mini_schema, data={"general": "3"}, partial=True).is_valid


def test_rating_above_the_scale_is_rejected(mini_schema):
    result = check(mini_schema, general="6")
    assert codes(result, "general") == ["out_of_scale"]
    assert result.errors["general"][0].message("ru") == "Выберите значение от 1 до 5."


def test_cannot_assess_zero_is_refused_where_the_scale_has_no_such_point(mini_schema):
    assert codes(check(mini_schema, general="0"), "general") == ["out_of_scale"]


def test_matrix_cell_out_of_scale_and_unknown_row_are_rejected(mini_schema):
    assert codes(check(mini_schema, **{"channels.email": "3"}), "channels") == ["unknown_row"]
    assert codes(check(mini_schema, **{"channels.phone": "-1"}), "channels") == ["out_of_scale_na"]


def test_required_matrix_needs_every_row(mini_schema):
    result = check(mini_schema, **{"channels.phone": None})
    assert codes(result, "channels") == ["rows_missing"]
    assert "Телефон" in result.errors["channels"][0].message("kk")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("51", "number_above_max"),
        ("-1", "number_below_min"),
        ("3.5", "not_a_whole_number"),
        ("ten", "not_a_whole_number"),
        (True, "not_a_whole_number"),
        (3.5, "not_a_whole_number"),
    ],
)
def test_numbers_outside_bounds_or_not_whole_are_rejected(mini_schema, value, code):
    assert codes(check(mini_schema, years=value), "years") == [code]


def test_whole_float_from_a_spreadsheet_is_accepted(mini_schema):
    assert check(mini_schema, years=12.0).answers["years"].number == 12


def test_hidden_question_answered_is_rejected(mini_schema):
    result = check(mini_schema, level="local")
    assert codes(result, "body") == ["not_applicable"]
    assert "body" not in result.answers


def test_hidden_question_is_not_required(mini_schema):
    assert check(mini_schema, level="local", body=None).is_valid


def test_question_shown_by_condition_is_required(mini_schema):
    assert codes(check(mini_schema, body=None), "body") == ["required"]


def test_unknown_field_is_reported_under_its_key(mini_schema):
    result = check(mini_schema, salary="100")
    assert codes(result, "salary") == ["unknown_field"]
    assert codes(check(mini_schema, **{"level.other": "x"}), "level") == ["unknown_field"]


def test_nul_character_is_rejected(mini_schema):
    assert codes(check(mini_schema, comment="a\x00b"), "comment") == ["invalid_characters"]


def test_overlong_text_is_rejected(mini_schema):
    assert codes(check(mini_schema, comment="x" * 10_001), "comment") == ["text_too_long"]


def test_only_validates_one_page_using_context_for_conditions(mini_schema):
    page_one = response_validate(schema=mini_schema, data={"level": "central"}, partial=True)
    result = response_validate(
        schema=mini_schema,
        data={"body": "finance"},
        only={"body", "years"},
        context=page_one.answers,
    )
    assert codes(result, "years") == ["required"]
    assert result.answers["body"].options == ("finance",)
    hidden = response_validate(
        schema=mini_schema,
        data={"body": "finance", "years": "3"},
        only={"body", "years"},
        context={},
    )
    assert codes(hidden, "body") == ["not_applicable"]


def test_field_outside_the_page_is_unknown(mini_schema):
    result = response_validate(schema=mini_schema, data={"general": "3"}, only={"level"})
    assert codes(result, "general") == ["unknown_field"]


def test_exact_choice_count_message_names_the_number():
    error = AnswerError("exact_choices", {"limit": 3})
    assert error.message("ru") == "Выберите ровно 3 варианта."
    assert error.message("kk") == "Дәл 3 нұсқаны таңдаңыз."
