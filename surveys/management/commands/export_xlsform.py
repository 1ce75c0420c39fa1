from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.formats.xlsform.convert import xlsform_export
from surveys.models import Survey


class Command(BaseCommand):
    help = "Write a survey's questionnaire as an XLSForm workbook (default: SLUG.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", type=Path)

    def handle(self, *args: object, slug: str, output: Path | None, **options: object) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(f"No survey with the slug “{slug}”.")
        path = output or Path(f"{slug}.xlsx")
        path.write_bytes(xlsform_export(survey=survey))
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}."))
