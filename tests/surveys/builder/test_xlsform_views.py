"""The XLSForm pages: /build/import/xlsform/ and /build/<slug>/xlsform.xlsx, with permissions."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from surveys.formats.definitions import questionnaire_export
from surveys.models import Survey
from tests.surveys.formats.test_xlsform import YES_NO, q, workbook

pytestmark = pytest.mark.django_db
IMPORT = "/build/import/xlsform/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def signed_in(username: str, group: str | None = RESEARCHER, **extra) -> Client:
    user = get_user_model().objects.create_user(username, password="pw-123456", **extra)
    if group:
        user.groups.add(roles_ensure()[group])
    client = Client()
    client.force_login(user)
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def good_workbook() -> bytes:
    return workbook(
        [q("select_one yn", "works", required="yes"), q("integer", "age")], YES_NO
    ).read()


def test_the_urls_are_the_contract():
    assert reverse("xlsform:import") == IMPORT
    assert reverse("xlsform:export", args=["mini"]) == "/build/mini/xlsform.xlsx"


def test_a_researcher_imports_a_workbook_and_lands_on_the_builder():
    client = signed_in("rita")
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": upload("form.xlsx", good_workbook())})
    survey = Survey.objects.get(slug="test-form")
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:edit", args=[survey.slug])
    assert survey.owner.username == "rita" and survey.status == "draft"
    assert [q.code for q in survey.questions.order_by("position")] == ["works", "age"]


def test_a_new_slug_can_be_given_on_the_page():
    client = signed_in("rita")
    client.post(IMPORT, {"file": upload("form.xlsx", good_workbook()), "slug": "wave-2"})
    assert Survey.objects.filter(slug="wave-2").exists()


def test_a_broken_workbook_lists_its_problems_by_sheet_and_row():
    file = workbook([q("geopoint", "where"), q("select_one nope", "x")]).read()
    response = signed_in("rita").post(IMPORT, {"file": upload("form.xlsx", file)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "type “geopoint” is not supported" in page
    assert "<td>survey</td><td>2</td>" in page and "<td>survey</td><td>3</td>" in page
    assert not Survey.objects.exists()


def test_an_existing_slug_is_refused_on_the_page():
    client = signed_in("rita")
    client.post(IMPORT, {"file": upload("form.xlsx", good_workbook())})
    response = client.post(IMPORT, {"file": upload("form.xlsx", good_workbook())})
    assert response.status_code == 400
    assert "test-form-2" in response.content.decode()
    assert Survey.objects.count() == 1


def test_a_file_that_is_not_a_workbook_is_refused_before_reading():
    response = signed_in("rita").post(IMPORT, {"file": upload("form.xlsx", b"name,label\n")})
    assert response.status_code == 400
    assert "is not a real XLSX file" in response.content.decode()
    assert not Survey.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = signed_in("rita").post(IMPORT, {"file": upload("form.xlsx", good_workbook())})
    assert response.status_code == 400
    assert not Survey.objects.exists()


def test_import_needs_the_researcher_role():
    assert signed_in("ana", RESULTS_ADMIN).get(IMPORT).status_code == 403
    response = Client().get(IMPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_owner_downloads_a_workbook_that_reimports(mini_survey):
    client = signed_in("rita")
    mini_survey.owner = get_user_model().objects.get(username="rita")
    mini_survey.save(update_fields=["owner"])
    response = client.get(reverse("xlsform:export", args=["mini"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mini.xlsx"'
    book = openpyxl.load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["survey", "choices", "settings"]
    client.post(IMPORT, {"file": upload("mini.xlsx", response.content), "slug": "mini-copy"})
    copy = Survey.objects.get(slug="mini-copy")
    assert (
        questionnaire_export(survey=copy)["sections"]
        == (questionnaire_export(survey=mini_survey)["sections"])
    )


def test_a_researcher_share_may_download(mini_survey):
    client = signed_in("sam")
    user = get_user_model().objects.get(username="sam")
    SurveyShare.objects.create(survey=mini_survey, user=user, role=SurveyShare.Role.RESEARCHER)
    assert client.get(reverse("xlsform:export", args=["mini"])).status_code == 200


def test_another_researchers_survey_answers_404(mini_survey):
    mini_survey.owner = get_user_model().objects.create_user("owner", password="pw-123456")
    mini_survey.save(update_fields=["owner"])
    response = signed_in("rita").get(reverse("xlsform:export", args=["mini"]))
    assert response.status_code == 404
    missing = signed_in("rita2").get(reverse("xlsform:export", args=["no-such-survey"]))
    assert missing.status_code == 404


def test_download_needs_the_researcher_role(mini_survey):
    url = reverse("xlsform:export", args=["mini"])
    assert signed_in("ana", RESULTS_ADMIN).get(url).status_code == 403
    assert Client().get(url).status_code == 302


# The languages step and the report (issue 14) ------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def english_russian_workbook() -> bytes:
    from tests.surveys.formats.test_xlsform_real_forms import english_russian

    return english_russian().read()


def test_an_english_russian_workbook_asks_for_its_languages_then_imports(media):
    client = signed_in("rita")
    response = client.post(IMPORT, {"file": upload("form.xlsx", english_russian_workbook())})
    page = response.content.decode()
    assert response.status_code == 200 and not Survey.objects.exists()
    assert 'id="xlsform-languages"' in page
    assert "<td>English</td><td>4</td>" in page and "<td>Russian</td><td>4</td>" in page
    token = response.context["step"].initial["token"]
    assert response.context["step"].initial["token"] and 'name="token"' in page
    response = client.post(IMPORT, {"token": token, "name": "form.xlsx", "kk": "English",
                                    "ru": "Russian"})  # fmt: skip
    survey = Survey.objects.get(slug="field-form")
    works = survey.questions.get(code="works")
    assert (works.text_kk, works.text_ru) == ("Do you work?", "Вы работаете?")
    assert response.status_code == 302
    # The stashed file is gone once imported.
    assert client.post(IMPORT, {"token": token, "kk": "English"}).status_code == 400


def test_languages_mapped_to_none_import_a_draft_and_report_it(media):
    client = signed_in("rita")
    response = client.post(IMPORT, {"file": upload("form.xlsx", english_russian_workbook())})
    token = response.context["step"].initial["token"]
    response = client.post(IMPORT, {"token": token, "kk": "", "ru": "Russian"})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "English texts were not imported (4)" in report
    assert "texts have no Kazakh version" in report and 'id="xlsform-open"' in report


def test_another_user_cannot_use_the_token(media):
    response = signed_in("rita").post(
        IMPORT, {"file": upload("form.xlsx", english_russian_workbook())}
    )
    token = response.context["step"].initial["token"]
    other = signed_in("sam").post(IMPORT, {"token": token, "kk": "", "ru": "Russian"})
    assert other.status_code == 400 and "upload it again" in other.content.decode()
    assert not Survey.objects.exists()


def test_the_page_imports_partially_when_asked_and_shows_what_was_left_out(media):
    file = workbook([q("select_one yn", "works"), q("geopoint", "where")], YES_NO).read()
    client = signed_in("rita")
    refused = client.post(IMPORT, {"file": upload("form.xlsx", file)})
    assert refused.status_code == 400 and not Survey.objects.exists()
    response = client.post(IMPORT, {"file": upload("form.xlsx", file), "partial": "on"})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert 'id="xlsform-left-out"' in report
    assert "<td>survey</td><td>3</td><td>type “geopoint” is not supported</td>" in report
