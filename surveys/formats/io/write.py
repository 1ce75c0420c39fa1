"""Writing responses in the wide format, to CSV or XLSX, a chunk of rows at a time."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Protocol

import openpyxl
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from surveys.answers import wide_columns
from surveys.formats.io.columns import (
    CHUNK_SIZE,
    LANGUAGE,
    SUBMITTED_AT,
    XLSX_CR,
    csv_text_protect,
)
from surveys.formats.io.decode import answer_cells, wide_decoder
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


# Reading -----------------------------------------------------------------------------------------


def responses_export(
    *,
    survey: Survey,
    fmt: str,
    out: TextSink | IO[bytes],
    include_drafts: bool = False,
    responses: QuerySet[Response] | None = None,
    on_record: Callable[[int], None] | None = None,
    more_sheets: Callable[[Any], None] | None = None,
) -> int:
    """Write the survey's responses in the wide format; returns how many.

    `out` is a text stream for csv (opened with newline="") and a binary stream for xlsx. The
    queries are a fixed handful whatever the number of responses. `responses` narrows the export
    (a filter); `on_record` is called with the running count, for progress; `more_sheets` is
    given the XLSX workbook after the responses sheet, to add its own (the codebook).
    """
    schema = survey_schema_get(survey=survey)
    columns = [LANGUAGE, SUBMITTED_AT, *wide_columns(schema)]
    records = wide_records(
        survey=survey, schema=schema, include_drafts=include_drafts, responses=responses
    )
    if on_record is not None:
        records = counted(records, on_record)
    if fmt == "csv":
        numeric = _numeric_columns(schema)
        kinds = [column in numeric for column in columns]
        return _csv_write(out, columns, kinds, records)  # type: ignore[arg-type]
    if fmt == "xlsx":
        return _xlsx_write(out, schema, columns, records, more_sheets)  # type: ignore[arg-type]
    raise ValueError(f"unknown format {fmt!r}")


def counted(records: Iterable[list[str]], on_record: Callable[[int], None]) -> Iterator[list[str]]:
    for number, record in enumerate(records, start=1):
        on_record(number)
        yield record


def wide_records(
    *,
    survey: Survey,
    schema: SurveySchema,
    include_drafts: bool = False,
    responses: QuerySet[Response] | None = None,
) -> Iterator[list[str]]:
    """One list of cells per response (language, submitted_at, then `wide_columns`), by id.

    Two streamed queries merged on response id, so memory stays flat at any size; the answers
    are decoded by the schema's compiled decoder (surveys.formats.io.decode).
    """
    if responses is None:
        statuses = [Response.Status.COMPLETE]
        if include_drafts:
            statuses.append(Response.Status.DRAFT)
        responses = Response.objects.filter(survey=survey, status__in=statuses)
    zone = timezone.get_default_timezone()
    response_rows = (
        responses.order_by("id")
        .values_list("id", "language", "submitted_at")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    decoder = wide_decoder(schema)
    found = answer_cells(decoder=decoder, responses=responses)
    pending = next(found, None)
    for response_id, language, submitted_at in response_rows:
        # Answers of a response that changed status between the two queries have no row here.
        while pending is not None and pending[0] < response_id:
            pending = next(found, None)
        if pending is not None and pending[0] == response_id:
            cells = pending[1]
            pending = next(found, None)
        else:
            cells = decoder.empty()
        cells[0] = language
        cells[1] = submitted_at.astimezone(zone).isoformat() if submitted_at else ""
        yield cells


def _csv_write(
    out: TextSink, columns: list[str], kinds: list[bool], records: Iterable[list[str]]
) -> int:
    out.write("\ufeff")  # the BOM makes Excel read the file as UTF-8, so Cyrillic shows
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for record in records:
        writer.writerow(
            [v if number else csv_text_protect(v) for v, number in zip(record, kinds, strict=True)]
        )
        count += 1
    return count


def _xlsx_write(
    out: IO[bytes],
    schema: SurveySchema,
    columns: list[str],
    records: Iterable[list[str]],
    more_sheets: Callable[[Any], None] | None = None,
) -> int:
    numeric = _numeric_columns(schema)
    kinds = [column in numeric for column in columns]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=schema.slug[:31])
    sheet.append(columns)
    count = 0
    for record in records:
        sheet.append(
            [_xlsx_cell(sheet, value, number) for value, number in zip(record, kinds, strict=True)]
        )
        count += 1
    if more_sheets is not None:
        more_sheets(workbook)
    workbook.save(out)
    return count


def _xlsx_cell(sheet: Any, value: str, number: bool) -> Any:
    if not value:
        return None
    if number:
        return float(value) if "." in value else int(value)
    value = value.replace("\r", XLSX_CR)
    if value.startswith("=") or value in ERROR_CODES:
        # openpyxl would write a formula or an error value; every answer is a string cell. Other
        # text is left to openpyxl, which makes it one: a cell object each would slow big exports.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _numeric_columns(schema: SurveySchema) -> set[str]:
    columns: set[str] = set()
    for question in schema.ordered_questions():
        if question.type == "matrix":
            columns.update(f"{question.code}.{row.code}" for row in question.rows)
        elif question.type in ("rating", "number", "decimal"):
            columns.add(question.code)
    return columns
