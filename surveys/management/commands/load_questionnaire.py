from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.formats.definitions import DefinitionError, definition_parse, questionnaire_load


class Command(BaseCommand):
    help = (
        "Create a survey from a YAML definition, or update it in place while it has no responses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            survey = questionnaire_load(data=definition_parse(text=text))
        except DefinitionError as exc:
            raise CommandError(f"{file} was not loaded:\n" + "\n".join(exc.errors)) from exc
        count = survey.questions.count()
        self.stdout.write(self.style.SUCCESS(f"Loaded {survey.slug}: {count} questions."))
