from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Research API")

    def ready(self) -> None:
        from . import schema  # noqa: F401  (the token scheme for drf-spectacular)
