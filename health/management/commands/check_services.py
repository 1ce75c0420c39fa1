"""`manage.py check_services`: the readiness checks for an operator, in Kazakh or Russian.

The same checks as /health/ready, with what went wrong in each (the exception's short text, which
the endpoint never publishes). Exits with 1 when any required check fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from health.checks import FAILED, IN_PROCESS, OK, services_check, services_passed
from surveys.management.language import LANGUAGES, command_language

LABELS = {
    "database": gettext_lazy("Database"),
    "cache": gettext_lazy("Cache"),
    "broker": gettext_lazy("Task broker (Redis)"),
    "storage": gettext_lazy("File storage"),
    "worker": gettext_lazy("Task worker (heartbeat)"),
}
STATUSES = {
    OK: gettext_lazy("works"),
    FAILED: gettext_lazy("not available"),
    IN_PROCESS: gettext_lazy("tasks run in the web process, no broker or worker needed"),
}


class Command(BaseCommand):
    help = "Checks the database, cache, broker, storage and worker, as /health/ready does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", choices=LANGUAGES, help="kk or ru (default: locale)")

    def handle(self, *args: object, **options: object) -> None:
        with translation.override(command_language(option=options.get("language"))):
            results = services_check()
            for result in results:
                mark = "✓" if result.passed else "✗"
                line = f"{mark} {LABELS.get(result.name, result.name)}: {STATUSES[result.status]}"
                if result.detail:
                    line += f" — {result.detail}"
                self.stdout.write(line)
            if not services_passed(results=results):
                raise CommandError(_("Some services are not available."))
            self.stdout.write(_("All services are available."))
