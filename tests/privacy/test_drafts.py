"""Drafts against the people who run a survey and anyone holding a link (issue 11, item 6).

A completed response keeps no resume key and, in an anonymous survey, no time finer than the day;
a draft of an invitation survey opens only with its invitation; drafts expire and are purged; and
`start` cannot be used to fill the table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Invitation, InvitationUse
from accounts.roles import RESEARCHER
from surveys.drafts import (
    client_address,
    draft_is_expired,
    drafts_purge,
    invitation_tag_for,
    invitation_tag_matches,
)
from surveys.models import Answer, Response, Survey
from surveys.services import day_of, response_start
from surveys.tasks import drafts_purge as drafts_purge_task
from tests.surveys.admin_support import VALID_ANSWERS
from tests.surveys.builder_support import client_for, draft_build

pytestmark = pytest.mark.django_db

SLUG = "mini"
PAGES = (
    {"level": "local", "years": "5"},
    {k: v for k, v in VALID_ANSWERS.items() if k not in ("level", "years")},
)


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invite_only(mini_survey) -> Survey:
    Survey.objects.filter(pk=mini_survey.pk).update(access=Survey.Access.INVITATION)
    mini_survey.refresh_from_db()
    return mini_survey


def invitation_new(survey: Survey, n: int = 0) -> Invitation:
    return Invitation.objects.create(survey=survey, email=f"person{n}@example.kz")


class Browser:
    """One respondent's browser: a session of its own."""

    def __init__(self, language: str = "kk", address: str = "10.0.0.1") -> None:
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address)
        self.key: str | None = None

    def open(self, invitation: Invitation) -> Any:
        return self.client.get(reverse("surveys:invitation", args=[SLUG, invitation.token]))

    def start(self) -> Any:
        started = self.client.post(reverse("surveys:start", args=[SLUG]))
        if started.status_code == 302:
            self.key = started["Location"].rstrip("/").rsplit("/", 1)[-1]
        return started

    def page(self, number: int, key: str | None = None) -> str:
        return reverse("surveys:page", args=[SLUG, key or self.key, number])

    def post(self, number: int, fields: dict, action: str = "next", key: str | None = None):
        return self.client.post(self.page(number, key), {**fields, "action": action})

    def answer(self) -> Any:
        assert self.post(1, PAGES[0]).status_code == 302
        return self.post(2, PAGES[1], "submit")


