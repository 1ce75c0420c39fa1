"""XLSForm import and export (surveys/formats/xlsform/convert.py). Workbooks are built here with
openpyxl, so every broken case shows the cells that break it."""

from __future__ import annotations

import os
from io import BytesIO, StringIO
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert

from surveys.formats.definitions import definition_parse, questionnaire_export, questionnaire_load
from surveys.formats.xlsform import convert as xlsform_module
from surveys.formats.xlsform.convert import XLSFormError, xlsform_export, xlsform_import
from surveys.models import Option, Question, Survey
from tests.conftest import DATA
from tests.factories import survey_2022_load

KK, RU = "label::Kazakh (kk)", "label::Russian (ru)"
HEADER = ["type", "name", KK, RU, "hint::Kazakh (kk)", "hint::Russian (ru)", "required",
          "relevant", "constraint", "appearance", "saualnama_na"]  # fmt: skip
CHOICES_HEADER = ["list_name", "name", KK, RU]
SETTINGS = [["form_id", "form_title", "default_language", "saualnama_title::Russian (ru)"],
            ["test_form", "Сынақ", "Kazakh (kk)", "Тест"]]  # fmt: skip
YES_NO = [["yn", "yes", "Иә", "Да"], ["yn", "no", "Жоқ", "Нет"]]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("rita", password="pw-123456")


def q(type_: str, name: str, kk: str = "Сұрақ", ru: str = "Вопрос", **cells: Any) -> list[Any]:
    """A survey row in HEADER's columns; `cells` by column name (hint_kk, relevant, ...)."""
    row: list[Any] = [type_, name, kk, ru] + [None] * (len(HEADER) - 4)
    for key, value in cells.items():
        column = {"hint_kk": "hint::Kazakh (kk)", "hint_ru": "hint::Russian (ru)"}.get(key, key)
        row[HEADER.index(column)] = value
    return row


def workbook(
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    header: list[str] | None = None,
    name: str = "form.xlsx",
) -> ContentFile:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in (
        ("survey", [header or HEADER, *survey]),
        ("choices", [CHOICES_HEADER, *(choices or [])]),
        ("settings", settings if settings is not None else SETTINGS),
    ):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return ContentFile(out.getvalue(), name=name)


def problems_of(file: ContentFile, user) -> list[tuple[str, int | None, str]]:
    with pytest.raises(XLSFormError) as info:
        xlsform_import(file=file, user=user)
    assert not Survey.objects.exists()
    return [(p.sheet, p.row, p.message) for p in info.value.problems]


def has(problems, sheet: str, row: int | None, fragment: str) -> bool:
    return any(s == sheet and r == row and fragment in m for s, r, m in problems)


SCALE = [["five", str(v), str(v), str(v)] for v in range(1, 6)]


def feature_workbook() -> ContentFile:
    return workbook(
        [
            q("begin_group", "profile", "Профиль", "Профиль", hint_kk="Сип.", hint_ru="Опис."),
            q("select_one yn", "works", required="yes"),
            q(
                "select_one region",
                "region",
                required="true",
                appearance="minimal",
                relevant="${works} = 'yes'",
            ),
            q("integer", "years", constraint=". >= 0 and . <= 50", required="yes"),
            q("text", "note", hint_kk="Көмек", hint_ru="Помощь"),
            q("text", "story", appearance="multiline"),
            q("end_group", None, None, None),
            q("begin_group", "views", "Пікір", "Мнения", relevant="selected(${works}, 'yes')"),
            q(
                "select_multiple barrier",
                "barriers",
                required="yes",
                constraint="count-selected(.) >= 1 and count-selected(.) <= 2 and "
                "not(selected(., 'none') and count-selected(.) > 1)",
            ),
            q(
                "text",
                "barriers_other",
                "Көрсетіңіз",
                "Укажите",
                relevant="selected(${barriers}, 'other')",
            ),
            q(
                "select_one yn or_other",
                "heard",
                relevant="${region} = 'north' or ${region} = 'west'",
            ),
            q("select_one five", "general", required="yes", saualnama_na="yes"),
            q(
                "begin_group",
                "channels",
                "Арналар",
                "Каналы",
                appearance="table-list",
                hint_kk="Бағалаңыз",
                hint_ru="Оцените",
            ),
            q("select_one five", "channels_phone", "Телефон", "Телефон", required="yes"),
            q("select_one five", "channels_meeting", "Кездесу", "Встреча", required="yes"),
            q("end_group", None, None, None),
            q("end_group", None, None, None),
        ],
        [
            *YES_NO,
            ["region", "north", "Солтүстік", "Север"],
            ["region", "west", "Батыс", "Запад"],
            ["barrier", "language", "Тіл", "Язык"],
            ["barrier", "time", "Уақыт", "Время"],
            ["barrier", "none", "Жоқ", "Нет"],
            ["barrier", "other", "Басқа", "Другое"],
            ["five", "0", "Бағалай алмаймын", "Не могу оценить"],
            ["five", "1", "Төмен", "Низкий"],
            *SCALE[1:],
        ],
    )


