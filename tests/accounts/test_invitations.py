"""Personal invitations: imported in the admin, e-mailed, used once, never linked to a response."""

from __future__ import annotations

from typing import Any

import pytest
import tablib
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import include, path, reverse
from django.utils import formats, translation

import config.urls
from accounts.invitations import invitation_use, response_rates
from accounts.models import Invitation, InvitationUse
from accounts.roles import RESEARCHER
from surveys.models import Answer, Response, Survey
from tests.surveys.admin_support import VALID_ANSWERS, ru, staff_client

# Until config/urls.py includes /invitations/, this module is its own URLconf.
urlpatterns = [path("invitations/", include("accounts.urls_invitations")), *config.urls.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _start_limit_settings(settings) -> None:
    # The start rate limit's settings arrive with config changes made alongside this work;
    # until then, no limit (the tests here start a handful of drafts).
    if not hasattr(settings, "START_RATE_LIMIT"):
        settings.START_RATE_LIMIT = None
        settings.START_RATE_WINDOW = 60


HEADER = "survey,email,external_id,organisation,region,language\n"
PAGES = (
    {"level": "local", "years": "5"},
    {k: v for k, v in VALID_ANSWERS.items() if k not in ("level", "years")},
)


@pytest.fixture
def researcher(mini_survey) -> Client:
    """The mini survey's owner, a researcher allowed to manage invitations, admin in Russian."""
    client = staff_client("rita", RESEARCHER)
    user = get_user_model().objects.get(username="rita")
    create_permissions(apps.get_app_config("accounts"), verbosity=0)
    codenames = ("view_invitation", "add_invitation", "change_invitation")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    Survey.objects.filter(pk=mini_survey.pk).update(owner=user)
    return client


@pytest.fixture
def invite_only(mini_survey) -> Survey:
    Survey.objects.filter(pk=mini_survey.pk).update(access=Survey.Access.INVITATION)
    mini_survey.refresh_from_db()
    return mini_survey


def invite(survey: Survey, n: int = 1, **fields: Any) -> list[Invitation]:
    return [
        Invitation.objects.create(
            survey=survey,
            email=f"{fields.get('organisation', 'x')}{i}@example.kz".lower(),
            **fields,
        )
        for i in range(n)
    ]


# Import through the admin


def _import(client: Client, content: bytes, fmt: str = "0", name: str = "list.csv") -> Any:
    upload = SimpleUploadedFile(name, content)
    return client.post(
        "/admin/accounts/invitation/import/",
        {"resource": "0", "format": fmt, "import_file": upload},
    )


def _confirm(client: Client, preview: Any) -> None:
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert confirm is not None, _errors(preview)
    assert not Invitation.objects.exists()  # a dry run so far
    done = client.post("/admin/accounts/invitation/process_import/", confirm.initial)
    assert done.status_code == 302


def _errors(page: Any) -> list[str]:
    result = page.context["result"]
    return [str(m) for row in result.invalid_rows for ms in row.error_dict.values() for m in ms]


def test_a_csv_list_imports_through_the_confirm_step_with_fresh_tokens(researcher, mini_survey):
    csv = HEADER.replace("\n", ",token\n") + (
        " mini , Aigul@Example.KZ ,,Ministry of Finance,Astana,RU,guessed-token\n"
        "mini,,EMP-7,Akimat,Almaty,,\n"
    )

    _confirm(researcher, _import(researcher, csv.encode()))

    by_email = Invitation.objects.get(email="aigul@example.kz")
    assert (by_email.organisation, by_email.region, by_email.language) == (
        "Ministry of Finance",
        "Astana",
        "ru",
    )
    by_id = Invitation.objects.get(external_id="EMP-7")
    assert by_id.language == mini_survey.default_language == "kk"
    tokens = {by_email.token, by_id.token}
    assert len(tokens) == 2 and "guessed-token" not in tokens
    assert all(len(token) == 32 for token in tokens)


def test_an_xlsx_list_imports_and_a_reimport_keeps_the_tokens(researcher, mini_survey):
    sheet = tablib.Dataset(headers=["survey", "email", "organisation", "region"])
    sheet.append(["mini", "a@example.kz", "Akimat", "Almaty"])
    sheet.append(["mini", "b@example.kz", "Akimat", None])
    xlsx = sheet.export("xlsx")

    _confirm(researcher, _import(researcher, xlsx, fmt="1", name="list.xlsx"))
    tokens = dict(Invitation.objects.values_list("email", "token"))
    assert set(tokens) == {"a@example.kz", "b@example.kz"}

    again = _import(researcher, xlsx, fmt="1", name="list.xlsx")
    assert again.context["confirm_form"] is not None
    researcher.post(
        "/admin/accounts/invitation/process_import/", again.context["confirm_form"].initial
    )
    assert dict(Invitation.objects.values_list("email", "token")) == tokens


NO_SURVEY = "There is no survey with the slug “%(value)s”."
TWICE = "“%(value)s” appears more than once in this file."
TAKEN = "This survey already has an invitation for this e-mail."
BAD_ROWS = [
    ("mini,,,Akimat,Almaty,kk", "Give an e-mail address or an external id.", None),
    ("mini,c@example.kz,,Akimat,Almaty,en", "Value %(value)r is not a valid choice.", "en"),
    ("mini,A@example.kz,,Akimat,,kk", TWICE, "a@example.kz"),
    ("mini,old@example.kz,X-1,Akimat,,kk", TAKEN, None),
    ("mini,d@example.kz,,,Almaty,kk", "This field cannot be blank.", None),
    ("nosuch,d@example.kz,,Akimat,,kk", NO_SURVEY, "nosuch"),
    ("theirs,d@example.kz,,Akimat,,kk", NO_SURVEY, "theirs"),  # not the researcher's survey
]  # fmt: skip


@pytest.mark.parametrize(("row", "message", "value"), BAD_ROWS)
def test_a_bad_row_is_rejected_with_its_error(researcher, mini_survey, row, message, value):
    Invitation.objects.create(survey=mini_survey, email="old@example.kz", organisation="A")
    Survey.objects.create(slug="theirs", title_kk="Т", title_ru="Т")
    csv = HEADER + "mini,a@example.kz,,Akimat,Almaty,kk\n" + row + "\n"

    page = _import(researcher, csv.encode())

    assert page.status_code == 200
    assert page.context.get("confirm_form") is None
    assert (ru(message, value=value) if value else ru(message)) in _errors(page)
    assert Invitation.objects.count() == 1


def test_the_invitation_list_shows_no_use_and_only_the_users_surveys(researcher, mini_survey):
    mine = invite(mini_survey, organisation="mine")[0]
    other = Survey.objects.create(slug="theirs", title_kk="Т", title_ru="Т")
    invite(other, organisation="theirs")
    invitation_use(invitation=mine)

    page = researcher.get("/admin/accounts/invitation/")

    assert list(page.context["cl"].result_list) == [mine]
    assert "use" not in page.context["cl"].list_display


# The respondent's way in


class Invitee:
    """One browser session answering the mini survey."""

    def __init__(self, language: str = "kk") -> None:
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)
        self.key: str | None = None
        self.pk: int | None = None

    def open(self, invitation: Invitation) -> Any:
        return self.client.get(reverse("surveys:invitation", args=["mini", invitation.token]))

    def start(self) -> Any:
        started = self.client.post(reverse("surveys:start", args=["mini"]))
        if started.status_code == 302:
            self.key = started["Location"].rstrip("/").split("/")[-1]
            # By its id: a completed response keeps no resume key.
            self.pk = Response.objects.get(key=self.key).pk
        return started

    @property
    def response(self) -> Response:
        return Response.objects.get(pk=self.pk)

    def answer(self) -> Any:
        """Both pages; returns the reply to the submit."""
        page = f"/s/mini/r/{self.key}/"
        assert self.client.post(page + "1/", {**PAGES[0], "action": "next"}).status_code == 302
        return self.client.post(page + "2/", {**PAGES[1], "action": "submit"})


