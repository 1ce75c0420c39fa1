"""The coded tables where the results go out: the tables downloads and the results JSON.

Called from the shared results code with one line each; a survey without codes adds nothing,
so its downloads and JSON stay exactly what they were.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from analytics.selectors import Filters
from surveys.models import Survey
from surveys.schema import SurveySchema

from .selectors import coded_tables_get
from .tables import Table

# A coded table's key among a download's tables (and its XLSX sheet's name).
SUFFIX = ".coded"


def coded_label() -> str:
    return _("Coded: options + coded other answers")


def coded_tables_named(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    language: str,
    exact: bool,
    titles: dict[str, str],
) -> tuple[dict[str, Table], dict[str, str]]:
    """The coded tables keyed `<question>.coded`, and their titles, for the downloads."""
    tables = coded_tables_get(
        survey=survey, schema=schema, filters=filters, language=language, exact=exact
    )
    with translation.override(language):
        label = coded_label()
    named = {f"{code}{SUFFIX}": table for code, table in tables.items()}
    named_titles = {
        f"{code}{SUFFIX}": f"{titles.get(code) or schema.questions[code].text.get(language)}"
        f" ({label})"
        for code in tables
    }
    return named, named_titles


def coded_document(
    *, survey: Survey, schema: SurveySchema, filters: Filters, language: str, exact: bool = True
) -> dict[str, Any]:
    """`{"coded": {question: table}}` for the results JSON, or {} when the survey has no codes."""
    tables = coded_tables_get(
        survey=survey, schema=schema, filters=filters, language=language, exact=exact
    )
    return {"coded": tables} if tables else {}