def test_every_supported_feature_is_imported(user):
    survey = xlsform_import(file=feature_workbook(), user=user).survey
    assert (survey.slug, survey.owner, survey.status) == ("test-form", user, "draft")
    data = questionnaire_export(survey=survey)
    assert data["title"] == {"kk": "Сынақ", "ru": "Тест"}
    profile, views = data["sections"]
    assert profile["description"] == {"kk": "Сип.", "ru": "Опис."}
    works, region, years, note, story = profile["questions"]
    assert works["type"] == "single" and "required" not in works
    assert region["widget"] == "dropdown"
    assert region["show_if"] == {"question": "works", "options": ["yes"]}
    assert (years["type"], years["min"], years["max"]) == ("number", 0, 50)
    assert note["type"] == "short_text" and note["required"] is False
    assert note["help"] == {"kk": "Көмек", "ru": "Помощь"}
    assert story["type"] == "long_text"
    assert views["show_if"] == {"question": "works", "options": ["yes"]}
    barriers, heard, general, channels = views["questions"]
    assert (barriers["min_choices"], barriers["max_choices"]) == (1, 2)
    assert [o["code"] for o in barriers["options"] if o.get("exclusive")] == ["none"]
    assert [o["code"] for o in barriers["options"] if o.get("other")] == ["other"]
    assert heard["options"][-1] == {
        "code": "other", "label": {"kk": "Басқа", "ru": "Другое"}, "other": True,
    }  # fmt: skip
    assert heard["show_if"] == {"question": "region", "options": ["north", "west"]}
    assert general["type"] == "rating"
    assert general["scale"] == {
        "min": 1, "max": 5, "na": True,
        "labels": {0: {"kk": "Бағалай алмаймын", "ru": "Не могу оценить"},
                   1: {"kk": "Төмен", "ru": "Низкий"}},
    }  # fmt: skip
    assert channels["type"] == "matrix" and "required" not in channels
    assert channels["help"] == {"kk": "Бағалаңыз", "ru": "Оцените"}
    assert [r["code"] for r in channels["rows"]] == ["phone", "meeting"]
    # Same list as the rating, without saualnama_na: 0 is an ordinary point of the scale.
    assert (channels["scale"]["min"], channels["scale"]["max"]) == (0, 5)
    assert "na" not in channels["scale"]


def test_a_field_list_group_is_a_section_at_the_top_and_a_matrix_inside_one(user):
    rows = [
        q("begin_group", "page", "Бет", "Страница", appearance="field-list"),
        q("begin_group", "grid", appearance="field-list"),
        q("select_one five", "grid_a", "А", "А"),
        q("end_group", None),
        q("select_one yn or_other", "works"),
        q("end_group", None),
    ]
    yes_no_other = [*YES_NO, ["yn", "other", "Басқасы", "Иное"]]
    survey = xlsform_import(file=workbook(rows, [*SCALE, *yes_no_other]), user=user).survey
    (page,) = questionnaire_export(survey=survey)["sections"]
    grid, works = page["questions"]
    assert (page["code"], grid["type"], grid["rows"][0]["code"]) == ("page", "matrix", "a")
    # or_other with the list's own "other" choice keeps its labels and marks it
    assert works["options"][-1] == {
        "code": "other", "label": {"kk": "Басқасы", "ru": "Иное"}, "other": True,
    }  # fmt: skip


