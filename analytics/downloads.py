"""The aggregated tables as files: CSV or XLSX, labelled in one language."""

from __future__ import annotations

import io
from typing import IO, Any

from django.http import HttpResponse
from django.utils import translation

from analytics.coding.results import coded_tables_named
from surveys.models import Survey
from surveys.schema import SurveySchema

from .disclosure import protection_note, viewer_results
from .exports import tables_csv, tables_xlsx
from .inference import ci_annotate
from .models import ResultSnapshot
from .presentation import question_title, scale_labels, tables_localize

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def tables_write(
    *,
    snapshot: ResultSnapshot,
    schema: SurveySchema,
    fmt: str,
    language: str,
    out: IO[Any],
    k: int,
    exact: bool = True,
    ci: float | None = None,
) -> None:
    """The snapshot's tables as a file: exact, or as an aggregates-only viewer sees them.

    `ci`: a confidence level (0.95): the intervals are added as columns.
    """
    shown = viewer_results(snapshot=snapshot, exact=exact, k=k)
    tables = tables_localize(shown.tables or {}, schema, language)
    titles = {code: question_title(schema.questions[code], language) for code in tables}
    scales = {code: scale_labels(schema.questions[code], language) for code in tables}
    coded, coded_titles = coded_tables_named(
        survey=snapshot.survey,
        schema=schema,
        filters=snapshot.filters,
        language=language,
        exact=exact,
        titles=titles,
    )
    tables, titles = tables | coded, titles | coded_titles
    if ci is not None:
        tables = {code: ci_annotate(table, level=ci) for code, table in tables.items()}
    write = tables_csv if fmt == "csv" else tables_xlsx
    with translation.override(language):
        note = None if exact else protection_note(shown.parameters)
        write(
            tables,
            titles=titles,
            language=language,
            min_cell_size=k,
            out=out,
            scale_labels=scales,
            note=note,
        )


def tables_response(
    *,
    survey: Survey,
    schema: SurveySchema,
    snapshot: ResultSnapshot,
    fmt: str,
    language: str,
    exact: bool,
    ci: float | None = None,
) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        from django.http import Http404

        raise Http404
    buffer: IO[Any] = io.StringIO(newline="") if fmt == "csv" else io.BytesIO()
    tables_write(
        snapshot=snapshot,
        schema=schema,
        fmt=fmt,
        language=language,
        out=buffer,
        k=survey.min_cell_size,
        exact=exact,
        ci=ci,
    )
    body = buffer.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    suffix = "-filtered" if snapshot.filters else ""
    name = f"{survey.slug}-tables{suffix}-{language}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
