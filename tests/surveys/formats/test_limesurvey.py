"""LimeSurvey import: each question type and attribute from a .lss written here, languages, and
refused files."""

from __future__ import annotations

import pytest
from django.utils import translation

from surveys.formats.definitions import questionnaire_export
from surveys.formats.limesurvey.convert import limesurvey_import
from surveys.formats.limesurvey.problems import LimeSurveyError
from surveys.models import Survey
from tests.surveys.formats.limesurvey_support import group, lss, lss_file, question

pytestmark = pytest.mark.django_db
YES_NO = [("A1", {"ru": "Да", "kk": "Иә"}), ("A2", {"ru": "Нет", "kk": "Жоқ"})]
ROWS = [("SQ001", {"ru": "Зарплата", "kk": "Жалақы"}), ("SQ002", {"ru": "Коллектив", "kk": "Ұжым"})]
BOTH = ("ru", "kk")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def q(title, type_, **kwargs):
    return question(title, type_, {"ru": f"Вопрос {title}", "kk": f"Сұрақ {title}"}, **kwargs)


def run(*questions, languages=BOTH, **kwargs):
    content = lss([group({"ru": "Раздел", "kk": "Бөлім"}, list(questions))], languages=languages)
    survey, report = limesurvey_import(file=lss_file(content), user=None, **kwargs)
    return questionnaire_export(survey=survey), [str(line) for line in report]


def only(data):
    return data["sections"][0]["questions"]


def refused(*questions, languages=BOTH, **kwargs) -> list[str]:
    before = Survey.objects.count()
    with pytest.raises(LimeSurveyError) as caught:
        run(*questions, languages=languages, **kwargs)
    assert Survey.objects.count() == before
    return [str(p) for p in caught.value.problems]


def test_list_radio_and_dropdown_become_single_choices():
    data, _report = run(q("Q1", "L", answers=YES_NO), q("Q2", "!", answers=YES_NO, mandatory="N"))
    first, second = only(data)
    assert first["type"] == "single" and "widget" not in first and "required" not in first
    assert first["options"] == [
        {"code": "a1", "label": {"kk": "Иә", "ru": "Да"}},
        {"code": "a2", "label": {"kk": "Жоқ", "ru": "Нет"}},
    ]
    assert second["widget"] == "dropdown" and second["required"] is False
    assert data["status"] == "draft" and data["default_language"] == "ru"


def test_other_gets_its_replaced_text_or_the_default_label():
    data, _ = run(
        q("Q1", "L", answers=YES_NO, other="Y",
          localized={"other_replace_text": {"ru": "Иное", "kk": "Өзге"}}),
        q("Q2", "M", subquestions=ROWS, other="Y"),
    )  # fmt: skip
    first, second = only(data)
    assert first["options"][-1] == {"code": "other", "label": {"kk": "Өзге", "ru": "Иное"},
                                    "other": True}  # fmt: skip
    assert second["options"][-1]["label"] == {"kk": "Басқа", "ru": "Другое"}


def test_multiple_choice_with_limits_and_an_exclusive_option():
    attributes = {"min_answers": "1", "max_answers": "2", "exclude_all_others": "SQ003"}
    none = ("SQ003", {"ru": "Ничего", "kk": "Ештеңе"})
    data, _ = run(q("Q1", "M", subquestions=[*ROWS, none], attributes=attributes))
    node = only(data)[0]
    assert node["type"] == "multiple" and (node["min_choices"], node["max_choices"]) == (1, 2)
    assert [o["code"] for o in node["options"]] == ["sq001", "sq002", "sq003"]
    assert node["options"][2]["exclusive"] is True and "exclusive" not in node["options"][0]


def test_multiple_with_comments_drops_the_comments_and_says_so():
    data, report = run(q("Q1", "P", subquestions=ROWS))
    assert only(data)[0]["type"] == "multiple"
    assert "Q1: the comments of each option are left out" in report


def test_array_answers_become_scale_points_with_labels():
    answers = [("L1", {"ru": "Плохо", "kk": "Нашар"}), ("L2", {"ru": "Хорошо", "kk": "Жақсы"})]
    data, report = run(q("Q1", "F", subquestions=ROWS, answers=answers))
    node = only(data)[0]
    assert node["type"] == "matrix" and [r["code"] for r in node["rows"]] == ["sq001", "sq002"]
    assert node["scale"] == {"min": 1, "max": 2, "labels": {
        1: {"kk": "Нашар", "ru": "Плохо"}, 2: {"kk": "Жақсы", "ru": "Хорошо"}}}  # fmt: skip
    assert "Q1: the answer codes L1, L2 are stored as the scale points 1 to 2" in report