def test_questions_outside_any_group_get_a_default_section(user):
    survey = xlsform_import(file=workbook([q("select_one yn", "works")], YES_NO), user=user).survey
    (section,) = questionnaire_export(survey=survey)["sections"]
    assert section["code"] == "main"
    assert section["title"] == {"kk": "Сынақ", "ru": "Тест"}


def test_the_slug_is_normalised_from_form_id_or_the_file_name(user):
    settings = [["form_id", "form_title", "saualnama_title::ru"], ["Wave_2  Civil", "Т", "Т"]]
    assert xlsform_import(
        file=workbook([q("integer", "a")], settings=settings), user=user
    ).survey.slug == ("wave-2-civil")
    untitled = [["form_title", "saualnama_title::ru"], ["Т", "Т"]]
    file = workbook([q("integer", "a")], settings=untitled, name="My Survey_2023.xlsx")
    assert xlsform_import(file=file, user=user).survey.slug == "my-survey-2023"


def test_another_language_is_ignored_with_one_warning(user):
    header = [*HEADER, "label::English (en)"]
    rows = [[*q("integer", "a"), "Age"], [*q("integer", "b"), "Years"]]
    result = xlsform_import(file=workbook(rows, header=header), user=user)
    assert [str(w) for w in result.warnings] == [
        "workbook sheet: English (en) texts were not imported (2)"
    ]
    assert not result.draft


def test_short_language_columns_are_accepted(user):
    header = ["type", "name", "label::kk", "label::ru"]
    settings = [["form_id", "form_title", "saualnama_title::ru"], ["short", "Қысқа", "Краткий"]]
    file = workbook([["integer", "age", "Жас", "Возраст"]], settings=settings, header=header)
    survey = xlsform_import(file=file, user=user).survey
    assert Question.objects.get(survey=survey, code="age").text_ru == "Возраст"


def test_a_plain_label_column_is_the_default_language_of_a_draft(user):
    header = ["type", "name", "label"]
    result = xlsform_import(file=workbook([["integer", "age", "Жас"]], header=header), user=user)
    age = Question.objects.get(survey=result.survey, code="age")
    assert (age.text_kk, age.text_ru, result.draft) == ("Жас", "", True)
    assert "1 text has no Russian version" in str(result.warnings[-1])


def test_an_existing_slug_is_refused_and_a_free_one_offered(user):
    first = xlsform_import(file=workbook([q("integer", "age")]), user=user).survey
    with pytest.raises(XLSFormError) as info:
        xlsform_import(file=workbook([q("integer", "years")]), user=user)
    assert "test-form-2" in str(info.value)
    assert Question.objects.get(survey=first).code == "age"  # never overwritten
    again = xlsform_import(
        file=workbook([q("integer", "years")]), user=user, slug="test-form-2"
    ).survey
    assert again.questions.get().code == "years"


def test_a_survey_created_meanwhile_under_the_slug_is_not_overwritten(user, monkeypatch):
    # Another import (or the builder) takes the slug between the check and the write.
    other = get_user_model().objects.create_user("sam", password="pw-123456")
    real_check = xlsform_module.definition_check

    def check_then_race(*, data, **options):
        real_check(data=data, **options)
        Survey.objects.get_or_create(
            slug=data["slug"], defaults={"owner": other, "title_kk": "Т", "title_ru": "Т"}
        )

    monkeypatch.setattr(xlsform_module, "definition_check", check_then_race)
    with pytest.raises(XLSFormError, match="already exists"):
        xlsform_import(file=workbook([q("integer", "age")]), user=user)
    taken = Survey.objects.get(slug="test-form")
    assert (taken.owner, taken.questions.count()) == (other, 0)


