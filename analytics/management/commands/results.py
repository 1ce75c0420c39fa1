import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from analytics.coding.results import coded_document
from analytics.downloads import tables_write
from analytics.inference import LEVELS, ci_annotate, ci_level_parse
from analytics.management.filters import command_filters, filter_argument_add
from analytics.models import JobStatus
from analytics.presentation import results_document
from analytics.selectors import FilterError
from analytics.services import results_request
from analytics.tasks import compute_results
from analytics.weighting.selectors import weighting_scheme_get
from surveys.models import LANGUAGES, Survey
from surveys.selectors import survey_schema_get


class Command(BaseCommand):
    help = (
        "Compute a survey's results tables through the results task and print or write them. "
        "JSON: {survey, respondents, filters, tables: {CODE: TABLE}}, "
        "one table per closed question."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        filter_argument_add(parser)
        parser.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--language", choices=LANGUAGES, help="Labels' language.")
        parser.add_argument(
            "--ci",
            choices=sorted(LEVELS),
            help="Add confidence intervals at this level (%%): ci_low, ci_high, ... (docs/api.md).",
        )
        parser.add_argument(
            "--weights", metavar="NAME", help="Weighted tables, by this weighting scheme."
        )

    def handle(
        self, *args, slug, filter, format, output, language, ci=None, weights=None, **options
    ) -> None:
        level = ci_level_parse(ci)
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(f"No survey with the slug “{slug}”.")
        language = language or survey.default_language
        schema = survey_schema_get(survey=survey)
        with translation.override(language):
            filters = command_filters(schema=schema, items=filter)
            try:
                scheme = weighting_scheme_get(survey=survey, name=weights)
                snapshot = results_request(survey=survey, filters=filters, weighting=scheme)
            except FilterError as exc:
                raise CommandError(str(exc)) from exc
        if snapshot.status != JobStatus.COMPLETE:
            # The same task a worker runs, run here: the command never waits on a worker.
            compute_results.apply(args=[snapshot.pk], throw=True)
            snapshot.refresh_from_db()
        if snapshot.status != JobStatus.COMPLETE:
            raise CommandError(f"The results could not be computed: {snapshot.error}")
        if format == "json":
            document = results_document(
                slug=survey.slug,
                respondents=snapshot.respondents,
                filters=filters,
                tables=snapshot.tables,
                schema=schema,
                language=language,
                ci=level,
            )
            if scheme is not None:
                document["weighted"] = scheme.name
            document |= coded_document(
                survey=survey, schema=schema, filters=filters, language=language
            )
            if level is not None and "coded" in document:
                document["coded"] = {
                    c: ci_annotate(t, level=level) for c, t in document["coded"].items()
                }
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
            if output:
                output.write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        if format == "xlsx" and output is None:
            raise CommandError("An .xlsx file needs -o FILE.")
        if output is None:
            buffer = io.StringIO(newline="")
            tables_write(
                snapshot=snapshot,
                schema=schema,
                fmt="csv",
                language=language,
                out=buffer,
                k=survey.min_cell_size,
                ci=level,
            )
            self.stdout.write(buffer.getvalue(), ending="")
            return
        mode = "w" if format == "csv" else "wb"
        with output.open(
            mode, **({"encoding": "utf-8", "newline": ""} if mode == "w" else {})
        ) as out:
            tables_write(
                snapshot=snapshot,
                schema=schema,
                fmt=format,
                language=language,
                out=out,
                k=survey.min_cell_size,
                ci=level,
            )
