"""Personal API tokens: what is stored, what authenticates, the account page and the admin.

Expected words are our msgids passed through gettext in the page's language, so the tests hold
before and after the kk/ru catalogues carry them.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import ApiToken, AuditEvent
from accounts.tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_token_revoke_any,
)

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"
NO_NAME = "Give the token a name, so that you can tell it apart later."
PAST = "The expiry date must be in the future."


def in_language(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return gettext(msgid)


def browser(user, lang: str = "ru") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def aigerim():
    return get_user_model().objects.create_user("aigerim", password="pw-123456")


@pytest.fixture
def bolat():
    return get_user_model().objects.create_user("bolat", password="pw-123456")


# The services


def test_only_the_digest_is_stored_and_the_text_authenticates(aigerim):
    token, text = api_token_create(user=aigerim, name="Power BI")
    assert re.fullmatch(rf"snm_{token.prefix}_[\w-]{{40,}}", text)
    secret = text[len(f"snm_{token.prefix}_") :]  # the secret may itself hold "_"
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in row.values())
    assert api_token_authenticate(text=text) == token


def test_another_tokens_secret_under_a_valid_prefix_is_refused(aigerim, bolat):
    mine, _text = api_token_create(user=aigerim, name="mine")
    theirs, text = api_token_create(user=bolat, name="theirs")
    secret = text[len(f"snm_{theirs.prefix}_") :]
    assert api_token_authenticate(text=f"snm_{mine.prefix}_{secret}") is None
    assert api_token_authenticate(text=f"snm_{mine.prefix}_") is None
    assert api_token_authenticate(text=f"{mine.prefix}_{secret}") is None


def test_revoked_and_expired_tokens_and_inactive_users_are_refused(aigerim, bolat):
    revoked, revoked_text = api_token_create(user=aigerim, name="revoked")
    api_token_revoke(user=aigerim, token_id=revoked.pk)
    expired, expired_text = api_token_create(
        user=aigerim, name="expired", expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    _token, inactive_text = api_token_create(user=bolat, name="left")
    get_user_model().objects.filter(pk=bolat.pk).update(is_active=False)
    for text in (revoked_text, expired_text, inactive_text):
        assert api_token_authenticate(text=text) is None


def test_the_last_use_is_recorded(aigerim):
    token, text = api_token_create(user=aigerim, name="script")
    assert token.last_used_at is None
    api_token_authenticate(text=text)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)
    long_ago = timezone.now() - timedelta(days=3)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    api_token_authenticate(text=text)
    token.refresh_from_db()
    assert token.last_used_at > long_ago


@pytest.mark.parametrize("name", ["", "   "])
def test_a_token_needs_a_name(aigerim, name):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=aigerim, name=name)
    assert refused.value.messages == [gettext(NO_NAME)]
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused(aigerim):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=aigerim, name="x", expires_at=timezone.now() - timedelta(minutes=1))
    assert refused.value.messages == [gettext(PAST)]
    assert not ApiToken.objects.exists()


def test_making_and_revoking_are_audited_once(aigerim):
    token, _text = api_token_create(user=aigerim, name="Excel")
    api_token_revoke(user=aigerim, token_id=token.pk)
    api_token_revoke(user=aigerim, token_id=token.pk)
    events = AuditEvent.objects.filter(user=aigerim).order_by("pk")
    assert [e.action for e in events] == [
        AuditEvent.Action.TOKEN_CREATE,
        AuditEvent.Action.TOKEN_REVOKE,
    ]
    assert all(e.detail == {"token": token.prefix, "name": "Excel"} for e in events)


def test_nobody_revokes_anothers_token_through_the_owners_service(aigerim, bolat):
    token, text = api_token_create(user=aigerim, name="mine")
    assert api_token_revoke(user=bolat, token_id=token.pk) is None
    assert api_token_authenticate(text=text) == token


def test_a_superuser_revokes_anyones_token_in_their_own_name(aigerim, bolat):
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    token, text = api_token_create(user=aigerim, name="leaked")
    with pytest.raises(PermissionDenied):
        api_token_revoke_any(token_id=token.pk, by=bolat)
    assert api_token_revoke_any(token_id=token.pk, by=root).revoked_at is not None
    api_token_revoke_any(token_id=token.pk, by=root)
    assert api_token_authenticate(text=text) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKE)
    assert event.user == root
    assert event.detail == {"token": token.prefix, "name": "leaked", "owner": "aigerim"}


# The account page


def test_the_page_asks_to_sign_in_first():
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={PAGE}"


def test_the_page_lists_ones_own_tokens_with_their_status(aigerim, bolat):
    active, _ = api_token_create(user=aigerim, name="Active one")
    revoked, _ = api_token_create(user=aigerim, name="Revoked one")
    api_token_revoke(user=aigerim, token_id=revoked.pk)
    expired, _ = api_token_create(user=aigerim, name="Expired one")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    api_token_create(user=bolat, name="Bolat's own")
    html = browser(aigerim).get(PAGE).content.decode()
    rows = dict(re.findall(r'<tr id="token-(\d+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {str(active.pk), str(revoked.pk), str(expired.pk)}
    assert f"snm_{active.prefix}_…" in rows[str(active.pk)]
    with translation.override("ru"):
        for token, status in ((active, "active"), (revoked, "revoked"), (expired, "expired")):
            assert f">{gettext(status)}</span>" in rows[str(token.pk)]
    assert f'action="/accounts/tokens/{active.pk}/revoke/"' in rows[str(active.pk)]
    assert "/revoke/" not in rows[str(revoked.pk)] + rows[str(expired.pk)]
    assert 'href="/api/v1/docs/"' in html
    assert 'id="nav-tokens" href="/accounts/tokens/"' in html


def test_a_new_token_is_shown_once_and_works(aigerim):
    client = browser(aigerim)
    made = client.post(PAGE, {"name": "Power BI", "expires_on": ""})
    assert made.status_code == 201
    assert "no-store" in made["Cache-Control"]
    html = made.content.decode()
    text = re.search(r'id="token-text"[^>]*value="([^"]+)"', html).group(1)
    token = ApiToken.objects.get(user=aigerim)
    assert api_token_authenticate(text=text) == token and token.expires_at is None
    assert (
        f'Authorization: Token {text}" http://testserver/api/v1/surveys/' in made.content.decode()
    )
    again = client.get(PAGE)
    assert text not in again.content.decode() and 'id="token-text"' not in again.content.decode()
    assert f"snm_{token.prefix}_…" in again.content.decode()


def test_the_last_day_is_kept_to_its_end(aigerim):
    today = timezone.localdate()
    made = browser(aigerim).post(PAGE, {"name": "Until tonight", "expires_on": today.isoformat()})
    assert made.status_code == 201
    expires = timezone.localtime(ApiToken.objects.get(user=aigerim).expires_at)
    assert expires.date() == today and (expires.hour, expires.minute) == (23, 59)


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize(
    "data, msgid",
    [({"name": " "}, NO_NAME), ({"name": "x", "expires_on": "2001-01-01"}, PAST)],
)
def test_a_refusal_shows_on_the_form_in_the_users_language(aigerim, lang, data, msgid):
    response = browser(aigerim, lang).post(PAGE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert in_language(lang, msgid) in html
    assert in_language(lang, "API tokens") in html
    assert 'id="token-text"' not in html
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token(aigerim):
    token, text = api_token_create(user=aigerim, name="Old script")
    client = browser(aigerim)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert api_token_authenticate(text=text) is None
    html = client.get(PAGE).content.decode()
    with translation.override("ru"):
        done = gettext("The token “%(name)s” is revoked: requests with it are refused from now on.")
    assert done % {"name": "Old script"} in html


def test_revoking_anothers_token_is_not_found(aigerim, bolat):
    token, text = api_token_create(user=bolat, name="Bolat's")
    response = browser(aigerim).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert api_token_authenticate(text=text) == token
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKE).exists()


# The admin


def test_the_admin_lists_tokens_for_superusers_only_without_digests(aigerim):
    token, _text = api_token_create(user=aigerim, name="Power BI")
    staff = get_user_model().objects.create_user("staff", password="pw-123456", is_staff=True)
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    changelist = reverse("admin:accounts_apitoken_changelist")
    assert browser(staff).get(changelist).status_code == 403
    html = browser(root).get(changelist).content.decode()
    assert f"snm_{token.prefix}_…" in html and token.digest not in html
    change = browser(root).get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert change.status_code == 200 and token.digest not in change.content.decode()
    assert browser(root).get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_the_admin_action_revokes_through_the_service(aigerim):
    token, text = api_token_create(user=aigerim, name="leaked")
    root = get_user_model().objects.create_superuser("root", password="pw-123456")
    changelist = reverse("admin:accounts_apitoken_changelist")
    response = browser(root).post(
        changelist, {"action": "revoke_selected", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert api_token_authenticate(text=text) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKE)
    assert event.user == root and event.detail["owner"] == "aigerim"