BROKEN = [
    pytest.param([q("geopoint", "where")], [], ("survey", 2, "type “geopoint” is not supported"),
                 id="unknown-type"),
    pytest.param([q("integer", "age", constraint=". > 0 or . < 5")], [],
                 ("survey", 2, "constraint “. > 0 or . < 5” is not supported"),
                 id="bad-constraint"),
    pytest.param([q("integer", "age", relevant="${nobody} = 'x'")], [],
                 ("survey", 2, "unknown question “nobody”"), id="unknown-relevant"),
    pytest.param([q("integer", "age", relevant="${works} = 'yes'"), q("select_one yn", "works")],
                 YES_NO, ("survey", 2, "comes later"), id="later-relevant"),
    pytest.param([q("integer", "age"), q("integer", "age")], [],
                 ("survey", 3, "the code “age” is used twice"), id="duplicate-names"),
    pytest.param([q("select_one colours", "colour")], [],
                 ("survey", 2, "the choice list “colours” is not on the choices sheet"),
                 id="missing-list"),
    pytest.param([q("select_one yn", "works")], [["yn", "yes", None, None], YES_NO[1]],
                 ("choices", 2, "a text in Kazakh or Russian is required"), id="missing-label"),
    pytest.param([q("select_one yn", "works")], [["ny", "yes", "Иә", "Да"], YES_NO[1]],
                 ("choices", 2, "the choice list “ny” is used by no question"),
                 id="list-name-typo"),
    pytest.param([q("select_one yn", "works"),
                  q("integer", "age", relevant="${works} = 'yes' and ${works} != 'no'")],
                 YES_NO, ("survey", 3, "relevant “${works} = 'yes' and ${works} != 'no'” is not "
                          "supported"), id="complex-relevant"),
    pytest.param([q("begin_repeat", "kids"), q("integer", "age"), q("end_repeat", None)], [],
                 ("survey", 2, "type “begin_repeat” is not supported"), id="repeat"),
    pytest.param([q("geopoint", "place")], [], ("survey", 2, "type “geopoint” is not supported"),
                 id="geopoint"),
    pytest.param([q("select_one yn", "works", appearance="likert")], YES_NO,
                 ("survey", 2, "appearance “likert” is not supported"), id="appearance"),
    pytest.param([q("begin_group", "g"), q("integer", "age")], [],
                 ("survey", 2, "this begin_group has no end_group"), id="unclosed-group"),
    pytest.param([q("begin_group", "m", appearance="table-list"),
                  q("select_one five", "m_a", required="yes"), q("select_one five", "m_b"),
                  q("end_group", None)], SCALE,
                 ("survey", 2, "the rows of a matrix must all be required or not"),
                 id="matrix-mixed-required"),
    pytest.param([q("select_one five", "general", saualnama_na="yes")], SCALE,
                 ("survey", 2, "saualnama_na: the list “five” has no point 0"), id="na-without-0"),
    pytest.param([q("select_one gaps", "general")],
                 [["gaps", "1", "1", "1"], ["gaps", "3", "3", "3"]],
                 ("survey", 2, "the scale list “gaps” must be consecutive whole numbers"),
                 id="scale-gap"),
    pytest.param([q("begin_group", "m", appearance="table-list"), q("integer", "m_a"),
                  q("end_group", None)], [],
                 ("survey", 3, "a matrix (table-list group) holds only select_one rows"),
                 id="matrix-non-select"),
    pytest.param([q("begin_group", "a"), q("begin_group", "b"), q("integer", "x"),
                  q("end_group", None), q("end_group", None)], [],
                 ("survey", 3, "a group inside a group is read only as a matrix"),
                 id="nested-group"),
    pytest.param([q("select_multiple yn", "works", relevant=None), q("integer", "age",
                  relevant="${works} = 'yes'")], YES_NO,
                 ("survey", 3, "is a multiple choice; use selected(${works}, 'x')"),
                 id="equals-on-multiple"),
]  # fmt: skip


@pytest.mark.parametrize(("survey", "choices", "expected"), BROKEN)
def test_a_broken_workbook_is_refused_by_sheet_and_row(user, survey, choices, expected):
    problems = problems_of(workbook(survey, choices), user)
    assert has(problems, *expected), problems


def test_typographic_quotes_are_straightened_in_expressions_only(user):
    rows = [q("select_one yn", "works", "“Иә” ма?", "Да?"), q("integer", "age",
            relevant="${works} = ‘yes’")]  # fmt: skip
    survey = xlsform_import(file=workbook(rows, YES_NO), user=user).survey
    works, age = questionnaire_export(survey=survey)["sections"][0]["questions"]
    assert works["text"]["kk"] == "“Иә” ма?"
    assert age["show_if"] == {"question": "works", "options": ["yes"]}


