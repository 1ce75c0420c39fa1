"""Invitations that reveal nobody: the admin's attacks, mail-merge links, mail jobs, reminders, and
the batch rewrite of uses (its PostgreSQL half is tests/privacy/test_linkage.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.utils import timezone, translation

from accounts import tasks
from accounts.invitations import (
    InvitationUsed,
    invitation_use,
    invitation_uses_settle,
    response_rates,
)
from accounts.mailing import invitations_mail_send
from accounts.models import AuditEvent, Invitation, InvitationUse, MailJob
from accounts.reminders import (
    reminder_round_due,
    reminder_send,
    reminders_create_due,
)
from accounts.roles import RESEARCHER
from surveys.models import Survey
from tests.surveys.admin_support import staff_client

from .test_invitations import invite

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/invitation/"


def _survey(survey: Survey, **fields: Any) -> Survey:
    Survey.objects.filter(pk=survey.pk).update(**fields)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def opened(mini_survey) -> Survey:
    """The mini survey, by invitation, open since yesterday, anonymous (the default)."""
    return _survey(
        mini_survey,
        access=Survey.Access.INVITATION,
        status=Survey.Status.OPEN,
        opens_at=timezone.now() - timedelta(days=1),
    )


@pytest.fixture
def researcher(mini_survey) -> Client:
    """The mini survey's owner, a researcher with the invitation permissions of the role."""
    client = staff_client("rita", RESEARCHER)
    Survey.objects.filter(pk=mini_survey.pk).update(
        owner=get_user_model().objects.get(username="rita")
    )
    return client


@pytest.fixture
def root() -> Client:
    user = get_user_model().objects.create_superuser("root", password="pw-123456")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=["researcher", "superuser"])
def viewer(request, researcher, root) -> Client:
    return researcher if request.param == "researcher" else root


def _people(survey: Survey) -> list[Invitation]:
    """Twelve invitations in two organisations, two regions: a list a researcher would see."""
    people = []
    for organisation, region in (("Akimat", "Almaty"), ("Ministry", "Astana")):
        people += invite(survey, 6, organisation=organisation, region=region)
    return people


def _visible(page: Any) -> str:
    """A page's text without what changes on every request (CSRF tokens)."""
    return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", page.content.decode())


def _normalised(page: Any, invitation: Invitation) -> str:
    """The page with this invitation's own e-mail and id blanked out, to compare with another's."""
    text = _visible(page).replace(invitation.email, "EMAIL")
    for mark in ("/{}/", '"{}"', ">{}<", "={}&", "%2F{}%2F"):
        text = text.replace(mark.format(invitation.pk), mark.format("PK"))
    return text


def _used(invitations: list[Invitation]) -> None:
    for invitation in invitations:
        invitation_use(invitation=invitation)


# 1. The admin: no page, filter, ordering or search tells who answered


ATTACKS = [
    "use__isnull=False",
    "use__isnull=True",
    "use__settled=True",
    "use__settled__exact=0",
    "use=1",
    "use__invitation__isnull=False",
    "use__pk__gt=0",
    "survey__invitations__use__isnull=False",
]


@pytest.mark.parametrize("query", ATTACKS)
def test_a_lookup_on_the_use_is_refused_to_everyone(viewer, opened, query):
    people = _people(opened)
    _used(people[:3])

    page = viewer.get(f"{CHANGELIST}?{query}")

    assert page.status_code == 400  # Django's DisallowedModelAdminLookup, no list at all


ORDERINGS_AND_SEARCHES = [
    "",
    "o=use",
    "o=-use",
    "o=0",
    "o=-1.2",
    "o=5",
    "o=6.-7",
    "q=True",
    "q=1",
    "q=Akimat",
    "q=used",
    "sent_at__isnull=True",
    "language__exact=kk",
]


@pytest.mark.parametrize("query", ORDERINGS_AND_SEARCHES)
def test_the_list_reads_the_same_before_and_after_someone_answers(viewer, opened, query):
    people = _people(opened)
    before = viewer.get(f"{CHANGELIST}?{query}")
    assert before.status_code == 200

    _used(people[:3] + people[7:8])
    after = viewer.get(f"{CHANGELIST}?{query}")

    assert list(after.context["cl"].result_list) == list(before.context["cl"].result_list)
    assert _visible(after) == _visible(before)


