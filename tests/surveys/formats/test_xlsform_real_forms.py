"""XLSForms as researchers bring them: other label languages, metadata rows, unsupported rows
left out on request (surveys/formats/xlsform, issue 14)."""

from __future__ import annotations

from io import BytesIO, StringIO

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.roles import RESEARCHER, roles_ensure
from surveys.builder.checks import BuilderError
from surveys.builder.lifecycle import survey_publish
from surveys.builder.selectors import survey_parity_get
from surveys.formats.xlsform.convert import XLSFormError, xlsform_import
from surveys.models import Question, Survey
from tests.surveys.formats.test_xlsform import workbook

EN, RU = "label::English", "label::Russian"
SETTINGS = [["form_id", "form_title"], ["field-form", "Field form"]]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("rita", password="pw-123456")


def book(header, survey, choices=None, choices_header=None, settings=SETTINGS):
    file = workbook(survey, choices, settings=settings, header=header)
    if choices_header is None:
        return file
    # The choices sheet with its own header (the shared builder writes the kk/ru one).
    wb = openpyxl.load_workbook(BytesIO(file.read()))
    sheet = wb["choices"]
    sheet.delete_rows(1)
    sheet.insert_rows(1)
    for column, value in enumerate(choices_header, start=1):
        sheet.cell(row=1, column=column, value=value)
    out = BytesIO()
    wb.save(out)
    return ContentFile(out.getvalue(), name="form.xlsx")


def english_russian():
    return book(
        ["type", "name", EN, RU],
        [["select_one yn", "works", "Do you work?", "Вы работаете?"],
         ["integer", "age", "Age", "Возраст"]],
        [["yn", "yes", "Yes", "Да"], ["yn", "no", "No", "Нет"]],
        choices_header=["list_name", "name", EN, RU],
    )  # fmt: skip


def test_a_russian_only_form_imports_as_a_draft_listing_the_missing_kazakh(user):
    file = book(["type", "name", RU], [["integer", "age", "Возраст"], ["text", "city", "Город"]])
    result = xlsform_import(file=file, user=user)
    assert result.draft and result.survey.status == "draft"
    age = Question.objects.get(survey=result.survey, code="age")
    assert (age.text_kk, age.text_ru) == ("", "Возраст")
    parity = survey_parity_get(survey=result.survey)
    missing = {(i.question_code, i.field) for i in parity.items if "kk" in i.missing}
    assert {("age", "text"), ("city", "text")} <= missing
    assert not any("ru" in i.missing for i in parity.items if i.question_code)


def test_english_and_russian_keep_russian_and_ignore_english(user):
    result = xlsform_import(file=english_russian(), user=user)
    works = Question.objects.get(survey=result.survey, code="works")
    assert (works.text_kk, works.text_ru) == ("", "Вы работаете?")
    assert [o.label_ru for o in works.options.order_by("position")] == ["Да", "Нет"]
    messages = [str(w) for w in result.warnings]
    assert "workbook sheet: English texts were not imported (4)" in messages
    assert result.draft


def test_english_mapped_to_kazakh_on_request(user):
    result = xlsform_import(file=english_russian(), user=user, languages={"kk": "English"})
    works = Question.objects.get(survey=result.survey, code="works")
    assert (works.text_kk, works.text_ru) == ("Do you work?", "Вы работаете?")
    assert not any("not imported" in str(w) for w in result.warnings)


def test_a_language_the_workbook_lacks_is_refused(user):
    with pytest.raises(XLSFormError, match="“German” is not a language of this workbook"):
        xlsform_import(file=english_russian(), user=user, languages={"kk": "German"})


def test_a_plain_label_form_is_a_kazakh_draft_with_its_russian_missing(user):
    file = book(["type", "name", "label"], [["integer", "age", "Жасыңыз"]])
    result = xlsform_import(file=file, user=user)
    parity = survey_parity_get(survey=result.survey)
    assert [(i.question_code, i.missing) for i in parity.items if i.question_code] == [
        ("age", ("ru",))
    ]


def test_the_builder_s_parity_view_lists_an_imported_draft_s_missing_texts(user, client, settings):
    settings.LANGUAGE_CODE = "en"
    user.groups.add(roles_ensure()[RESEARCHER])
    result = xlsform_import(file=english_russian(), user=user)
    client.force_login(user)
    page = client.get(f"/build/{result.survey.slug}/").content.decode()
    assert 'id="parity"' in page and 'data-missing="6"' in page
    for where in ("works › question text", "works › yes › label", "age › question text"):
        assert where in page
    with pytest.raises(BuilderError):
        survey_publish(survey=result.survey, user=user)