def test_a_cascading_choice_filter_is_refused(user):
    header = [*HEADER, "choice_filter"]
    rows = [q("select_one yn", "works"), [*q("select_one yn", "again"), "${works} = 'yes'"]]
    problems = problems_of(workbook(rows, YES_NO, header=header), user)
    assert has(problems, "survey", 3, "the column “choice_filter” is not supported")


def test_choices_from_a_file_are_refused(user):
    problems = problems_of(workbook([q("select_one_from_file towns.csv", "town")]), user)
    assert has(problems, "survey", 2, "type “select_one_from_file towns.csv” is not supported")


def test_a_title_in_one_language_makes_a_draft(user):
    settings = [["form_id", "form_title"], ["one-language", "Тек қазақша"]]
    result = xlsform_import(file=workbook([q("integer", "age")], settings=settings), user=user)
    assert (result.survey.title_kk, result.survey.title_ru, result.draft) == (
        "Тек қазақша",
        "",
        True,
    )


def test_a_list_name_typo_on_the_survey_sheet_is_reported_at_its_row(user):
    problems = problems_of(workbook([q("integer", "age"), q("select_one yno", "x")], YES_NO), user)
    assert has(problems, "survey", 3, "the choice list “yno” is not on the choices sheet")


def test_every_problem_is_reported_at_once(user):
    file = workbook(
        [
            q("select_one yn", "works"),
            q("geopoint", "where"),
            q("integer", "age", None, "Возраст", constraint=". >= 0 or . < 9"),
            q("calculate", "hello"),
            q("integer", "later", relevant="selected(${works}, 'yes') and ${age} > 3"),
        ],
        [YES_NO[0], ["yn", "no", "Жоқ", None]],
    )
    problems = problems_of(file, user)
    assert has(problems, "survey", 3, "“geopoint”")
    assert has(problems, "survey", 4, "constraint")
    assert has(problems, "survey", 5, "“calculate”")
    assert has(problems, "survey", 6, "relevant")


def test_pyxform_s_own_verdict_is_reported_at_its_row(user):
    problems = problems_of(workbook([q("integer", "age"), q("integer", "meta")]), user)
    assert has(problems, "survey", 3, "XLSForm check: On the 'survey' sheet, the 'name' value")
    assert has(problems, "survey", 3, "reserved for form metadata")


def test_a_text_showing_an_answer_is_refused(user):
    survey = [q("integer", "age"), q("integer", "years", "${age} жыл", "Лет при ${age}")]
    assert has(problems_of(workbook(survey), user), "survey", 3, "cannot show an answer")


def test_a_repeat_is_reported_once_and_its_questions_still_checked(user):
    survey = [q("begin_repeat", "kids"), q("select_one nope", "x"), q("end_repeat", None)]
    problems = problems_of(workbook(survey), user)
    assert has(problems, "survey", 2, "“begin_repeat”")
    assert has(problems, "survey", 3, "the choice list “nope” is not on the choices sheet")
    assert not any(row == 4 for _s, row, _m in problems)


def test_a_zip_bomb_is_refused_unread(user, monkeypatch):
    monkeypatch.setattr("surveys.formats.xlsform.convert.MAX_UNPACKED_BYTES", 1000)
    problems = problems_of(workbook([q("integer", "age")]), user)
    assert problems == [("workbook", None, "the workbook is too large once unpacked")]


def test_an_unreadable_file_is_refused(user):
    problems = problems_of(ContentFile(b"PK\x03\x04 not a workbook", name="x.xlsx"), user)
    assert problems[0][0] == "workbook"


def _without_slug_status(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("slug", "status")}


def test_the_2022_questionnaire_exported_and_reimported_is_identical(user):
    original = survey_2022_load()
    content = xlsform_export(survey=original)
    copy = xlsform_import(
        file=ContentFile(content, name="x.xlsx"), user=user, slug="copy-2022"
    ).survey
    assert copy.status == "draft"
    exported = questionnaire_export(survey=copy)
    assert _without_slug_status(exported) == _without_slug_status(
        questionnaire_export(survey=original)
    )


