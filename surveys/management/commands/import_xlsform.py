from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from surveys.formats.xlsform.convert import XLSFormError, xlsform_import


class Command(BaseCommand):
    help = "Create a draft survey from an XLSForm workbook (.xlsx); an existing slug is refused."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", help="the new survey's slug (default: the form_id)")
        parser.add_argument("--owner", help="username of the survey's owner")

    def handle(
        self, *args: object, file: Path, slug: str | None, owner: str | None, **options: object
    ) -> None:
        user = None
        if owner:
            user = get_user_model().objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"No user “{owner}”.")
        try:
            with file.open("rb") as handle:
                survey = xlsform_import(file=handle, user=user, slug=slug)
        except OSError as exc:
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": exc}) from exc
        except XLSFormError as exc:
            # The problems are in the active language (a refused bomb's too): so is the heading.
            heading = _("%(file)s was not imported; nothing was stored.") % {"file": file}
            lines = "\n".join(str(problem) for problem in exc.problems)
            raise CommandError(f"{heading}\n{lines}") from exc
        count = survey.questions.count()
        self.stdout.write(self.style.SUCCESS(f"Imported {survey.slug}: {count} questions."))
