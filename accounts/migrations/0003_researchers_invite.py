"""Researchers manage the invitations of their surveys: view, add and change them.

Self-contained like 0001_roles: the codenames are written out here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_invitation", "add_invitation", "change_invitation"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="researcher")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="researcher"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="accounts", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitations_sharing_audit")]

    operations = [migrations.RunPython(grant, revoke)]
