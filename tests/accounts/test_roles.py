"""The role groups and the demo logins."""

from __future__ import annotations

from importlib import import_module
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client

from accounts.roles import RESEARCHER, RESULTS_ADMIN, ROLE_PERMISSIONS, roles_ensure
from surveys.models import Survey

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    """Codenames as ROLE_PERMISSIONS spells them: bare for `surveys`, `app.codename` otherwise."""
    pairs = group.permissions.values_list("content_type__app_label", "codename")
    return {code if app == "surveys" else f"{app}.{code}" for app, code in pairs}


def test_migration_created_both_roles():
    # The migrations' own steps, run again from no groups: the rows the real run left are gone
    # whenever a transactional test ran earlier in this process (its flush empties every table,
    # and pytest-xdist orders the files differently from one run to the next).
    # With the migrations' own historical apps, as a migration run has them: the real registry
    # must not be handed to them (0001 toggles each app config's models_module).
    state = MigrationLoader(connection).project_state().apps
    Group.objects.filter(name__in=[RESEARCHER, RESULTS_ADMIN]).delete()
    for migration, step in (
        ("0001_roles", "create_roles"),
        ("0003_researchers_invite", "grant"),
        ("0005_results_admin_no_responses", "revoke"),
    ):
        getattr(import_module(f"accounts.migrations.{migration}"), step)(state, None)
    groups = {g.name: g for g in Group.objects.filter(name__in=[RESEARCHER, RESULTS_ADMIN])}

    assert set(groups) == {RESEARCHER, RESULTS_ADMIN}
    assert _codenames(groups[RESEARCHER]) == set(ROLE_PERMISSIONS[RESEARCHER])
    # 0001 gave results admins view_response; 0005 took it back (aggregates only).
    assert _codenames(groups[RESULTS_ADMIN]) == {"view_survey"}


def test_researcher_edits_the_questionnaire_and_only_views_responses():
    researcher = roles_ensure()[RESEARCHER]

    codenames = _codenames(researcher)
    for model in ("survey", "section", "question", "option", "row", "scalelabel"):
        assert {f"{a}_{model}" for a in ("view", "add", "change", "delete")} <= codenames
    assert {"view_response", "view_answer"} <= codenames
    assert not {"add_response", "change_response", "delete_response", "change_answer"} & codenames
    others = {c for c in codenames if "." in c}
    assert others == {
        "accounts.view_invitation",
        "accounts.add_invitation",
        "accounts.change_invitation",
    }


def test_roles_ensure_is_idempotent_and_restores_the_list():
    first = roles_ensure()
    stray = Permission.objects.get(codename="delete_response")
    first[RESULTS_ADMIN].permissions.add(stray)

    second = roles_ensure()
    roles_ensure()

    assert Group.objects.filter(name__in=[RESEARCHER, RESULTS_ADMIN]).count() == 2
    assert {g.pk for g in first.values()} == {g.pk for g in second.values()}
    assert _codenames(second[RESULTS_ADMIN]) == {"view_survey"}


def test_roles_ensure_works_on_a_database_without_groups():
    Group.objects.all().delete()

    groups = roles_ensure()

    assert _codenames(groups[RESEARCHER]) == set(ROLE_PERMISSIONS[RESEARCHER])


@pytest.fixture
def demo_password(monkeypatch) -> str:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-42")
    return "demo-pass-42"


def test_demo_accounts_print_their_logins_and_can_sign_in(demo_password, capsys):
    call_command("demo_accounts")

    out = capsys.readouterr().out
    for login in ("admin", "researcher", "analyst"):
        assert login in out
        client = Client()
        assert client.login(username=login, password=demo_password)
        assert client.get("/admin/").status_code == 200
    assert demo_password in out and "http://127.0.0.1:8000/admin/" in out


def test_demo_accounts_hold_their_roles(demo_password):
    call_command("demo_accounts", stdout=StringIO())

    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser
    assert not users["researcher"].is_superuser and users["researcher"].is_staff
    assert list(users["researcher"].groups.values_list("name", flat=True)) == [RESEARCHER]
    assert list(users["analyst"].groups.values_list("name", flat=True)) == [RESULTS_ADMIN]


def test_demo_accounts_is_idempotent_and_resets_the_password(demo_password, monkeypatch):
    call_command("demo_accounts", stdout=StringIO())
    researcher = get_user_model().objects.get(username="researcher")
    researcher.set_password("changed")
    researcher.is_staff = False
    researcher.save()

    monkeypatch.setenv("DEMO_PASSWORD", "second-pass-42")
    call_command("demo_accounts", stdout=StringIO())

    assert get_user_model().objects.count() == 3
    researcher.refresh_from_db()
    assert researcher.is_staff and researcher.check_password("second-pass-42")
    assert researcher.groups.count() == 1


def test_demo_researcher_owns_the_2022_survey(demo_password):
    survey = Survey.objects.create(
        slug="civil-service-communication-2022", title_kk="Т", title_ru="Т"
    )

    call_command("demo_accounts", stdout=StringIO())

    survey.refresh_from_db()
    assert survey.owner is not None and survey.owner.username == "researcher"


def test_demo_default_password_needs_debug(monkeypatch, settings):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("demo_accounts", stdout=StringIO())
    assert not get_user_model().objects.exists()

    settings.DEBUG = True
    call_command("demo_accounts", stdout=StringIO())
    assert Client().login(username="admin", password="saualnama-demo")
