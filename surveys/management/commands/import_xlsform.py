from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.formats.xlsform.convert import XLSFormError, XLSFormImport, xlsform_import
from surveys.management.language import LANGUAGES, command_language
from surveys.management.owners import command_owner


class Command(BaseCommand):
    help = "Create a draft survey from an XLSForm workbook (.xlsx); an existing slug is refused."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", help="the new survey's slug (default: the form_id)")
        parser.add_argument("--owner", help="username of the survey's owner")
        parser.add_argument(
            "--kk", help="the language whose texts are the Kazakh ones (as after label::, or label)"
        )
        parser.add_argument("--ru", help="the language whose texts are the Russian ones")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="import what is supported as a draft and report what was left out",
        )
        parser.add_argument(
            "--language", choices=LANGUAGES, help="the language of messages (default: the locale)"
        )

    def handle(self, *args: object, **options: object) -> None:
        with translation.override(command_language(option=options.get("language"))):
            self._import(**options)

    def _import(
        self,
        *,
        file: Path,
        slug: str | None,
        owner: str | None,
        kk: str | None,
        ru: str | None,
        partial: bool,
        **options: object,
    ) -> None:
        user = command_owner(username=owner)
        chosen = {code: name for code, name in (("kk", kk), ("ru", ru)) if name is not None}
        try:
            with file.open("rb") as handle:
                result = xlsform_import(
                    file=handle, user=user, slug=slug, languages=chosen or None, partial=partial
                )
        except OSError as exc:
            raise CommandError(_("Cannot read the file: %(error)s") % {"error": exc}) from exc
        except XLSFormError as exc:
            # The problems are in the active language (a refused bomb's too): so is the heading.
            heading = _("%(file)s was not imported; nothing was stored.") % {"file": file}
            lines = "\n".join(str(problem) for problem in exc.problems)
            raise CommandError(f"{heading}\n{lines}") from exc
        self._report(result)

    def _report(self, result: XLSFormImport) -> None:
        survey = result.survey
        count = survey.questions.count()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Imported %(slug)s: %(count)d question.",
                    "Imported %(slug)s: %(count)d questions.",
                    count,
                )
                % {"slug": survey.slug, "count": count}
            )
        )
        if result.draft:
            self.stdout.write(_("It is a draft: complete it in the builder before publishing."))
        for heading, lines in (
            (_("Warnings:"), result.warnings),
            (_("Left out:"), result.left_out),
        ):
            if lines:
                self.stdout.write(heading)
                for line in lines:
                    self.stdout.write(f"  {line}")