def test_the_invitation_link_leads_to_the_welcome_page_and_starts_a_response(invite_only):
    invitation = invite(invite_only)[0]
    invitee = Invitee()

    opened = invitee.open(invitation)
    assert opened["Location"] == reverse("surveys:welcome", args=["mini"])
    assert invitee.client.get(opened["Location"]).status_code == 200
    assert invitee.start().status_code == 302
    assert invitee.response.status == Response.Status.DRAFT

    submitted = invitee.answer()

    assert submitted.status_code == 302 and submitted["Location"].endswith("/thanks/")
    assert invitee.response.status == Response.Status.COMPLETE
    assert InvitationUse.objects.get().invitation == invitation


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_invitation_only_survey_refuses_a_start_without_a_token(invite_only, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        text = translation.gettext(
            "This survey is by invitation only. "
            "Please open the personal link from your invitation on this device."
        )

    for reply in (
        client.get(reverse("surveys:welcome", args=["mini"])),
        client.post(reverse("surveys:start", args=["mini"])),
    ):
        assert reply.status_code == 403
        assert f'<html lang="{language}">' in reply.text and text in reply.text
    assert not Response.objects.exists()


def test_an_unknown_token_or_one_of_another_survey_is_not_found(invite_only):
    other = Survey.objects.create(slug="other", title_kk="Т", title_ru="Т")
    foreign = invite(other)[0]
    client = Client()
    assert client.get(reverse("surveys:invitation", args=["mini", "x" * 32])).status_code == 404
    assert (
        client.get(reverse("surveys:invitation", args=["mini", foreign.token])).status_code == 404
    )


def test_an_open_survey_still_starts_without_any_token(mini_survey):
    assert Invitee().start().status_code == 302


def test_a_token_completes_one_response_only(invite_only):
    invitation = invite(invite_only)[0]
    first, second = Invitee("ru"), Invitee("ru")
    for invitee in (first, second):
        invitee.open(invitation)
        assert invitee.start().status_code == 302

    assert first.answer().status_code == 302
    # The second browser may have continued the same draft (one draft per invitation) or its
    # own: either way it completes nothing more.
    refused = second.client.post(f"/s/mini/r/{second.key}/2/", {**PAGES[1], "action": "submit"})

    assert refused.status_code in (403, 404)
    assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 1
    assert InvitationUse.objects.count() == 1
    # The token cannot start anything new either, and the first respondent's double submit is
    # still answered with the thank-you page.
    with translation.override("ru"):
        used = translation.gettext(
            "This invitation has already been used: a response has been submitted with it. "
            "Each invitation link can submit one response only."
        )
    reopened = second.open(invitation)
    assert reopened.status_code == 403 and used in reopened.text
    again = first.client.post(f"/s/mini/r/{first.key}/2/", {**PAGES[1], "action": "submit"})
    assert again.status_code == 302 and again["Location"].endswith("/thanks/")


# Anonymity


def _related_models(model: type[models.Model]) -> set[type[models.Model]]:
    return {f.related_model for f in model._meta.get_fields() if f.is_relation}


def test_no_relation_leads_between_responses_and_invitations():
    responses, invitations = {Response, Answer}, {Invitation, InvitationUse}
    for model in responses:
        assert not _related_models(model) & invitations, model
    for model in invitations:
        assert not _related_models(model) & responses, model
    # Nor a third table holding both ends (reverse relations of the survey itself aside).
    for model in apps.get_models():
        forward = {
            f.related_model for f in model._meta.get_fields() if f.is_relation and f.concrete
        }
        assert not (forward & responses and forward & invitations), model


def test_an_invitation_use_keeps_neither_time_nor_order():
    fields = {f.name: f for f in InvitationUse._meta.concrete_fields}
    # `settled` says only whether the batch rewrite has run (invitation_uses_settle).
    assert set(fields) == {"invitation", "settled"}
    assert InvitationUse._meta.pk.name == "invitation"  # no sequence number of its own


def test_a_completed_invitation_response_shares_no_value_with_its_invitation(invite_only):
    invitation = invite(invite_only, organisation="Akimat", region="Almaty", external_id="EMP-9")[0]
    invitee = Invitee()
    invitee.open(invitation)
    invitee.start()
    invitee.answer()

    response = invitee.response
    stored = [
        str(v)
        for row in [
            *Response.objects.filter(pk=response.pk).values(),
            *Answer.objects.filter(response=response).values(),
        ]
        for v in row.values()
    ]
    secrets = (invitation.token, invitation.email, invitation.external_id, "Akimat", "Almaty")
    assert not [s for s in secrets for value in stored if s in value]
    # The token is stored nowhere but on the invitation, and the session forgot it with the key.
    for model in apps.get_models():
        if model is Invitation:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                found = model.objects.filter(**{f"{field.name}__contains": invitation.token})
                assert not found.exists(), (model, field.name)
    assert "mini" not in invitee.client.session.get("saualnama_invitations", {})
    assert "mini" not in invitee.client.session.get("saualnama_drafts", {})
    assert InvitationUse.objects.filter(invitation=invitation).exists()


# Response rates


def test_response_rates_withhold_small_groups_and_the_group_that_would_reveal_them(mini_survey):
    # A named (not anonymous) survey: only the number of invitations decides.
    Survey.objects.filter(pk=mini_survey.pk).update(min_cell_size=3, anonymous=False)
    mini_survey.refresh_from_db()
    groups = {("A", "Astana"): (4, 2), ("B", "Almaty"): (3, 3), ("C", "Almaty"): (1, 1)}
    groups[("D", "Astana")] = (5, 0)
    for (organisation, region), (invited, used) in groups.items():
        for invitation in invite(mini_survey, invited, organisation=organisation, region=region):
            if used:
                invitation_use(invitation=invitation)
                used -= 1

    rates = response_rates(survey=mini_survey)

    shown = {(r.organisation, r.region): (r.invited, r.used) for r in rates.rows}
    assert shown == {
        ("A", "Astana"): (4, 2),
        ("B", "Almaty"): (None, None),  # 3 would give C back as the total minus the rest
        ("C", "Almaty"): (None, None),
        ("D", "Astana"): (5, 0),
    }
    assert (rates.total.invited, rates.total.used, rates.total.percent) == (13, 6, 46.2)


def _invite_used(survey, groups):
    for (organisation, region), (invited, used) in groups.items():
        for invitation in invite(survey, invited, organisation=organisation, region=region):
            if used:
                invitation_use(invitation=invitation)
                used -= 1


def test_anonymous_rates_never_say_that_a_whole_group_answered_or_did_not(mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(min_cell_size=3)
    mini_survey.refresh_from_db()
    assert mini_survey.anonymous
    # B: all six answered; C: none of seven did. Either would tell each member's part.
    _invite_used(
        mini_survey, {("A", "Astana"): (8, 4), ("B", "Almaty"): (6, 6), ("C", "Almaty"): (7, 0)}
    )

    rates = response_rates(survey=mini_survey)

    shown = {(r.organisation, r.region): (r.invited, r.used) for r in rates.rows}
    assert shown == {
        ("A", "Astana"): (8, 4),
        ("B", "Almaty"): (None, None),
        ("C", "Almaty"): (None, None),
    }
    # B and C together (13 invited, 6 answered) say nothing of anyone: the total may be shown.
    assert (rates.total.invited, rates.total.used) == (21, 10)


def test_anonymous_rates_withhold_a_group_that_the_total_would_give_away(mini_survey):
    Survey.objects.filter(pk=mini_survey.pk).update(min_cell_size=3)
    mini_survey.refresh_from_db()
    _invite_used(mini_survey, {("A", "Astana"): (8, 4), ("B", "Almaty"): (6, 6)})

    rates = response_rates(survey=mini_survey)

    # The total minus A would say all six of B answered: A is withheld too.
    assert all(row.suppressed for row in rates.rows)
    assert (rates.total.invited, rates.total.used) == (14, 10)


def test_the_rates_page_shows_counts_by_group_and_no_one_by_name(researcher, mini_survey):
    for invitation in invite(mini_survey, 12, organisation="Akimat", region="Almaty")[:6]:
        invitation_use(invitation=invitation)
    for invitation in invite(mini_survey, 10, organisation="Ministry", region="Astana")[:5]:
        invitation_use(invitation=invitation)
    invite(mini_survey, 2, organisation="Tiny", region="Astana")
    url = reverse("invitations:rates", args=["mini"])

    page = researcher.get(url)

    assert page.status_code == 200
    rows = [(r.organisation, r.invited, r.used, r.percent) for r in page.context["rates"].rows]
    # Tiny is under 5, and Ministry is withheld too: the total minus Akimat would give Tiny back.
    assert rows == [
        ("Akimat", 12, 6, 50.0),
        ("Ministry", None, None, None),
        ("Tiny", None, None, None),
    ]
    with translation.override("ru"):
        assert "Akimat" in page.text and f">{formats.number_format(50.0)}<" in page.text
    assert "@example.kz" not in page.text
    assert Client().get(url).status_code == 302  # to sign in
    stranger = staff_client("sam", RESEARCHER)
    assert stranger.get(url).status_code == 404


# E-mails


def test_invitation_emails_go_out_in_the_invitees_language_with_the_link(
    researcher, mini_survey, django_capture_on_commit_callbacks
):
    kk, ru_ = (invite(mini_survey, organisation=lang, language=lang)[0] for lang in ("kk", "ru"))
    no_email = Invitation.objects.create(survey=mini_survey, external_id="EMP-1", organisation="x")
    chosen = [kk.pk, ru_.pk, no_email.pk]

    # The worker runs at the commit (eager Celery in tests), not inside the admin request.
    with django_capture_on_commit_callbacks(execute=True):
        done = researcher.post(
            "/admin/accounts/invitation/",
            {"action": "send_emails", "_selected_action": chosen},
            follow=True,
        )

    assert done.status_code == 200
    assert sorted(m.to[0] for m in mail.outbox) == [kk.email, ru_.email]
    for invitation, title in ((kk, mini_survey.title_kk), (ru_, mini_survey.title_ru)):
        message = next(m for m in mail.outbox if m.to == [invitation.email])
        with translation.override(invitation.language):
            subject = translation.gettext("Invitation to the survey “%(title)s”")
            greeting = translation.gettext("Your personal link:")
        assert message.subject == subject % {"title": title}
        assert greeting in message.body
        assert f"http://testserver/s/mini/i/{invitation.token}/" in message.body
        invitation.refresh_from_db()
        assert invitation.sent_at is not None
    assert Invitation.objects.get(pk=no_email.pk).sent_at is None