def test_every_link_of_the_filter_sidebar_is_allowed(viewer, opened):
    _used(_people(opened)[:2])
    page = viewer.get(CHANGELIST)
    cl = page.context["cl"]
    queries = {c["query_string"] for spec in cl.filter_specs for c in spec.choices(cl)}

    assert len(queries) > 5
    for query in queries:
        assert viewer.get(CHANGELIST + query).status_code == 200, query


def test_an_invitation_page_shows_neither_its_use_nor_its_link(viewer, opened):
    # Two invitations whose ids are not the survey's: a link to the survey would be blanked too.
    used, unused = [i for i in _people(opened) if i.pk != opened.pk][6:8]
    invitation_use(invitation=used)

    pages = [viewer.get(f"{CHANGELIST}{i.pk}/change/") for i in (used, unused)]

    assert [p.status_code for p in pages] == [200, 200]
    for page, invitation in zip(pages, (used, unused), strict=True):
        assert invitation.token not in page.text
    # The two pages differ only where the two invitations do.
    assert _normalised(pages[0], used) == _normalised(pages[1], unused)


def test_invitation_uses_have_no_admin(root):
    assert InvitationUse not in admin.site._registry
    assert root.get("/admin/accounts/invitationuse/").status_code == 404
    assert "invitationuse" not in root.get("/admin/accounts/").text


def test_deleting_an_invitation_of_an_open_anonymous_survey_is_refused_alike(root, opened):
    used, unused = _people(opened)[:2]
    invitation_use(invitation=used)

    pages = [
        root.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [i.pk]})
        for i in (used, unused)
    ]

    assert pages[0].status_code == pages[1].status_code == 200
    texts = [_normalised(p, i) for p, i in zip(pages, (used, unused), strict=True)]
    assert texts[0] == texts[1]
    assert str(InvitationUse._meta.verbose_name).lower() not in texts[0].lower()
    assert Invitation.objects.count() == 12


def test_the_deletion_summary_leaves_the_uses_out(root, draft):
    invitations = _people(draft)[:2]
    # Not locked (a draft, unused), so only the summary itself keeps the use out.
    InvitationUse.objects.bulk_create([InvitationUse(invitation=i) for i in invitations[:1]])
    _survey(draft, anonymous=False)
    site_admin = admin.site._registry[Invitation]
    request = type("R", (), {"user": get_user_model().objects.get(username="root")})()
    deleted, counts, _perms, _protected = site_admin.get_deleted_objects(invitations, request)

    assert len(deleted) == 2 and not any(isinstance(item, list) for item in deleted)
    assert list(counts) == [Invitation._meta.verbose_name_plural]


def test_once_open_organisation_and_region_cannot_be_changed(researcher, opened):
    invitation = _people(opened)[0]
    url = f"{CHANGELIST}{invitation.pk}/change/"

    form = researcher.get(url).context["adminform"].form

    assert "organisation" not in form.fields and "region" not in form.fields
    assert "email" in form.fields  # a mistyped address can still be corrected


def test_once_open_a_reimport_cannot_move_anyone_to_another_group(researcher, opened):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _people(opened)
    csv = "survey,email,organisation,region\nmini,akimat0@example.kz,Ministry,Astana\n"
    upload = SimpleUploadedFile("list.csv", csv.encode())

    page = researcher.post(
        "/admin/accounts/invitation/import/",
        {"resource": "0", "format": "0", "import_file": upload},
    )

    assert page.context.get("confirm_form") is None
    assert Invitation.objects.get(email="akimat0@example.kz").organisation == "Akimat"


# 2. Personal links: a mail-merge download before opening only, audited


@pytest.fixture
def draft(mini_survey) -> Survey:
    return _survey(mini_survey, status=Survey.Status.DRAFT)


