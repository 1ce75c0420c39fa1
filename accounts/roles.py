"""The roles of the platform as Django groups, and the model permissions each one holds.

A role is a group whose permissions are exactly the ones listed here: `roles_ensure` creates the
groups and brings their permissions back to this list, so it can run on every deploy and from
`demo_accounts`. The data migration `accounts/0001_roles` carries its own copy of these lists,
because a migration must keep working after this module changes.
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

# Codenames of the `surveys` app, by role.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RESEARCHER: (
        *(f"{action}_{model}" for model in QUESTIONNAIRE_MODELS for action in ACTIONS),
        "view_response",
        "view_answer",
    ),
    RESULTS_ADMIN: ("view_survey", "view_response"),
}

APP_LABEL = "surveys"


class MissingPermissions(Exception):
    """A role names a permission that does not exist: the surveys models are not migrated."""


def _permissions(codenames: tuple[str, ...]) -> list[Permission]:
    found = list(
        Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=codenames)
    )
    if len(found) < len(set(codenames)):
        # Permissions normally appear after `migrate`; create any missing ones on the spot.
        create_permissions(apps.get_app_config(APP_LABEL), verbosity=0)
        found = list(
            Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=codenames)
        )
    missing = set(codenames) - {p.codename for p in found}
    if missing:
        raise MissingPermissions(", ".join(sorted(missing)))
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
