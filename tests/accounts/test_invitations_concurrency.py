"""Two completions with one token at the same moment leave one response: PostgreSQL only.

SQLite serialises every writer, so the race cannot happen there; these tests skip unless
DATABASE_URL names PostgreSQL (as in CI, where a skip counts as a failure).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.invitations import InvitationUsed, invitation_use, invitation_uses_settle
from accounts.models import Invitation, InvitationUse
from surveys.models import Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_complete, response_create
from tests.surveys.admin_support import VALID_ANSWERS
from tests.threads import in_threads, meeting

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = (
    {"level": "local", "years": "5"},
    {k: v for k, v in VALID_ANSWERS.items() if k not in ("level", "years")},
)


@pytest.fixture
def invitation(mini_survey) -> Invitation:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1/…")
    Survey.objects.filter(pk=mini_survey.pk).update(access=Survey.Access.INVITATION)
    return Invitation.objects.create(survey=mini_survey, email="a@example.kz", organisation="A")


def test_two_completions_with_one_token_at_once_leave_one_response(mini_survey, invitation):
    schema = survey_schema_get(survey=mini_survey)
    drafts = [
        response_create(
            survey=mini_survey, data=VALID_ANSWERS, language="kk", source="web", complete=False
        )
        for _ in range(2)
    ]
    # Both transactions have locked and validated their own draft before either records the use.
    barrier = meeting()

    def use() -> None:
        barrier.wait()
        invitation_use(invitation=invitation)

    outcomes = in_threads(
        *(lambda d=d: response_complete(response=d, schema=schema, on_complete=use) for d in drafts)
    )

    assert sum(isinstance(o, InvitationUsed) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Response) for o in outcomes) == 1, outcomes
    assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 1
    assert Response.objects.filter(status=Response.Status.DRAFT).count() == 1
    assert InvitationUse.objects.count() == 1


def test_two_browsers_submitting_with_one_token_at_once_get_one_thanks(mini_survey, invitation):
    clients = [Client(), Client()]
    keys = []
    for client in clients:
        client.get(reverse("surveys:invitation", args=["mini", invitation.token]))
        started = client.post(reverse("surveys:start", args=["mini"]))
        key = started["Location"].rstrip("/").split("/")[-1]
        client.post(f"/s/mini/r/{key}/1/", {**PAGES[0], "action": "next"})
        keys.append(key)
    # Both browsers may be continuing one draft (one per invitation) or two: either way both
    # submits leave together, and one response completes.
    barrier = meeting()

    def submit(client: Client, key: str) -> Any:
        barrier.wait()
        return client.post(f"/s/mini/r/{key}/2/", {**PAGES[1], "action": "submit"})

    replies = in_threads(
        *(lambda c=c, k=k: submit(c, k) for c, k in zip(clients, keys, strict=True))
    )

    codes = sorted(r.status_code for r in replies)
    assert codes[0] == 302 and codes[1] in (302, 403, 404), replies
    thanks = [r for r in replies if r.status_code == 302]
    assert all(r["Location"].endswith("/thanks/") for r in thanks)
    assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 1
    assert InvitationUse.objects.count() == 1


def _rewrite_held(monkeypatch, seconds: float) -> threading.Event:
    """Make `invitation_uses_settle` pause between deleting the uses and inserting them again."""
    deleted = threading.Event()
    manager = InvitationUse.objects
    real_bulk_create = manager.bulk_create

    def slow_bulk_create(*args: Any, **kwargs: Any) -> Any:
        deleted.set()
        time.sleep(seconds)
        return real_bulk_create(*args, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", slow_bulk_create)
    return deleted


def test_a_used_token_still_fails_while_its_use_is_being_rewritten(
    mini_survey, invitation, monkeypatch
):
    invitation_use(invitation=invitation)
    fresh = Invitation.objects.create(survey=mini_survey, email="b@example.kz", organisation="A")
    deleted = _rewrite_held(monkeypatch, seconds=1.0)

    def reuse() -> tuple[Any, float]:
        deleted.wait(timeout=10)  # the old row is deleted, the new one not yet inserted
        began = time.monotonic()
        try:
            invitation_use(invitation=invitation)
        except InvitationUsed as error:
            return error, time.monotonic() - began
        return "used twice", time.monotonic() - began

    def first_use() -> Any:
        deleted.wait(timeout=10)
        return invitation_use(invitation=fresh)

    settled, (outcome, waited), fresh_use = in_threads(
        lambda: invitation_uses_settle(survey_id=mini_survey.pk), reuse, first_use
    )

    assert settled == 1, settled
    # The second use waited for the rewrite to commit, then met the re-inserted row.
    assert isinstance(outcome, InvitationUsed), outcome
    assert waited > 0.5
    # A token used for the first time meanwhile is recorded, unsettled, for the next batch.
    assert isinstance(fresh_use, InvitationUse), fresh_use
    assert dict(InvitationUse.objects.values_list("invitation_id", "settled")) == {
        invitation.pk: True,
        fresh.pk: False,
    }