def text_in(language: str, msgid: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


# Completion


def test_a_completed_response_keeps_no_key_no_tag_and_only_the_day(invite_only):
    browser = Browser()
    browser.open(invitation_new(invite_only))
    browser.start()
    draft = Response.objects.get()
    assert draft.invitation_tag and draft.key

    done = browser.answer()

    assert done["Location"] == reverse("surveys:thanks", args=[SLUG])
    response = Response.objects.get()
    assert response.status == Response.Status.COMPLETE
    assert response.key is None and response.invitation_tag == ""
    midnight = day_of(timezone.now())
    assert response.submitted_at == midnight and response.updated_at == midnight
    assert response.started_at == day_of(draft.started_at)
    local = timezone.localtime(response.submitted_at)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert InvitationUse.objects.count() == 1


def test_a_survey_that_is_not_anonymous_keeps_the_exact_times(mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(anonymous=False)
    browser = Browser()
    browser.start()
    before = timezone.now()
    browser.answer()
    response = Response.objects.get()
    assert response.key is None
    assert response.submitted_at >= before


def test_the_thank_you_is_for_the_session_that_completed(mini_survey):
    browser = Browser("ru")
    browser.start()
    key = browser.key
    thanks = browser.client.get(browser.answer()["Location"])
    assert thanks.status_code == 200 and "Спасибо" in thanks.text
    # Anyone else is sent to the welcome page: the thank-you says nothing about anyone.
    other = Client().get(reverse("surveys:thanks", args=[SLUG]))
    assert other["Location"] == reverse("surveys:welcome", args=[SLUG])
    # The old address with the key still leads to the thank-you.
    old = browser.client.get(f"/s/{SLUG}/r/{key}/thanks/")
    assert old["Location"] == reverse("surveys:thanks", args=[SLUG])
    # The completing session's repeated submit and a reload of a page land on the thank-you.
    again = browser.post(2, PAGES[1], "submit", key=key)
    assert again["Location"] == reverse("surveys:thanks", args=[SLUG])
    assert browser.client.get(browser.page(1, key))["Location"] == again["Location"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_completed_drafts_old_key_leads_nowhere_for_anyone_else(mini_survey, language):
    browser = Browser()
    browser.start()
    key = browser.key
    browser.answer()
    rows = sorted(Answer.objects.values_list("question_id", "option_id", "row_id", "value_int"))
    stranger = Client(HTTP_ACCEPT_LANGUAGE=language)
    expected = text_in(
        language,
        "This link no longer leads to an unfinished response: the answers were submitted, "
        "or they were not finished in time and have been deleted.",
    )
    for url in (reverse("surveys:resume", args=[SLUG, key]), browser.page(1, key)):
        page = stranger.get(url)
        assert page.status_code == 404 and expected in page.text
    overwrite = stranger.post(browser.page(1, key), {**PAGES[0], "action": "next"})
    assert overwrite.status_code == 404
    after = sorted(Answer.objects.values_list("question_id", "option_id", "row_id", "value_int"))
    assert after == rows


# Invitation drafts


def test_the_tag_is_a_keyed_hash_of_the_token(settings):
    tag = invitation_tag_for("abc")
    assert len(tag) == 64 and "abc" not in tag
    settings.SECRET_KEY = "another-secret"
    assert invitation_tag_for("abc") != tag
    draft = Response(invitation_tag=invitation_tag_for("abc"))
    assert invitation_tag_matches(response=draft, token="abc")
    assert not invitation_tag_matches(response=draft, token="abd")
    assert not invitation_tag_matches(response=draft, token=None)
    assert not invitation_tag_matches(response=Response(invitation_tag=""), token="abc")


def test_another_drafts_key_neither_opens_nor_overwrites_it(invite_only):
    owner, intruder, keyless = Browser(), Browser(), Browser()
    owner.open(invitation_new(invite_only, 0))
    owner.start()
    assert owner.post(1, PAGES[0]).status_code == 302
    intruder.open(invitation_new(invite_only, 1))  # an invitation of its own
    refusal = text_in(
        "kk",
        "This survey is by invitation only. "
        "Please open the personal link from your invitation on this device.",
    )
    urls = (reverse("surveys:resume", args=[SLUG, owner.key]), owner.page(1), owner.page(2))
    for browser in (intruder, keyless):
        for url in urls:
            page = browser.client.get(url)
            assert page.status_code == 403 and refusal in page.text, url
            assert 'value="5"' not in page.text  # never the draft's answers
        overwrite = browser.post(1, {"level": "central", "years": "40"}, key=owner.key)
        submit = browser.post(2, PAGES[1], "submit", key=owner.key)
        assert overwrite.status_code == submit.status_code == 403
    draft = Response.objects.get(key=owner.key)
    assert draft.status == Response.Status.DRAFT
    assert Answer.objects.filter(response=draft, value_int=40).count() == 0
    assert not InvitationUse.objects.exists()


def test_the_invitee_resumes_in_a_new_session_after_reopening_the_link(invite_only):
    invitation = invitation_new(invite_only)
    laptop = Browser()
    laptop.open(invitation)
    laptop.start()
    assert laptop.post(1, PAGES[0]).status_code == 302

    phone = Browser()
    # The key alone is not enough ...
    assert phone.client.get(laptop.page(2)).status_code == 403
    # ... with the invitation link opened again, the draft continues, from the welcome page too.
    phone.open(invitation)
    welcome = phone.client.get(reverse("surveys:welcome", args=[SLUG]))
    assert reverse("surveys:resume", args=[SLUG, laptop.key]) in welcome.text
    assert phone.start()["Location"] == reverse("surveys:resume", args=[SLUG, laptop.key])
    assert Response.objects.count() == 1
    assert phone.client.get(laptop.page(2)).status_code == 200
    phone.key = laptop.key
    assert phone.post(2, PAGES[1], "submit")["Location"] == reverse("surveys:thanks", args=[SLUG])
    assert Response.objects.get().status == Response.Status.COMPLETE


def test_a_draft_started_with_one_invitation_is_not_continued_with_another(invite_only):
    browser = Browser()
    browser.open(invitation_new(invite_only, 0))
    browser.start()
    first = browser.key
    browser.open(invitation_new(invite_only, 1))  # someone else's link, same browser
    assert browser.start()["Location"] != reverse("surveys:resume", args=[SLUG, first])
    assert Response.objects.count() == 2
    assert browser.client.get(reverse("surveys:resume", args=[SLUG, first])).status_code == 403


# Expiry


def age(response: Response, days: float) -> None:
    Response.objects.filter(pk=response.pk).update(updated_at=timezone.now() - timedelta(days=days))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_draft_not_saved_for_draft_days_is_gone_with_a_clear_page(mini_survey, language):
    browser = Browser(language)
    browser.start()
    assert browser.post(1, PAGES[0]).status_code == 302
    draft = Response.objects.get()
    age(draft, mini_survey.draft_days + 0.01)
    with translation.override(language):
        expected = translation.ngettext(
            "This unfinished response has expired: answers not submitted within %(days)s day "
            "of the last save, or before the survey closed, are deleted.",
            "This unfinished response has expired: answers not submitted within %(days)s days "
            "of the last save, or before the survey closed, are deleted.",
            30,
        ) % {"days": 30}
    for url in (reverse("surveys:resume", args=[SLUG, browser.key]), browser.page(1)):
        page = browser.client.get(url)
        assert page.status_code == 410 and expected in page.text
        assert 'value="5"' not in page.text
    assert browser.post(2, PAGES[1], "submit").status_code == 410
    assert Response.objects.get().status == Response.Status.DRAFT
    # The welcome page offers a new start, and starting makes a new draft.
    welcome = browser.client.get(reverse("surveys:welcome", args=[SLUG]))
    assert browser.key not in welcome.text
    browser.start()
    assert Response.objects.count() == 2


def test_a_draft_saved_recently_is_kept(mini_survey):
    draft = response_start(survey=mini_survey, language="kk")
    age(draft, mini_survey.draft_days - 0.5)
    draft.refresh_from_db()
    assert not draft_is_expired(response=draft)
    assert drafts_purge() == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Survey.Status.CLOSED},
        {"closes_at": timezone.now() - timedelta(minutes=1)},
    ],
    ids=["closed", "closing time passed"],
)
def test_every_draft_of_a_closed_survey_is_expired(mini_survey, changes):
    browser = Browser("ru")
    browser.start()
    if "closes_at" in changes:
        Survey.objects.filter(pk=mini_survey.pk).update(opens_at=timezone.now() - timedelta(days=2))
    Survey.objects.filter(pk=mini_survey.pk).update(**changes)
    assert browser.client.get(browser.page(1)).status_code == 410
    assert drafts_purge() == 1
    assert not Response.objects.exists()


