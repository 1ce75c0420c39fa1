"""Create the role groups "researcher" and "results_admin" with their model permissions.

Self-contained on purpose: the codenames are copied here rather than imported from
accounts.roles, so this migration keeps meaning what it meant when it was written.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

QUESTIONNAIRE_MODELS = ("survey", "section", "question", "option", "row", "scalelabel")
ROLES = {
    "researcher": [
        f"{action}_{model}"
        for model in QUESTIONNAIRE_MODELS
        for action in ("view", "add", "change", "delete")
    ]
    + ["view_response", "view_answer"],
    "results_admin": ["view_survey", "view_response"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); make sure
    # they exist now, on a fresh database, before the groups refer to them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="surveys", codename__in=codenames
        )
        group.permissions.add(*permissions)


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_roles, delete_roles),
    ]
