"""The `--filter CODE=OPT1,OPT2` option shared by the results commands (`results`, `report`)."""

from __future__ import annotations

from django.core.management import CommandError, CommandParser
from django.utils.translation import gettext as _

from surveys.schema import SurveySchema

from ..selectors import FilterError, Filters, filters_normalize


def filter_argument_add(parser: CommandParser) -> None:
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="CODE=OPT1,OPT2",
        help="Only respondents whose answer to CODE is one of the options (repeatable).",
    )


def command_filters(*, schema: SurveySchema, items: list[str]) -> Filters:
    """The checked filter of the `--filter` items; a CommandError in the active language."""
    raw: dict[str, list[str]] = {}
    for item in items:
        code, sep, values = item.partition("=")
        if not sep:
            raise CommandError(_("--filter %(item)s: write CODE=OPT1,OPT2") % {"item": repr(item)})
        raw.setdefault(code, []).extend(values.split(","))
    try:
        return filters_normalize(schema=schema, raw=raw)
    except FilterError as exc:
        raise CommandError(str(exc)) from exc
