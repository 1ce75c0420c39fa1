import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"), [("kk", "Бет табылмады"), ("ru", "Страница не найдена")]
)
def test_a_missing_page_is_explained_in_the_visitors_language(language, text):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/s/no-such-survey/")
    assert page.status_code == 404
    assert text in page.content.decode()


@pytest.mark.django_db
def test_an_expired_form_says_the_saved_answers_are_kept():
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ru")
    page = client.post("/s/any/start/")
    assert page.status_code == 403
    assert "сохранили на предыдущих страницах, не потеряны" in page.content.decode()