def test_the_purge_deletes_expired_drafts_with_their_answers_in_batches_and_only_them(
    mini_survey, mini_schema
):
    from surveys.services import response_create, response_save_page

    complete = response_create(survey=mini_survey, data=VALID_ANSWERS, language="kk", source="web")
    old_complete_rows = Answer.objects.filter(response=complete).count()
    Response.objects.filter(pk=complete.pk).update(updated_at=timezone.now() - timedelta(days=400))
    drafts = [response_start(survey=mini_survey, language="kk") for _ in range(7)]
    for draft in drafts:
        response_save_page(
            response=draft,
            schema=mini_schema,
            section=mini_schema.sections[0].code,
            data=PAGES[0],
            language="kk",
            enforce_required=False,
        )
    for draft in drafts[:5]:
        age(draft, 31)

    assert drafts_purge(batch_size=2) == 5
    assert drafts_purge() == 0  # idempotent
    assert drafts_purge_task.apply().get() == 0  # the beat task calls the same service

    assert set(Response.objects.values_list("pk", flat=True)) == {
        complete.pk,
        drafts[5].pk,
        drafts[6].pk,
    }
    assert not Answer.objects.filter(response_id__in=[d.pk for d in drafts[:5]]).exists()
    assert Answer.objects.filter(response=complete).count() == old_complete_rows
    assert Answer.objects.filter(response_id__in=[d.pk for d in drafts[5:]]).count() == 4


