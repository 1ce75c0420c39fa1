from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.management.filters import command_filters, filter_argument_add
from analytics.report.content import ReportError, report_content
from analytics.report.document import report_docx
from surveys.models import LANGUAGES, Survey
from surveys.selectors import survey_schema_get


class Command(BaseCommand):
    help = (
        "Write a survey's results as a Word report (.docx) in Kazakh or Russian, with the exact "
        "figures: title page, method, who answered, Table 1 and Table 2, every closed question "
        "with its chart, cross-tabulations and the codebook."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        filter_argument_add(parser)
        parser.add_argument("--weights", metavar="NAME", help="A weighting scheme of the survey.")
        parser.add_argument("--language", choices=LANGUAGES, required=True)
        parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    def handle(self, *args, slug, filter, weights, language, output, **options) -> None:
        # Every message, the errors too, in the report's language.
        with translation.override(language):
            self._write(slug, filter, weights, language, output)

    def _write(
        self, slug: str, items: list[str], weights: str | None, language: str, output: Path
    ) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(_("No survey with the slug “%(slug)s”.") % {"slug": slug})
        schema = survey_schema_get(survey=survey)
        filters = command_filters(schema=schema, items=items)
        try:
            # The operator, like a microdata user, gets the exact tables.
            content = report_content(
                survey=survey,
                schema=schema,
                filters=filters,
                language=language,
                exact=True,
                weights=weights,
            )
        except ReportError as exc:
            raise CommandError(str(exc)) from exc
        output.write_bytes(report_docx(content=content))
        self.stdout.write(_("Report written: %(path)s") % {"path": output})
