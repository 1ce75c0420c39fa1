"""`make demo`: the three demonstration logins, created or reset, and printed as a table.

The researcher owns the 2022 survey; the analyst (a results admin) has it shared for results
only; the admin is a superuser. The table says what each login may see.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import SurveyShare
from accounts.roles import RESEARCHER, RESULTS_ADMIN, roles_ensure
from surveys.models import Survey

DEFAULT_PASSWORD = "saualnama-demo"
OWNED_SURVEY = "civil-service-communication-2022"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
RESULTS_URL = f"http://127.0.0.1:8000/results/{OWNED_SURVEY}/"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    group: str | None
    superuser: bool
    opens: str
    sees: str


ACCOUNTS = (
    DemoAccount(
        "admin", "superuser", None, True, ADMIN_URL, "every survey, response and result; audit log"
    ),
    DemoAccount(
        "researcher",
        RESEARCHER,
        RESEARCHER,
        False,
        "http://127.0.0.1:8000/build/",
        "builds surveys; the 2022 survey (owner, locked by its responses); exact results, exports",
    ),
    DemoAccount(
        "analyst",
        RESULTS_ADMIN,
        RESULTS_ADMIN,
        False,
        RESULTS_URL,
        "aggregated results of the 2022 survey (shared), no responses; edits nothing",
    ),
)


def demo_accounts_ensure(*, password: str) -> list[AbstractUser]:
    """Create the demo users, or reset them to their demo role and password; idempotent."""
    groups = roles_ensure()
    users = []
    with transaction.atomic():
        for account in ACCOUNTS:
            user, _created = get_user_model().objects.get_or_create(username=account.username)
            user.is_active = True
            user.is_staff = True
            user.is_superuser = account.superuser
            user.set_password(password)
            user.save()
            user.groups.set([groups[account.group]] if account.group else [])
            # A reset role comes with its demo shares only.
            SurveyShare.objects.filter(user=user).delete()
            users.append(user)
        by_name = {u.username: u for u in users}
        Survey.objects.filter(slug=OWNED_SURVEY).update(owner=by_name["researcher"])
        survey = Survey.objects.filter(slug=OWNED_SURVEY).first()
        if survey is not None:
            SurveyShare.objects.create(
                survey=survey, user=by_name["analyst"], role=SurveyShare.Role.RESULTS_ADMIN
            )
    return users


class Command(BaseCommand):
    help = (
        "Create or reset the demo logins (admin, researcher, analyst) and print them. "
        "The password comes from DEMO_PASSWORD, or is the demo default when DEBUG is on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-default-password",
            action="store_true",
            help="Use the demo default password even with DEBUG off.",
        )

    def handle(self, *args: object, allow_default_password: bool = False, **options: object):
        password = os.environ.get("DEMO_PASSWORD", "")
        if not password:
            # A superuser with a published password must never reach a real deployment.
            if not (settings.DEBUG or allow_default_password):
                raise CommandError(
                    "DEBUG is off: set DEMO_PASSWORD to choose the demo password explicitly."
                )
            password = DEFAULT_PASSWORD
        demo_accounts_ensure(password=password)

        rows = [("login", "password", "role", "open", "may see")]
        rows += [(a.username, password, a.role, a.opens, a.sees) for a in ACCOUNTS]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        rule = "-+-".join("-" * w for w in widths)
        self.stdout.write(self.style.SUCCESS("Demo accounts are ready:"))
        for i, row in enumerate(rows):
            line = " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if i == 0:
                self.stdout.write(rule)
        if Survey.objects.filter(slug=OWNED_SURVEY).exists():
            self.stdout.write(
                f"The researcher owns the survey {OWNED_SURVEY}; it is shared with the analyst."
            )
        else:
            self.stdout.write(
                f"The survey {OWNED_SURVEY} is not loaded yet: load it and run this again, "
                "or the researcher and the analyst see no survey."
            )