def test_the_mini_questionnaire_round_trips(user):
    original = questionnaire_load(data=definition_parse(text=(DATA / "mini.yaml").read_text()))
    content = xlsform_export(survey=original)
    copy = xlsform_import(file=ContentFile(content, name="x.xlsx"), user=user, slug="mini-2").survey
    assert _without_slug_status(questionnaire_export(survey=copy)) == _without_slug_status(
        questionnaire_export(survey=original)
    )


def test_line_breaks_and_formula_like_texts_survive_the_round_trip(user):
    data = definition_parse(text=(DATA / "mini.yaml").read_text())
    first = data["sections"][0]["questions"][0]
    first["text"] = {"kk": "Бірінші жол\nекінші  жол", "ru": "=1+1"}
    first["help"] = {"kk": "Көмек\n\nтағы", "ru": "„Помощь“ ‘it’s’\x07"}
    original = questionnaire_load(data=data)
    content = xlsform_export(survey=original)
    copy = xlsform_import(file=ContentFile(content, name="x.xlsx"), user=user, slug="mini-2").survey
    level = copy.questions.get(code="level")
    assert (level.text_kk, level.text_ru) == ("Бірінші жол\nекінші  жол", "=1+1")
    # The bell cannot be in a workbook: the export leaves it out rather than fail.
    assert (level.help_kk, level.help_ru) == ("Көмек\n\nтағы", "„Помощь“ ‘it’s’")


def test_codes_that_are_no_valid_xlsform_names_there_round_trip(user):
    """A section coded like a question that a condition names, a question coded `meta`
    (reserved by XLSForm), a matrix row whose `<matrix>_<row>` name is a question's code."""
    data = definition_parse(text=(DATA / "mini.yaml").read_text())
    one, two = data["sections"]
    one["code"] = "level"  # the question `level` is named by body's condition
    two["questions"][2]["code"] = "meta"  # the rating `general`
    two["questions"][-1]["code"] = "channels_phone"  # the long text; the matrix `channels` has a
    # row `phone`
    original = questionnaire_load(data=data)
    content = xlsform_export(survey=original)
    convert(xlsform=BytesIO(content), file_type=".xlsx", validate=False, warnings=[])
    copy = xlsform_import(file=ContentFile(content, name="x.xlsx"), user=user, slug="mini-2").survey
    assert _without_slug_status(questionnaire_export(survey=copy)) == _without_slug_status(
        questionnaire_export(survey=original)
    )


def test_pyxform_converts_the_export_without_errors(db):
    content = xlsform_export(survey=survey_2022_load())
    warnings: list[str] = []
    result = convert(xlsform=BytesIO(content), file_type=".xlsx", validate=False, warnings=warnings)
    assert "<h:title>Мемлекеттік қызметшілердің" in result.xform
    assert 'appearance="field-list"' in result.xform  # the matrices, as table-list groups
    assert not [w for w in warnings if "row" in w], warnings


def test_the_commands_import_and_export(user, tmp_path):
    survey_2022_load()
    path = tmp_path / "out.xlsx"
    call_command("export_xlsform", "civil-service-communication-2022", "-o", str(path))
    out = StringIO()
    call_command("import_xlsform", str(path), "--slug", "wave-2", "--owner", "rita", stdout=out)
    assert "wave-2" in out.getvalue()
    assert Survey.objects.get(slug="wave-2").owner == user
    with pytest.raises(CommandError, match="уже существует"):
        call_command("import_xlsform", str(path), "--owner", "rita", "--language", "ru")
    assert (
        Option.objects.filter(question__survey__slug="wave-2").count()
        == Option.objects.filter(question__survey__slug="civil-service-communication-2022").count()
    )


# Any questionnaire of our model survives export and import ----------------------------------------

TEXT_CHARS = "абвжяӘәҒғҚқҢңӨөҰұҮүҺһІі AZaz09.,;:!?-–—«»„“”‘’'\"()[]{}$=+@#%&*/\\\n_"
text = (
    st.text(alphabet=TEXT_CHARS, min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda t: t and "${" not in t)
)
both = st.fixed_dictionaries({"kk": text, "ru": text})
codes = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True), min_size=12, max_size=12,
                 unique=True)  # fmt: skip


