from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingConfig(AppConfig):
    name = "analytics.coding"
    # The label of its tables and migrations, kept when it moved under analytics.
    label = "coding"
    verbose_name = _("Coding of open answers")