def test_links_download_before_opening_is_formula_safe_and_audited(researcher, draft):
    mini_survey = draft
    people = invite(mini_survey, 2, organisation="=HYPERLINK(1)", region="@x", language="ru")
    url = f"/invitations/{mini_survey.slug}/links.csv"

    reply = researcher.get(url)

    assert reply.status_code == 200 and reply["Content-Type"].startswith("text/csv")
    assert reply["Cache-Control"] == "no-store"
    lines = reply.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "email,external_id,organisation,region,language,link"
    assert len(lines) == 3
    for invitation in people:
        row = f"'{invitation.email},,'=HYPERLINK(1),'@x,ru,http://testserver/s/mini/i/{invitation.token}/"
        assert row in lines
    event = AuditEvent.objects.get()
    assert (event.action, event.detail, event.username) == ("links_download", {"count": 2}, "rita")


def test_links_download_when_opening_later(researcher, mini_survey):
    _survey(mini_survey, status=Survey.Status.OPEN, opens_at=timezone.now() + timedelta(days=2))
    invite(mini_survey)
    assert researcher.get(f"/invitations/{mini_survey.slug}/links.csv").status_code == 200


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_links_are_refused_once_the_survey_has_opened(researcher, opened, language):
    invite(opened)
    researcher.cookies["django_language"] = language
    with translation.override(language):
        message = translation.gettext(
            "Personal links can be downloaded only before the survey opens. Once it is open, "
            "whoever holds a list of links could answer in any invitee's name; send the "
            "invitations or reminders from the platform instead."
        )

    reply = researcher.get(f"/invitations/{opened.slug}/links.csv")

    assert reply.status_code == 403
    assert f'<html lang="{language}">' in reply.text
    assert message.replace("'", "&#x27;") in reply.text
    assert not AuditEvent.objects.exists()


def test_links_are_refused_in_a_draft_that_has_been_answered(researcher, draft):
    mini_survey = draft
    invitation_use(invitation=invite(mini_survey)[0])  # opened once, then put back to draft
    assert researcher.get(f"/invitations/{mini_survey.slug}/links.csv").status_code == 403


def test_links_are_for_the_surveys_editors_only(draft):
    mini_survey = draft
    invite(mini_survey)
    url = f"/invitations/{mini_survey.slug}/links.csv"
    assert Client().get(url).status_code == 302
    assert staff_client("sam", RESEARCHER).get(url).status_code == 404
    assert not AuditEvent.objects.exists()


# 3. Invitation e-mails: a job the worker sends, with its progress


def test_the_admin_action_queues_a_job_and_sends_nothing_itself(
    researcher, mini_survey, django_capture_on_commit_callbacks
):
    people = invite(mini_survey, 2, organisation="A")
    no_email = Invitation.objects.create(survey=mini_survey, external_id="E-1", organisation="A")
    chosen = [p.pk for p in [*people, no_email]]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        researcher.post(CHANGELIST, {"action": "send_emails", "_selected_action": chosen})

    assert mail.outbox == [] and len(callbacks) == 1
    job = MailJob.objects.get()
    assert (job.kind, job.status, job.total, job.skipped, job.sent) == (
        "invitations",
        "pending",
        2,
        1,
        0,
    )
    assert sorted(job.invitation_ids) == sorted(chosen)
    event = AuditEvent.objects.get(action=AuditEvent.Action.INVITATIONS_SEND)
    assert event.detail == {"job": job.pk, "count": 3}

    callbacks[0]()  # the commit: the (eager) worker sends

    job.refresh_from_db()
    assert (job.status, job.sent, job.total) == ("complete", 2, 2)
    assert job.finished_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    overview = researcher.get(f"/invitations/{mini_survey.slug}/")
    assert overview.status_code == 200
    assert list(overview.context["jobs"]) == [job]


def test_a_job_run_again_sends_nothing_twice(mini_survey):
    people = invite(mini_survey, 3, organisation="A")
    job = MailJob.objects.create(
        survey=mini_survey, kind="invitations", invitation_ids=[p.pk for p in people], total=3
    )

    assert invitations_mail_send(job_id=job.pk, base_url="https://x/") == 3
    MailJob.objects.filter(pk=job.pk).update(status=MailJob.Status.RUNNING)  # a second delivery
    assert invitations_mail_send(job_id=job.pk, base_url="https://x/") == 0

    assert len(mail.outbox) == 3
    job.refresh_from_db()
    assert (job.status, job.sent) == ("complete", 3)


