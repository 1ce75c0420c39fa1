"""The roles of the platform as Django groups, and the model permissions each one holds.

A role is a group whose permissions are exactly the ones listed here: `roles_ensure` creates the
groups and brings their permissions back to this list, so it can run on every deploy and from
`demo_accounts`. The data migrations (`accounts/0001_roles`, `0003`, `0005`) carry their own
copies of these lists, because a migration must keep working after this module changes.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

RESEARCHER = "researcher"
RESULTS_ADMIN = "results_admin"

# The questionnaire, which researchers build and edit in the admin.
QUESTIONNAIRE_MODELS = ("survey", "section", "question", "option", "row", "scalelabel")
ACTIONS = ("view", "add", "change", "delete")

# Codenames by role: of the `surveys` app, or `app.codename` for another app.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RESEARCHER: (
        *(f"{action}_{model}" for model in QUESTIONNAIRE_MODELS for action in ACTIONS),
        "view_response",
        "view_answer",
        "accounts.view_invitation",
        "accounts.add_invitation",
        "accounts.change_invitation",
    ),
    # Aggregates only: never a single response, in the admin or anywhere (accounts.permissions).
    # A results admin the owner grants microdata to by name reaches the response pages through
    # the grant (accounts.admin.scoping.MicrodataScopedAdmin), not through this role.
    RESULTS_ADMIN: ("view_survey",),
}

APP_LABEL = "surveys"


class MissingPermissions(Exception):
    """A role names a permission that does not exist: the surveys models are not migrated."""


def _permissions(codenames: tuple[str, ...]) -> list[Permission]:
    wanted = {tuple(c.split(".", 1)) if "." in c else (APP_LABEL, c) for c in codenames}

    def lookup() -> list[Permission]:
        found = Permission.objects.filter(
            content_type__app_label__in={app for app, _c in wanted},
            codename__in={c for _app, c in wanted},
        ).select_related("content_type")
        return [p for p in found if (p.content_type.app_label, p.codename) in wanted]

    found = lookup()
    if len(found) < len(wanted):
        # Permissions normally appear after `migrate`; create any missing ones on the spot.
        for app in {app for app, _c in wanted}:
            create_permissions(apps.get_app_config(app), verbosity=0)
        found = lookup()
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise MissingPermissions(", ".join(sorted(f"{a}.{c}" for a, c in missing)))
    return found


def roles_ensure() -> dict[str, Group]:
    """Create the role groups if needed and give each exactly its permissions; idempotent."""
    groups: dict[str, Group] = {}
    with transaction.atomic():
        for name, codenames in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.get_or_create(name=name)
            group.permissions.set(_permissions(codenames))
            groups[name] = group
    return groups
