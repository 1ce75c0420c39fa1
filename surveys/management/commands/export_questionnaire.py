from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.formats.definitions import definition_dump, questionnaire_export
from surveys.models import Survey


class Command(BaseCommand):
    help = "Write a survey's questionnaire as a YAML definition (to stdout unless -o is given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", type=Path)

    def handle(self, *args: object, slug: str, output: Path | None, **options: object) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(f"No survey with the slug “{slug}”.")
        text = definition_dump(data=questionnaire_export(survey=survey))
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
