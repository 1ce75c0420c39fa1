"""The sign-in pages in Kazakh and Russian, the password reset e-mail, and login throttling.

Expected words are our msgids passed through gettext in the page's language, so the tests hold
before and after the kk/ru catalogues carry them.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

PASSWORD = "steppe-wind-2022"
NEW_PASSWORD = "caspian-shore-2024"
LANGUAGES = ("kk", "ru")


def in_language(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return gettext(msgid)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="aigerim", email="aigerim@example.kz", password=PASSWORD
    )


@pytest.fixture
def axes_on(settings):
    """Throttling as in production; test settings keep it off for `Client.login()`."""
    settings.AXES_ENABLED = True


def sign_in(client: Client, username: str, password: str, url: str = "/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


# --- the pages in both languages -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("login", "Sign in"),
        ("password_reset", "Reset your password"),
        ("password_reset_done", "Check your e-mail"),
        ("password_reset_complete", "Password saved"),
    ],
)
def test_sign_in_pages_follow_the_browser_language(client, lang, url_name, heading):
    response = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    assert html_lang(response) == lang
    assert in_language(lang, heading) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_in_page_follows_the_language_cookie(client, lang):
    other = "ru" if lang == "kk" else "kk"
    client.cookies["django_language"] = lang
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=other)
    body = response.content.decode()
    assert html_lang(response) == lang
    assert 'name="username"' in body and 'name="password"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert in_language(lang, "Forgot your password?") in body
    assert 'method="post"' in body


# --- sign in, sign out, change the password --------------------------------------------------


@pytest.mark.django_db
def test_signing_in_leads_to_the_results(client, user):
    response = sign_in(client, "aigerim", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/results/"
    assert signed_in(client)


@pytest.mark.django_db
def test_signing_in_returns_to_the_page_asked_for(client, user):
    response = client.post(
        "/accounts/login/", {"username": "aigerim", "password": PASSWORD, "next": "/s/"}
    )
    assert response["Location"] == "/s/"


@pytest.mark.django_db
def test_a_wrong_password_shows_the_form_again(client, user):
    response = sign_in(client, "aigerim", "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not signed_in(client)


@pytest.mark.django_db
def test_results_send_a_stranger_to_our_sign_in_page(client):
    response = client.get("/results/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/results/")


@pytest.mark.django_db
def test_signing_out_takes_a_post_and_leads_home(client, user):
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_header_links_sign_out_through_a_post_form(user):
    request = RequestFactory().get("/")
    request.user = user
    html = render_to_string("registration/account_nav.html", {"user": user}, request=request)
    form = re.search(r"<form[^>]*>.*?</form>", html, re.S).group(0)
    assert 'method="post"' in form and 'action="/accounts/logout/"' in form
    assert "csrfmiddlewaretoken" in form


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_signed_in_user_changes_the_password(client, user, lang):
    client.force_login(user)
    page = client.get("/accounts/password_change/", HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200 and html_lang(page) == lang
    assert 'name="old_password"' in page.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    done = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=lang)
    assert in_language(lang, "Your password has been changed.") in done.content.decode()


# --- password reset by e-mail -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_password_reset_mails_a_working_link_in_the_asking_language(
    client, user, lang, monkeypatch
):
    composed_in: list[str] = []
    original = PasswordResetForm.send_mail

    def recording_send_mail(self, *args, **kwargs):
        composed_in.append(translation.get_language())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PasswordResetForm, "send_mail", recording_send_mail)
    response = client.post(
        "/accounts/password_reset/", {"email": "aigerim@example.kz"}, HTTP_ACCEPT_LANGUAGE=lang
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"

    assert composed_in == [lang]
    [message] = mail.outbox
    assert message.to == ["aigerim@example.kz"]
    assert message.subject == in_language(lang, "Reset your Saualnama password")
    assert in_language(lang, "The link works only once.") in message.body
    assert "aigerim" in message.body

    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE=lang)
    assert form_page.context["validlink"] and html_lang(form_page) == lang
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/reset/done/"
    assert sign_in(Client(), "aigerim", NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_used_reset_link_says_it_no_longer_works(client, user):
    client.post("/accounts/password_reset/", {"email": "aigerim@example.kz"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link, follow=True, HTTP_ACCEPT_LANGUAGE="ru")
    assert not again.context["validlink"]
    assert in_language("ru", "This link no longer works") in again.content.decode()


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, user):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.kz"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


# --- throttling -------------------------------------------------------------------------------


def fail_times(client: Client, username: str, times: int, url: str = "/accounts/login/"):
    return [sign_in(client, username, f"guess-{i}", url).status_code for i in range(times)]


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_username(client, user, django_user_model, axes_on):
    assert fail_times(client, "aigerim", 4) == [200] * 4
    locked = sign_in(client, "aigerim", "guess-5")
    assert locked.status_code == 429
    assert "axes/lockout.html" in [t.name for t in locked.templates]

    # The right password no longer helps while the lock lasts.
    refused = sign_in(client, "aigerim", PASSWORD)
    assert refused.status_code == 429
    assert not signed_in(client)

    # Another username from the same address is not affected.
    django_user_model.objects.create_user(username="nurlan", password=PASSWORD)
    assert sign_in(client, "nurlan", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_holds_one_username_at_one_address(user, axes_on):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail_times(attacker, "aigerim", 5)
    assert sign_in(attacker, "aigerim", PASSWORD).status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(owner, "aigerim", PASSWORD).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lockout_page_says_when_to_try_again(client, user, axes_on, lang):
    fail_times(client, "aigerim", 4)
    response = sign_in(client, "aigerim", "guess-5", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 429
    assert html_lang(response) == lang
    body = response.content.decode()
    with translation.override(lang):
        heading = gettext("Too many sign-in attempts")
        when = ngettext("Try again in %(minutes)s minute.", "Try again in %(minutes)s minutes.", 15)
    assert heading in body
    assert when % {"minutes": 15} in body


@pytest.mark.django_db
def test_a_successful_sign_in_forgets_earlier_failures(client, user, axes_on):
    fail_times(client, "aigerim", 4)
    assert sign_in(client, "aigerim", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail_times(client, "aigerim", 4) == [200] * 4
    assert sign_in(client, "aigerim", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_throttled_the_same_way(client, django_user_model, axes_on):
    django_user_model.objects.create_user(username="admin", password=PASSWORD, is_staff=True)
    assert fail_times(client, "admin", 4, url="/admin/login/") == [200] * 4
    assert sign_in(client, "admin", "guess-5", "/admin/login/").status_code == 429
    assert sign_in(client, "admin", PASSWORD, "/admin/login/").status_code == 429
    assert not signed_in(client)


@pytest.mark.django_db
def test_force_login_still_works_with_throttling_on(client, user, axes_on):
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
