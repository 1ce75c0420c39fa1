from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.formats.io import WideFileError, responses_import, wide_rows_read
from surveys.formats.io.mapping import SOURCES, WIDE, MappingFileError, mapping_file_read
from surveys.management.language import command_language
from surveys.models import LANGUAGES, Survey

# Exit codes: 0 every row stored (or valid, with --dry-run); 1 some rows rejected, the valid ones
# stored; 2 nothing imported (no such survey, unreadable file, bad header). See
# docs/response-format.md.
ROWS_REJECTED = 1
NOTHING_IMPORTED = 2


class Command(BaseCommand):
    help = (
        "Import responses from a wide .csv or .xlsx file, or from a KoboToolbox or LimeSurvey "
        "response export (docs/response-format.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and store nothing."
        )
        parser.add_argument(
            "--allow-partial",
            action="store_true",
            help="Accept rows that leave required questions empty; values present are checked.",
        )
        parser.add_argument(
            "--language",
            choices=LANGUAGES,
            help="Language of the report (default: the locale's, if Kazakh or Russian, else kk).",
        )
        parser.add_argument(
            "--source",
            choices=SOURCES,
            default=WIDE,
            help="Whose export FILE is: kobo (XLS/CSV, XML values) or limesurvey (CSV, answer "
            "and question codes); default: the wide format itself.",
        )
        parser.add_argument(
            "--mapping",
            type=Path,
            help="A YAML file renaming source columns to wide columns or skip, over --source.",
        )

    def handle(
        self,
        *args: object,
        slug: str,
        file: Path,
        dry_run: bool,
        allow_partial: bool,
        language: str | None,
        source: str,
        mapping: Path | None,
        **options: object,
    ) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        language = command_language(option=language)
        with translation.override(language):
            if survey is None:
                message = _("No survey with the slug “%(slug)s”.") % {"slug": slug}
                raise CommandError(message, returncode=NOTHING_IMPORTED)
            try:
                renames = mapping_file_read(path=mapping) if mapping else None
            except MappingFileError as exc:
                raise CommandError(str(exc), returncode=NOTHING_IMPORTED) from exc
            try:
                with wide_rows_read(path=file) as rows:
                    report = responses_import(
                        survey=survey,
                        columns=rows.columns,
                        rows=rows,
                        allow_partial=allow_partial,
                        dry_run=dry_run,
                        language=language,
                        source=source,
                        renames=renames,
                    )
            except WideFileError as exc:
                file_errors = exc.messages
            else:
                file_errors = report.file_errors
            if file_errors:
                heading = _("%(file)s was not imported; nothing was stored.") % {"file": file}
                raise CommandError("\n".join([heading, *file_errors]), returncode=NOTHING_IMPORTED)
            for error in report.errors:
                self.stderr.write(str(error))
            if report.skipped:
                skipped = ngettext(
                    "%(count)d response was never submitted and was left out "
                    "(--allow-partial imports it).",
                    "%(count)d responses were never submitted and were left out "
                    "(--allow-partial imports them).",
                    report.skipped,
                ) % {"count": report.skipped}
                (self.stderr if report.errors else self.stdout).write(skipped)
            if dry_run:
                summary = _("Dry run, nothing stored: %(valid)d valid, %(rejected)d rejected.")
            else:
                summary = _("%(stored)d stored, %(rejected)d rejected.")
            summary %= {"valid": report.valid, "stored": report.stored, "rejected": report.rejected}
            if report.errors:
                raise CommandError(summary, returncode=ROWS_REJECTED)
            self.stdout.write(self.style.SUCCESS(summary))