def test_array_with_codes_one_to_n_is_not_reported():
    answers = [("1", {"ru": "Нет", "kk": "Жоқ"}), ("2", {"ru": "Да", "kk": "Иә"})]
    _data, report = run(q("Q1", "F", subquestions=ROWS, answers=answers))
    assert not any("scale points" in line for line in report)


def test_point_arrays_and_the_five_point_choice():
    data, _ = run(q("Q1", "A", subquestions=ROWS), q("Q2", "B", subquestions=ROWS), q("Q3", "5"))
    five, ten, rating = only(data)
    assert (five["type"], five["scale"]) == ("matrix", {"min": 1, "max": 5})
    assert ten["scale"] == {"min": 1, "max": 10}
    assert (rating["type"], rating["scale"]) == ("rating", {"min": 1, "max": 5})


def test_texts_and_a_whole_number():
    attributes = {"num_value_int_only": "1", "min_num_value_n": "0", "max_num_value_n": "120"}
    data, _ = run(
        q("Q1", "N", attributes=attributes),
        q("Q2", "S", help={"ru": "<b>Подсказка</b>", "kk": "Кеңес"}),
        q("Q3", "T"),
        q("Q4", "U"),
    )
    number, short, long_, huge = only(data)
    assert (number["type"], number["min"], number["max"]) == ("number", 0, 120)
    assert short["type"] == "short_text" and short["help"] == {"kk": "Кеңес", "ru": "Подсказка"}
    assert long_["type"] == huge["type"] == "long_text"


def test_html_is_read_as_plain_text():
    data, _ = run(question("Q1", "S", {"ru": "<p>Первый&nbsp;абзац</p><p>Второй</p>",
                                       "kk": "Мәтін"}))  # fmt: skip
    assert only(data)[0]["text"]["ru"] == "Первый абзац\n\nВторой"


def test_a_number_with_decimals_becomes_a_decimal():
    data, _ = run(q("Q1", "N", attributes={"min_num_value_n": "0.5"}))
    node = only(data)[0]
    assert (node["type"], node["decimals"], node["min"]) == ("decimal", 2, 0.5)


def test_boilerplate_becomes_a_note():
    data, _ = run(q("Q1", "X"), q("Q2", "S"))
    assert only(data)[0] == {"code": "q1", "type": "note",
                             "text": {"kk": "Сұрақ Q1", "ru": "Вопрос Q1"}}  # fmt: skip


def test_mandatory_soft_is_required():
    data, _ = run(q("Q1", "S", mandatory="S"), q("Q2", "S", mandatory="N"))
    assert "required" not in only(data)[0] and only(data)[1]["required"] is False


def test_hidden_questions_are_left_out_and_reported():
    data, report = run(q("Q1", "S", attributes={"hidden": "1"}), q("Q2", "S"))
    assert [n["code"] for n in only(data)] == ["q2"]
    assert "Q1: a hidden question is left out" in report


def test_unsupported_types_refuse_the_file_by_question_code():
    problems = refused(q("Q1", "D"), q("Q2", "R"), q("Q3", "S"))
    assert problems == [
        "Q1: the question type “D” (date) is not supported",
        "Q2: the question type “R” (ranking) is not supported",
    ]


def test_codes_are_lower_cased_and_sanitised_with_a_report():
    data, report = run(q("Q1", "L", answers=[("1", {"ru": "а", "kk": "а"}),
                                             ("2", {"ru": "б", "kk": "б"})]))  # fmt: skip
    assert [o["code"] for o in only(data)[0]["options"]] == ["a1", "a2"]
    assert "Q1: the code “1” became “a1”" in report
    assert not any("“Q1” became" in line for line in report)


