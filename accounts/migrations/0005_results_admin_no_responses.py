"""Results admins see aggregates only: their role no longer holds `surveys.view_response`.

0001_roles gave the group that permission; `roles_ensure` would take it away, but it runs only
from `demo_accounts`, so existing databases need this migration. Self-contained like 0001_roles.
"""

from django.db import migrations

GROUP = "results_admin"
CODENAME = "view_response"


def _permission(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="surveys", codename=CODENAME)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*_permission(apps))


def restore(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.add(*_permission(apps))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_access_levels_mail_jobs")]

    operations = [migrations.RunPython(revoke, restore)]
