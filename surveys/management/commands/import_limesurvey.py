from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.formats.limesurvey.convert import limesurvey_import
from surveys.formats.limesurvey.problems import LimeSurveyError
from surveys.management.language import command_language
from surveys.management.owners import command_owner


class Command(BaseCommand):
    help = (
        "Create a draft survey from a LimeSurvey survey structure file (.lss); an existing slug "
        "is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", help="the new survey's slug (default: from the file name)")
        parser.add_argument("--owner", help="username of the survey's owner")
        parser.add_argument("--kk", help="the file's language that gives the Kazakh texts")
        parser.add_argument("--ru", help="the file's language that gives the Russian texts")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="import what is supported and report, by question code, what was left out",
        )
        parser.add_argument("--language", choices=["kk", "ru"], help="language of the messages")

    def handle(self, *args: object, file: Path, **options: object) -> None:
        with translation.override(command_language(option=options.get("language"))):
            self._import(file, **options)

    def _import(
        self,
        file: Path,
        *,
        slug: str | None,
        owner: str | None,
        kk: str | None,
        ru: str | None,
        partial: bool,
        **options: object,
    ) -> None:
        user = command_owner(username=owner)
        try:
            with file.open("rb") as handle:
                survey, report = limesurvey_import(
                    file=handle, user=user, slug=slug, kk=kk, ru=ru, partial=partial
                )
        except OSError as exc:
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": exc}) from exc
        except LimeSurveyError as exc:
            heading = _("%(file)s was not imported; nothing was stored.") % {"file": file}
            lines = "\n".join(str(problem) for problem in exc.problems)
            raise CommandError(f"{heading}\n{lines}") from exc
        for finding in report:
            self.stdout.write(str(finding))
        count = survey.questions.count()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Imported %(slug)s as a draft: %(count)d question.",
                    "Imported %(slug)s as a draft: %(count)d questions.",
                    count,
                )
                % {"slug": survey.slug, "count": count}
            )
        )