def test_groups_become_sections_in_order_with_descriptions():
    content = lss([
        group({"ru": "Первый", "kk": "Бірінші"}, [q("Q1", "S")],
              description={"ru": "Описание", "kk": "Сипаттама"}),
        group({"ru": "Второй", "kk": "Екінші"}, [q("Q2", "S"), q("Q3", "T")]),
    ], languages=BOTH)  # fmt: skip
    survey, _ = limesurvey_import(file=lss_file(content), user=None, slug="two-groups")
    data = questionnaire_export(survey=survey)
    assert [s["title"]["ru"] for s in data["sections"]] == ["Первый", "Второй"]
    assert data["sections"][0]["description"] == {"kk": "Сипаттама", "ru": "Описание"}
    assert [q["code"] for q in data["sections"][1]["questions"]] == ["q2", "q3"]
    assert survey.slug == "two-groups"


@pytest.mark.parametrize("version", [3, 6])
def test_english_and_russian_keep_the_russian_text_and_make_a_draft(version):
    answers = [("A1", {"en": "Yes", "ru": "Да"}), ("A2", {"en": "No", "ru": "Нет"})]
    works = question("Q1", "L", {"en": "Works?", "ru": "Работаете?"}, answers=answers)
    content = lss(
        [group({"en": "General", "ru": "Общие"}, [works])],
        languages=("en", "ru"),
        title={"en": "Survey", "ru": "Опрос"},
        version=version,
    )
    survey, report = limesurvey_import(file=lss_file(content), user=None)
    data = questionnaire_export(survey=survey)
    node = only(data)[0]
    assert node["text"] == {"kk": "", "ru": "Работаете?"}
    assert [o["label"]["ru"] for o in node["options"]] == ["Да", "Нет"]
    assert data["title"] == {"kk": "", "ru": "Опрос"} and survey.status == "draft"
    assert [str(r) for r in report][:2] == [
        "no language of the file gives the Kazakh texts: they are left empty, to be written in "
        "the builder",
        "the Russian texts are those in “ru”",
    ]
    assert "the texts in en are not imported" in [str(r) for r in report]


def test_english_can_be_mapped_to_kazakh():
    hello = question("Q1", "S", {"en": "Hi", "ru": "Привет"})
    content = lss([group({"en": "G", "ru": "Г"}, [hello])], languages=("en", "ru"))
    survey, _ = limesurvey_import(file=lss_file(content), user=None, kk="en")
    assert only(questionnaire_export(survey=survey))[0]["text"] == {"kk": "Hi", "ru": "Привет"}


def test_kazakh_and_russian_are_found_by_their_codes():
    data, _report = run(q("Q1", "S"), languages=("kk", "ru"))
    assert only(data)[0]["text"] == {"kk": "Сұрақ Q1", "ru": "Вопрос Q1"}
    assert data["default_language"] == "kk"


def test_no_kazakh_or_russian_asks_for_a_choice():
    content = lss([group({"en": "G"}, [question("Q1", "S", {"en": "Hi"})])], languages=("en", "de"))
    with pytest.raises(LimeSurveyError) as caught:
        limesurvey_import(file=lss_file(content), user=None)
    assert "(en, de)" in str(caught.value) and caught.value.languages == ["en", "de"]


def test_a_language_the_file_lacks_is_refused():
    with pytest.raises(LimeSurveyError, match="“fr”"):
        run(q("Q1", "S"), kk="fr")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not xml at all", "not valid XML"),
        (b"<?xml version='1.0'?><html><body/></html>", "holds “html”"),
        (b"<document><LimeSurveyDocType>Question</LimeSurveyDocType></document>", "“Question”"),
        (b"   ", "empty"),
        (b'<!DOCTYPE d [<!ENTITY e "x">]><document>&e;</document>', "not valid XML"),
    ],
)
def test_files_that_are_not_lss_are_refused(content, message):
    with pytest.raises(LimeSurveyError, match=message):
        limesurvey_import(file=lss_file(content), user=None)


def test_a_file_over_the_size_limit_is_refused_before_parsing(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    content = lss([group("G", [q("Q1", "S")])])
    assert len(content) > 1000
    with pytest.raises(LimeSurveyError, match="larger than"):
        limesurvey_import(file=lss_file(content), user=None)


def test_a_taken_slug_is_refused_and_a_derived_one_moves_aside():
    run(q("Q1", "S"))
    assert Survey.objects.filter(slug="survey").exists()
    run(q("Q1", "S"))
    assert Survey.objects.filter(slug="survey-2").exists()
    assert any("already exists" in p for p in refused(q("Q1", "S"), slug="survey"))
