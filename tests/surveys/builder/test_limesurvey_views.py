"""The LimeSurvey import page /build/import/limesurvey/ and the import_limesurvey command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from surveys.models import Survey
from tests.surveys.builder.test_xlsform_views import english, signed_in, upload  # noqa: F401
from tests.surveys.formats.limesurvey_support import group, lss, question

pytestmark = pytest.mark.django_db
IMPORT = "/build/import/limesurvey/"
YES_NO = [("A1", {"en": "Yes", "ru": "Да"}), ("A2", {"en": "No", "ru": "Нет"})]


def english_russian(*extra) -> bytes:
    works = question("Q1", "L", {"en": "Works?", "ru": "Работаете?"}, answers=YES_NO)
    return lss([group({"en": "G", "ru": "Г"}, [works, *extra])], languages=("en", "ru"))


def test_the_url_is_the_contract_and_the_builder_links_to_it():
    assert reverse("limesurvey:import") == IMPORT
    page = signed_in("rita").get(reverse("builder:list")).content.decode()
    assert f'href="{IMPORT}"' in page


def test_a_researcher_imports_and_sees_the_report_and_the_draft():
    client = signed_in("rita")
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": upload("wave.lss", english_russian())})
    assert response.status_code == 200
    survey = Survey.objects.get(slug="wave")
    assert survey.owner.username == "rita" and survey.status == "draft"
    page = response.content.decode()
    assert reverse("builder:edit", args=["wave"]) in page
    assert "the Russian texts are those in “ru”" in page
    assert survey.questions.get().text_ru == "Работаете?"


def test_languages_and_partial_are_chosen_on_the_page():
    later = question("Q2", "D", {"en": "When?", "ru": "Когда?"})
    client = signed_in("rita")
    response = client.post(IMPORT, {"file": upload("a.lss", english_russian(later))})
    assert response.status_code == 400 and "date" in response.content.decode()
    response = client.post(
        IMPORT,
        {"file": upload("a.lss", english_russian(later)), "kk": "en", "partial": "on", "slug": "x"},
    )
    assert response.status_code == 200
    assert Survey.objects.get(slug="x").questions.get().text_kk == "Works?"
    assert "Q2" in response.content.decode() and "left out" in response.content.decode()


def test_the_file_languages_are_offered_after_a_refusal():
    content = lss([group({"en": "G"}, [question("Q1", "S", {"en": "Hi"})])], languages=("en", "de"))
    response = signed_in("rita").post(IMPORT, {"file": upload("a.lss", content)})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="lss-language-list"' in page
    assert '<option value="de">' in page


def test_another_extension_is_refused_by_the_form():
    response = signed_in("rita").post(IMPORT, {"file": upload("a.xml", english_russian())})
    assert response.status_code == 400 and not Survey.objects.exists()


def test_only_researchers_may_import():
    assert signed_in("olga", group=None).get(IMPORT).status_code == 403
    assert signed_in("olga2", group=None).post(IMPORT, {}).status_code == 403
    response = signed_in("root", group=None, is_superuser=True).get(IMPORT)
    assert response.status_code == 200


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(IMPORT)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_command_imports_and_prints_the_report(tmp_path, capsys):
    path = tmp_path / "wave.lss"
    path.write_bytes(english_russian())
    call_command("import_limesurvey", str(path), "--kk", "en", "--language", "ru")
    out = capsys.readouterr().out
    assert Survey.objects.get(slug="wave").questions.get().text_kk == "Works?"
    assert "wave" in out and "ru" in out


def test_the_command_refuses_with_every_problem_and_partial_imports(tmp_path):
    path = tmp_path / "wave.lss"
    path.write_bytes(english_russian(question("Q2", "R", {"en": "Rank", "ru": "Ранжируйте"})))
    with pytest.raises(CommandError, match="Q2: ") as caught:
        call_command("import_limesurvey", str(path), "--language", "kk")
    assert "nothing was stored" in str(caught.value) or not Survey.objects.exists()
    call_command("import_limesurvey", str(path), "--partial", "--slug", "part")
    assert list(Survey.objects.get(slug="part").questions.values_list("code", flat=True)) == ["q1"]


def test_the_command_names_an_unknown_owner(tmp_path):
    path = tmp_path / "wave.lss"
    path.write_bytes(english_russian())
    with pytest.raises(CommandError):
        call_command("import_limesurvey", str(path), "--owner", "nobody")