def test_metadata_rows_are_left_out_with_a_warning(user):
    file = book(
        ["type", "name", EN, RU],
        [["start", "start"], ["end", "end"], ["today", "today"], ["deviceid", "deviceid"],
         ["audit", "audit"], ["integer", "age", "Age", "Возраст"]],
    )  # fmt: skip
    result = xlsform_import(file=file, user=user, languages={"kk": "English"})
    assert list(result.survey.questions.values_list("code", flat=True)) == ["age"]
    meta = [(w.row, w.message) for w in result.warnings if w.sheet == "survey"]
    assert [row for row, _m in meta] == [2, 3, 4, 5, 6]
    assert meta[0][1] == "“start” is metadata, which the platform records itself: left out"
    assert not result.left_out


UNSUPPORTED = [
    ["select_one yn", "works", "Работаете?"],
    ["begin_repeat", "kids", "Дети"],
    ["integer", "kid_age", "Возраст ребёнка"],
    ["end_repeat", None, None],
    ["calculate", "double", None, "${works} * 2"],
    ["geopoint", "where", "Где?"],
    ["select_one yn", "has_car", "Машина?", None, "${where} != ''"],
    ["integer", "car_age", "Возраст машины", None, "selected(${has_car}, 'yes')"],
    ["integer", "age", "Возраст", None, "${works} = 'yes'"],
]


def unsupported_book():
    return book(
        ["type", "name", RU, "calculation", "relevant"],
        UNSUPPORTED,
        [["yn", "yes", "Да"], ["yn", "no", "Нет"]],
        choices_header=["list_name", "name", RU],
    )


def test_unsupported_rows_are_refused_by_default_each_at_its_row(user):
    with pytest.raises(XLSFormError) as info:
        xlsform_import(file=unsupported_book(), user=user)
    rows_ = {(p.sheet, p.row) for p in info.value.problems}
    assert {("survey", 3), ("survey", 6), ("survey", 7), ("survey", 8)} <= rows_
    assert not Survey.objects.exists()


def test_a_partial_import_reports_exactly_what_was_left_out(user):
    result = xlsform_import(file=unsupported_book(), user=user, partial=True)
    assert result.draft
    kept = list(result.survey.questions.order_by("position").values_list("code", flat=True))
    assert kept == ["works", "age"]
    age = Question.objects.get(survey=result.survey, code="age")
    assert [o.code for o in age.show_if_options.all()] == ["yes"]
    report = [(p.row, p.message) for p in result.left_out]
    assert report == [
        (3, "type “begin_repeat” is not supported"),
        (4, "inside the group or repeat left out at row 3"),
        (6, "the column “calculation” is not supported: left out"),
        (6, "type “calculate” is not supported"),
        (7, "type “geopoint” is not supported"),
        (8, "relevant “${where} != ''” is not supported; use “${q} = 'x'”, "
            "“selected(${q}, 'x')”, or several of those on one question joined by “or”"),
        (9, "relevant refers to “has_car” (row 8), which is left out: left out with it"),
    ]  # fmt: skip


def test_the_command_maps_languages_and_reports_a_partial_import(user, tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_bytes(unsupported_book().read())
    out = StringIO()
    call_command(
        "import_xlsform", str(path), "--partial", "--kk", "Russian", "--ru", "",
        "--language", "ru", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    survey = Survey.objects.get()
    assert Question.objects.get(survey=survey, code="age").text_kk == "Возраст"
    assert "field-form" in text and "(строка 8)" in text  # the report speaks --language ru
    assert "survey" in text


def test_the_command_refuses_in_its_language(user, tmp_path):
    path = tmp_path / "form.xlsx"
    path.write_bytes(unsupported_book().read())
    with pytest.raises(CommandError, match="ничего не сохранено"):
        call_command("import_xlsform", str(path), "--language", "ru")


def test_the_command_maps_the_plain_column_by_the_name_label(user, tmp_path):
    path = tmp_path / "form.xlsx"
    file = book(["type", "name", "label", EN], [["integer", "age", "Возраст", "Age"]])
    path.write_bytes(file.read())
    call_command("import_xlsform", str(path), "--ru", "label", "--kk", "English", stdout=StringIO())
    age = Question.objects.get(code="age")
    assert (age.text_kk, age.text_ru) == ("Age", "Возраст")