class FailingAfterOne(EmailBackend):
    """Refuses every message after the first one of a connection."""

    def send_messages(self, messages):
        if getattr(self, "done", False):
            raise OSError("refused: somebody@example.kz")
        self.done = True
        return super().send_messages(messages)


def test_a_job_that_failed_halfway_sends_only_the_rest(settings, mini_survey):
    people = invite(mini_survey, 3, organisation="A")
    job = MailJob.objects.create(
        survey=mini_survey, kind="invitations", invitation_ids=[p.pk for p in people], total=3
    )
    settings.EMAIL_BACKEND = f"{__name__}.FailingAfterOne"
    with pytest.raises(OSError):
        tasks.invitations_mail.run(job.pk, "https://x/")
    job.refresh_from_db()
    assert (job.status, job.sent) == ("error", 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.invitations_mail.run(job.pk, "https://x/")

    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    job.refresh_from_db()
    assert (job.status, job.sent) == ("complete", 3)


# 4. Reminders: counts only, nothing written on an invitation


@pytest.fixture
def reminding(opened) -> Survey:
    return _survey(opened, reminder_max=2, reminder_after_days=3)


def _sent(invitations: list[Invitation], days_ago: float) -> None:
    moment = timezone.now() - timedelta(days=days_ago)
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(sent_at=moment)


def test_reminder_rounds_fall_due_on_the_surveys_schedule(reminding):
    people = invite(reminding, 3, organisation="A")
    now = timezone.now()
    assert reminder_round_due(survey=reminding, now=now) is None  # nothing sent yet
    _sent(people, days_ago=2)
    assert reminder_round_due(survey=reminding, now=now) is None
    assert reminder_round_due(survey=reminding, now=now + timedelta(days=1, minutes=1)) == 1

    first = MailJob.objects.create(survey=reminding, kind="reminder", round=1)
    later = first.requested_at + timedelta(days=3, minutes=1)
    assert reminder_round_due(survey=reminding, now=later - timedelta(hours=1)) is None
    assert reminder_round_due(survey=reminding, now=later) == 2
    MailJob.objects.create(survey=reminding, kind="reminder", round=2)
    assert reminder_round_due(survey=reminding, now=later + timedelta(days=30)) is None  # max 2

    _survey(reminding, reminder_max=5, closes_at=later + timedelta(days=1))
    assert reminder_round_due(survey=reminding, now=later + timedelta(days=3)) is None  # closed


def test_a_mail_merge_survey_is_reminded_counting_from_its_opening(reminding):
    invite(reminding, 3, organisation="A")  # links sent by the researcher: no sent_at, no job
    opened = timezone.now() - timedelta(days=4)
    _survey(reminding, opens_at=opened)
    assert reminder_round_due(survey=reminding, now=opened + timedelta(days=2)) is None
    assert reminder_round_due(survey=reminding, now=opened + timedelta(days=3, minutes=1)) == 1


@pytest.mark.parametrize(
    "change",
    [{"reminder_max": 0}, {"access": Survey.Access.OPEN}, {"status": Survey.Status.CLOSED}],
)
def test_no_reminders_when_the_survey_asks_none_or_is_not_an_open_invitation_survey(
    reminding, change
):
    _sent(invite(reminding, 2, organisation="A"), days_ago=10)
    _survey(reminding, **change)
    assert reminder_round_due(survey=reminding) is None
    assert reminders_create_due() == []


def test_two_beats_create_a_round_once(reminding, django_capture_on_commit_callbacks):
    _sent(invite(reminding, 2, organisation="A"), days_ago=4)

    with django_capture_on_commit_callbacks(execute=False):
        first = reminders_create_due()
        MailJob.objects.filter(pk=first[0].pk).update(requested_at=timezone.now())
        # The second beat finds round 1 there and round 2 not yet due.
        second = reminders_create_due()

    assert [j.round for j in first] == [1] and second == []
    assert MailJob.objects.filter(kind="reminder").count() == 1


def test_a_reminder_goes_to_unused_invitations_in_their_language_and_records_only_counts(
    reminding, django_capture_on_commit_callbacks
):
    kk = invite(reminding, 3, organisation="kk", language="kk")
    ru = invite(reminding, 2, organisation="ru", language="ru")
    no_email = Invitation.objects.create(survey=reminding, external_id="E-1", organisation="x")
    _sent([*kk, *ru], days_ago=4)
    _used([kk[0], ru[0]])
    before = list(Invitation.objects.order_by("pk").values())

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_due.run() == 1

    reminded = {m.to[0]: m for m in mail.outbox}
    assert set(reminded) == {kk[1].email, kk[2].email, ru[1].email}
    for invitation in (kk[1], ru[1]):
        message = reminded[invitation.email]
        with translation.override(invitation.language):
            subject = translation.gettext("Reminder: the survey “%(title)s”") % {
                "title": reminding.title(invitation.language)
            }
            assert translation.gettext("Your personal link:") in message.body
        assert message.subject == subject
        assert f"/s/mini/i/{invitation.token}/" in message.body
    job = MailJob.objects.get(kind="reminder")
    assert (job.round, job.status, job.total, job.sent) == (1, "complete", 3, 3)
    assert job.invitation_ids == [] and job.error == ""
    # Not a field of any invitation moved: sent_at says nothing of who was reminded.
    assert list(Invitation.objects.order_by("pk").values()) == before
    assert no_email.email == ""


def test_a_failed_reminder_round_names_nobody(settings, reminding):
    _sent(invite(reminding, 3, organisation="A"), days_ago=4)
    job = MailJob.objects.create(survey=reminding, kind="reminder", round=1)
    settings.EMAIL_BACKEND = f"{__name__}.FailingAfterOne"

    with pytest.raises(Exception):  # noqa: B017
        tasks.reminder_mail.run(job.pk)

    job.refresh_from_db()
    assert job.status == "error" and "@" not in job.error and "OSError" in job.error
    assert job.sent == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    tasks.reminder_mail.run(job.pk)  # the rest, nobody twice
    job.refresh_from_db()
    assert (job.status, job.sent, job.total, len(mail.outbox)) == ("complete", 3, 3, 2)


def test_a_round_whose_survey_closed_meanwhile_sends_nothing(reminding):
    _sent(invite(reminding, 2, organisation="A"), days_ago=4)
    job = MailJob.objects.create(survey=reminding, kind="reminder", round=1)
    _survey(reminding, status=Survey.Status.CLOSED)

    assert reminder_send(job_id=job.pk) == 0
    assert mail.outbox == []


# 5. The batch rewrite of uses (what it does to xmin and row order: tests/privacy/)


def test_settling_rewrites_every_use_once_and_keeps_the_rates(mini_survey):
    other = Survey.objects.create(slug="other", title_kk="Т", title_ru="Т")
    people = _people(mini_survey)
    _used(people[:5])
    _used(invite(other, 2, organisation="B"))
    rates = response_rates(survey=mini_survey)

    assert tasks.invitation_uses_settle_all.run() == 7

    assert InvitationUse.objects.filter(settled=False).count() == 0
    used = set(InvitationUse.objects.values_list("invitation_id", flat=True))
    assert used >= {p.pk for p in people[:5]}
    assert response_rates(survey=mini_survey) == rates
    assert invitation_uses_settle(survey_id=mini_survey.pk) == 0  # nothing new: nothing done
    assert tasks.invitation_uses_settle_all.run() == 0

    invitation_use(invitation=people[6])  # a fresh use: the whole survey is rewritten again
    assert invitation_uses_settle(survey_id=mini_survey.pk) == 6


def test_a_settled_use_still_refuses_its_token(mini_survey):
    invitation = _people(mini_survey)[0]
    invitation_use(invitation=invitation)
    invitation_uses_settle(survey_id=mini_survey.pk)

    with pytest.raises(InvitationUsed):
        invitation_use(invitation=invitation)