def test_each_survey_expires_drafts_after_its_own_draft_days(mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(draft_days=3)
    draft = response_start(survey=mini_survey, language="kk")
    age(draft, 2)
    assert drafts_purge() == 0
    age(draft, 3.01)
    assert drafts_purge() == 1


# The start rate limit


@pytest.fixture
def limit(settings):
    settings.START_RATE_LIMIT = 3
    settings.START_RATE_WINDOW = 600
    return 3


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_starts_beyond_the_limit_create_no_row_and_say_when_to_try_again(
    mini_survey, limit, language
):
    replies = [
        Client(HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="10.0.0.7").post(
            reverse("surveys:start", args=[SLUG])
        )
        for _ in range(limit + 1)
    ]
    assert [r.status_code for r in replies] == [302] * limit + [429]
    assert Response.objects.count() == limit
    refused = replies[-1]
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert f'<html lang="{language}">' in refused.text
    with translation.override(language):
        expected = translation.ngettext(
            "Too many responses have been started from this network in a short time. "
            "Please try again in %(minutes)s minute.",
            "Too many responses have been started from this network in a short time. "
            "Please try again in %(minutes)s minutes.",
            10,
        )
    assert expected.split("%(minutes)s")[0] in refused.text
    # Another address is not affected, nor the same address on another survey's count.
    other = Client(REMOTE_ADDR="10.0.0.8").post(reverse("surveys:start", args=[SLUG]))
    assert other.status_code == 302 and Response.objects.count() == limit + 1


def test_continuing_the_sessions_draft_does_not_count(mini_survey, limit):
    browser = Browser(address="10.0.0.9")
    for _ in range(limit * 3):
        assert browser.start().status_code == 302
    assert Response.objects.count() == 1
    for _ in range(limit - 1):
        assert Browser(address="10.0.0.9").start().status_code == 302
    assert Browser(address="10.0.0.9").start().status_code == 429


def test_the_window_passes_and_starts_are_allowed_again(mini_survey, limit, monkeypatch):
    import surveys.drafts

    now = [1_000_000 * 600.0]
    monkeypatch.setattr(surveys.drafts.time, "time", lambda: now[0])
    for _ in range(limit):
        assert Browser().start().status_code == 302
    refused = Browser().start()
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    now[0] += 600
    assert Browser().start().status_code == 302


def test_the_client_is_counted_by_its_address_and_an_ipv6_client_by_its_network(settings):
    assert client_address({"REMOTE_ADDR": "192.0.2.1"}) == "192.0.2.1"
    a = client_address({"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"})
    b = client_address({"REMOTE_ADDR": "2001:db8:1:2:bbbb::9"})
    assert a == b == "2001:db8:1:2::"
    assert client_address({"REMOTE_ADDR": "2001:db8:1:3::1"}) != a
    # Behind a proxy: the header it sets, its last entry; REMOTE_ADDR when the header is missing.
    settings.START_RATE_CLIENT_META = "HTTP_X_FORWARDED_FOR"
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}
    assert client_address(meta) == "203.0.113.5"
    assert client_address({"REMOTE_ADDR": "127.0.0.1"}) == "127.0.0.1"


def test_an_unreachable_cache_lets_respondents_start(mini_survey, limit, monkeypatch):
    import surveys.drafts

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(surveys.drafts.cache, "add", down)
    for _ in range(limit + 2):
        assert Browser().start().status_code == 302


# The builder's settings


def test_the_draft_and_reminder_settings_are_saved_from_the_builder():
    rita = client_for("rita", RESEARCHER)
    draft_build(rita.user)
    fields = {
        "settings-title_kk": "Толқын",
        "settings-title_ru": "Волна",
        "settings-default_language": "kk",
        "settings-access": "invitation",
        "settings-min_cell_size": "5",
    }
    url = reverse("builder:settings", kwargs={"slug": "wave"})
    page = rita.get(reverse("builder:edit", kwargs={"slug": "wave"})).content.decode()
    for name in ("draft_days", "reminder_after_days", "reminder_max"):
        assert f'name="settings-{name}"' in page

    saved = rita.post(
        url,
        {
            **fields,
            "settings-draft_days": "14",
            "settings-reminder_after_days": "5",
            "settings-reminder_max": "2",
        },
    )
    assert saved.status_code == 302
    wave = Survey.objects.get(slug="wave")
    assert (wave.draft_days, wave.reminder_after_days, wave.reminder_max) == (14, 5, 2)

    # Not posted: kept as they are.
    assert rita.post(url, fields).status_code == 302
    wave.refresh_from_db()
    assert (wave.draft_days, wave.reminder_after_days, wave.reminder_max) == (14, 5, 2)

    refused = rita.post(url, {**fields, "settings-draft_days": "0"})
    assert refused.status_code == 400
    wave.refresh_from_db()
    assert wave.draft_days == 14


def test_imports_keep_no_key_and_in_an_anonymous_survey_only_the_day(mini_survey):
    from surveys.services import response_create

    at = datetime(2022, 11, 10, 4, 30, tzinfo=UTC)
    kept = response_create(
        survey=mini_survey, data=VALID_ANSWERS, language="kk", source="import", submitted_at=at
    )
    Survey.objects.filter(pk=mini_survey.pk).update(anonymous=False)
    mini_survey.refresh_from_db()
    exact = response_create(
        survey=mini_survey, data=VALID_ANSWERS, language="kk", source="import", submitted_at=at
    )
    kept.refresh_from_db()
    exact.refresh_from_db()
    assert kept.key is None and exact.key is None
    assert kept.submitted_at == day_of(at) == kept.started_at
    assert kept.updated_at == day_of(timezone.now())  # the day of the import
    assert timezone.localtime(kept.submitted_at).date().isoformat() == "2022-11-10"
    assert exact.submitted_at == at
