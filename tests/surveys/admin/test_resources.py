"""Questions and options through django-import-export, as a researcher uses it in the admin."""

from __future__ import annotations

from typing import Any

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from accounts.roles import RESULTS_ADMIN
from surveys.models import Option, Question
from tests.surveys.admin_support import question_of, ru, staff_client

pytestmark = pytest.mark.django_db


def _export(client: Client, model: str, resource: str) -> str:
    page = client.get(f"/admin/surveys/{model}/export/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {"resource": "0", "format": "0"}  # CSV is the first format
    data |= {name: "on" for name in form.fields if name.startswith(resource)}
    response = client.post(f"/admin/surveys/{model}/export/", data)
    assert response.status_code == 200, response.context and response.context["form"].errors
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8-sig")


def test_options_export_as_csv_with_codes(researcher, mini_survey):
    text = _export(researcher, "option", "optionresource_")

    lines = text.splitlines()
    assert lines[0] == "survey,question,position,code,label_kk,label_ru,is_other,is_exclusive"
    assert "mini,level,1,central,Орталық,Центральный,0,0" in lines
    assert "mini,barriers,5,none,Кедергі жоқ,Барьеров нет,0,1" in lines


def _import(client: Client, model: str, csv: str) -> Any:
    upload = SimpleUploadedFile(f"{model}.csv", csv.encode(), content_type="text/csv")
    return client.post(
        f"/admin/surveys/{model}/import/", {"resource": "0", "format": "0", "import_file": upload}
    )


OPTIONS_HEADER = "survey,question,position,code,label_kk,label_ru,is_other,is_exclusive\n"


def test_options_import_through_the_confirm_step(researcher, mini_survey):
    csv = OPTIONS_HEADER + (
        "mini,level,3,regional,Облыстық,Областной,0,0\n"
        "mini,level,1,central,Орталық (өзгертілген),Центральный,0,0\n"
    )
    preview = _import(researcher, "option", csv)
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    assert not Option.objects.filter(code="regional").exists()  # a dry run so far

    done = researcher.post("/admin/surveys/option/process_import/", confirm.initial, follow=True)

    assert done.status_code == 200
    level = question_of(mini_survey, "level")
    assert list(level.options.values_list("code", flat=True)) == ["central", "local", "regional"]
    assert level.options.get(code="central").label_kk == "Орталық (өзгертілген)"


@pytest.mark.parametrize(
    ("row", "message", "params"),
    [
        (
            "mini,level,3,central,Екі,Два,0,0",
            "The code “%(code)s” appears more than once in this file.",
            {"code": "central"},
        ),
        (
            "mini,nosuch,1,alpha,А,А,0,0",
            "The survey has no question with the code “%(value)s”.",
            {"value": "nosuch"},
        ),
        (
            "other-survey,level,1,alpha,А,А,0,0",
            "There is no survey with the slug “%(value)s”.",
            {"value": "other-survey"},
        ),
        (
            "mini,level,3,Bad Code,А,А,0,0",
            "Use lowercase Latin letters, digits and underscores, starting with a letter.",
            {},
        ),
        (
            "mini,channels,1,alpha,А,А,0,0",
            "“%(code)s” is not a single or multiple choice question, so it has no options.",
            {"code": "channels"},
        ),
        (
            "mini,level,3,alone,А,А,0,1",
            "Only an option of a multiple choice question can be exclusive.",
            {},
        ),
        (
            "mini,level,3,alpha,А\x01,А,0,0",
            "The text contains characters that cannot be stored.",
            {},
        ),
    ],
)
def test_bad_option_row_is_rejected_with_its_error(researcher, mini_survey, row, message, params):
    csv = OPTIONS_HEADER + "mini,level,1,central,Орталық,Центральный,0,0\n" + row + "\n"

    response = _import(researcher, "option", csv)

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert ru(message, **params) in response.text
    assert Option.objects.filter(question__survey=mini_survey).count() == 10


def test_questions_round_trip_through_import(mini_survey):
    from surveys.admin.resources import QuestionResource

    rows = QuestionResource().export().dict
    years = next(row for row in rows if row["code"] == "years")
    assert (years["survey"], years["section"], years["number_max"]) == ("mini", "one", "50")
    years["text_ru"] = "Стаж (лет)"
    dataset = tablib.Dataset(*[list(row.values()) for row in rows], headers=list(rows[0]))

    result = QuestionResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 1 and result.totals["new"] == 0
    assert question_of(mini_survey, "years").text_ru == "Стаж (лет)"


@pytest.mark.parametrize(
    ("survey", "section", "field", "message"),
    [
        ("nosuch", "one", "survey", "There is no survey with the slug “%(value)s”."),
        ("mini", "nosuch", "section", "The survey has no section with the code “%(value)s”."),
        (
            "mini",
            "one",
            "scale_min",
            "A matrix or rating question needs a scale minimum and maximum.",
        ),
    ],
)
def test_bad_question_row_is_rejected(mini_survey, survey, section, field, message):
    from surveys.admin.resources import QuestionResource

    headers = ["survey", "section", "code", "type", "text_kk", "text_ru"]
    dataset = tablib.Dataset([survey, section, "fresh", "rating", "Т", "Т"], headers=headers)

    with translation.override("ru"):
        result = QuestionResource().import_data(dataset, dry_run=False)

    assert result.invalid_rows[0].field_specific_errors == {field: [ru(message, value="nosuch")]}
    assert not Question.objects.filter(code="fresh").exists()


def test_results_admin_cannot_import_options(mini_survey):
    client = staff_client("ana", RESULTS_ADMIN)

    assert client.get("/admin/surveys/survey/").status_code == 403
    response = _import(client, "option", OPTIONS_HEADER + "mini,level,3,x,X,X,0,0\n")
    assert response.status_code == 403
    assert not Option.objects.filter(code="x").exists()


def test_the_export_page_binds_select_all_without_inline_script(researcher, mini_survey):
    page = researcher.get("/admin/surveys/option/export/").content.decode()
    assert "js/admin-export.js" in page


FORMULA = '=HYPERLINK("http://x","y")'


def test_xlsx_writes_labels_as_text_never_as_formulas(mini_survey):
    import io

    import openpyxl

    from surveys.admin.resources import OptionResource, TextXLSX

    Option.objects.filter(code="central").update(label_kk=FORMULA, label_ru="#N/A")

    content = TextXLSX().export_data(OptionResource().export())

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    assert cells[FORMULA].data_type == "s"
    assert cells["#N/A"].data_type == "s"


def test_csv_puts_an_apostrophe_before_formula_labels_and_import_takes_it_off(mini_survey):
    from surveys.admin.resources import OptionResource, QuestionResource, TextCSV

    Option.objects.filter(code="central").update(label_kk=FORMULA)
    mini_survey.questions.filter(code="years").update(number_min=-5)

    options = TextCSV().export_data(OptionResource().export())
    questions = TextCSV().export_data(QuestionResource().export())

    assert 'mini,level,1,central,"\'=HYPERLINK(""http://x"",""y"")"' in options
    assert ",-5," in questions
    dataset = TextCSV().create_dataset(options)
    Option.objects.filter(code="central").update(label_kk="changed")
    result = OptionResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Option.objects.get(code="central").label_kk == FORMULA
