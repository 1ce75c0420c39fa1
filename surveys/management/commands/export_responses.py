from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from surveys.formats.io import FORMATS, responses_export
from surveys.models import Survey


class _Unterminated:
    """The command's stdout for the csv writer, which ends its own lines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, ending="")


class Command(BaseCommand):
    help = "Write a survey's responses in the wide format (docs/response-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="csv or xlsx (default: from the -o extension, else csv).",
        )
        parser.add_argument(
            "-o", "--output", type=Path, help="File to write (default: CSV to stdout)."
        )
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Also write unfinished responses (their submitted_at is empty).",
        )

    def handle(
        self,
        *args: object,
        slug: str,
        fmt: str | None,
        output: Path | None,
        include_drafts: bool,
        **options: object,
    ) -> None:
        survey = Survey.objects.filter(slug=slug).first()
        if survey is None:
            raise CommandError(_("No survey with the slug “%(slug)s”.") % {"slug": slug})
        if fmt is None:
            fmt = "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
        if output is None:
            if fmt == "xlsx":
                raise CommandError(_("An .xlsx export needs a file: give -o FILE."))
            responses_export(
                survey=survey,
                fmt=fmt,
                out=_Unterminated(self.stdout),
                include_drafts=include_drafts,
            )
            return
        try:
            if fmt == "csv":
                with output.open("w", encoding="utf-8", newline="") as text_file:
                    count = responses_export(
                        survey=survey, fmt=fmt, out=text_file, include_drafts=include_drafts
                    )
            else:
                with output.open("wb") as binary_file:
                    count = responses_export(
                        survey=survey, fmt=fmt, out=binary_file, include_drafts=include_drafts
                    )
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc}
            ) from exc
        self.stdout.write(
            _("Wrote %(count)d responses to %(file)s.") % {"count": count, "file": output}
        )