@st.composite
def questionnaires(draw: st.DrawFn) -> dict[str, Any]:
    pool = iter(draw(codes))
    questions: list[dict[str, Any]] = []
    sections = []
    for _s in range(draw(st.integers(1, 2))):
        section: dict[str, Any] = {"code": next(pool), "title": draw(both), "questions": []}
        if draw(st.booleans()):
            section["description"] = draw(both)
        for _q in range(draw(st.integers(1, 3))):
            qtype = draw(st.sampled_from(["single", "multiple", "matrix", "rating", "number",
                                          "short_text", "long_text", "decimal",
                                          "note"]))  # fmt: skip
            node: dict[str, Any] = {"code": next(pool), "type": qtype, "text": draw(both)}
            if draw(st.booleans()):
                node["help"] = draw(both)
            node["required"] = draw(st.booleans()) and qtype != "note"
            earlier = [q for q in questions if q["type"] in ("single", "multiple")]
            if earlier and draw(st.booleans()):
                target = draw(st.sampled_from(earlier))
                chosen = draw(st.lists(st.sampled_from([o["code"] for o in target["options"]]),
                                       min_size=1, unique=True))  # fmt: skip
                node["show_if"] = {"question": target["code"], "options": chosen}
            if qtype in ("single", "multiple"):
                names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "other", "none"]),
                                      min_size=2, max_size=4, unique=True))  # fmt: skip
                node["options"] = [{"code": n, "label": draw(both)} for n in names]
                if "other" in names and draw(st.booleans()):
                    node["options"][names.index("other")]["other"] = True
                if qtype == "single" and draw(st.booleans()):
                    node["widget"] = "dropdown"
                if qtype == "multiple":
                    if "none" in names and draw(st.booleans()):
                        node["options"][names.index("none")]["exclusive"] = True
                    low = draw(st.none() | st.integers(1, len(names)))
                    high = draw(st.none() | st.integers(low or 1, len(names)))
                    node.update({k: v for k, v in (("min_choices", low), ("max_choices", high))
                                 if v is not None})  # fmt: skip
            if qtype in ("matrix", "rating"):
                low = draw(st.integers(0, 1))
                scale: dict[str, Any] = {"min": low, "max": draw(st.integers(low + 1, low + 5))}
                if low == 1 and draw(st.booleans()):
                    scale["na"] = True
                points = range(0 if scale.get("na") else low, scale["max"] + 1)
                labelled = draw(st.lists(st.sampled_from(list(points)), unique=True))
                labels = {p: draw(both) for p in sorted(labelled)}
                labels = {p: t for p, t in labels.items() if str(p) not in t.values()}
                if labels:
                    scale["labels"] = labels
                node["scale"] = scale
            if qtype == "matrix":
                rows = draw(st.lists(st.sampled_from(["r1", "r2", "r3"]), min_size=1, unique=True))
                node["rows"] = [{"code": r, "label": draw(both)} for r in rows]
            if qtype == "number":
                low = draw(st.none() | st.integers(-5, 5))
                high = draw(st.none() | st.integers(low if low is not None else -5, 9))
                node.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
            if qtype == "decimal":
                node["decimals"] = draw(st.integers(1, 6))
                low = draw(st.none() | st.sampled_from([-5, 0, 0.5, 1.25]))
                high = draw(st.none() | st.sampled_from([2, 9.5, 10]))
                node.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
            section["questions"].append(node)
            questions.append(node)
        sections.append(section)
    return {"slug": "generated", "default_language": draw(st.sampled_from(["kk", "ru"])),
            "status": "draft", "title": draw(both), "sections": sections}  # fmt: skip


# As the hostile tests: no example database, and the same examples on every CI run.
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=questionnaires())
def test_any_questionnaire_exported_and_reimported_is_identical(user, data):
    with transaction.atomic():
        original = questionnaire_load(data=data)
        expected = questionnaire_export(survey=original)
        content = xlsform_export(survey=original)
        copy = xlsform_import(
            file=ContentFile(content, name="x.xlsx"), user=user, slug="copy"
        ).survey
        assert _without_slug_status(questionnaire_export(survey=copy)) == _without_slug_status(
            expected
        )
        transaction.set_rollback(True)
