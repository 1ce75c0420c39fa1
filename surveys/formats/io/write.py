"""Writing responses in the wide format, to CSV or XLSX, a chunk of rows at a time."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Protocol

from django.db.models import QuerySet
from django.utils import timezone

from surveys.answers import wide_columns
from surveys.formats.io.columns import (
    CHUNK_SIZE,
    LANGUAGE,
    SUBMITTED_AT,
    XLSX_CR,
    csv_text_protect,
)
from surveys.formats.io.decode import answer_cells, wide_decoder
from surveys.formats.io.xlsx_stream import XlsxBook, xlsx_number, xlsx_text
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

WEIGHT_COLUMN = "weight"


class WeightsMismatch(RuntimeError):
    """The responses changed between reading the weights and writing the file."""


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
    more_sheets: Callable[[XlsxBook], None] | None = None,
    weights: Iterable[float] | None = None,
) -> int:
    """Write the survey's responses in the wide format; returns how many.

    `out` is a text stream for csv (opened with newline="") and a binary stream for xlsx. The
    queries are a fixed handful whatever the number of responses. `responses` narrows the export
    (a filter); `on_record` is called with the running count, for progress; `more_sheets` is
    given the XLSX workbook (`xlsx_stream.XlsxBook`) after the responses sheet, to add its own
    (the codebook). `weights`, one a response in response id order (read once, as they come),
    become a last column `weight`; `WeightsMismatch` if there are more or fewer than responses.
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
        return _csv_write(out, columns, kinds, records, weights)  # type: ignore[arg-type]
    if fmt == "xlsx":
        return _xlsx_write(out, schema, columns, records, more_sheets, weights)  # type: ignore[arg-type]
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
    out: TextSink,
    columns: list[str],
    kinds: list[bool],
    records: Iterable[list[str]],
    weights: Iterable[float] | None = None,
) -> int:
    out.write("\ufeff")  # the BOM makes Excel read the file as UTF-8, so Cyrillic shows
    writer = csv.writer(out)
    count = 0
    if weights is None:
        writer.writerow(columns)
        for record in records:
            writer.writerow(
                [v if n else csv_text_protect(v) for v, n in zip(record, kinds, strict=True)]
            )
            count += 1
        return count
    writer.writerow([*columns, WEIGHT_COLUMN])
    for record, weight in _weighted(records, weights):
        # csv writes the float as repr() does, as the weight column always was.
        row: list[str | float] = [
            v if n else csv_text_protect(v) for v, n in zip(record, kinds, strict=True)
        ]
        row.append(weight)
        writer.writerow(row)
        count += 1
    return count


def _weighted(
    records: Iterable[list[str]], weights: Iterable[float]
) -> Iterator[tuple[list[str], float]]:
    """Each record with its weight; `WeightsMismatch` when the weights run out or remain."""
    remaining = iter(weights)
    count = 0
    for record in records:
        weight = next(remaining, None)
        if weight is None:
            raise WeightsMismatch(f"more than {count} responses, {count} weights")
        count += 1
        yield record, weight
    if next(remaining, None) is not None:
        raise WeightsMismatch(f"{count} responses written, more weights")


def _xlsx_write(
    out: IO[bytes],
    schema: SurveySchema,
    columns: list[str],
    records: Iterable[list[str]],
    more_sheets: Callable[[XlsxBook], None] | None = None,
    weights: Iterable[float] | None = None,
) -> int:
    numeric = _numeric_columns(schema)
    kinds = [column in numeric for column in columns]
    header = columns if weights is None else [*columns, WEIGHT_COLUMN]
    count = 0
    with XlsxBook(out) as book:
        sheet = book.sheet_write(title=schema.slug[:31], width=len(header))
        sheet.row_write(header)
        refs, write = sheet.refs, sheet.row_xml_write
        if weights is None:
            for number, record in enumerate(records, start=2):
                n = str(number)
                write(
                    "".join(
                        [
                            _xlsx_cell(ref + n, value, kind)
                            for ref, value, kind in zip(refs, record, kinds, strict=True)
                            if value
                        ]
                    )
                )
                count += 1
        else:
            last = refs[-1]
            for number, (record, weight) in enumerate(_weighted(records, weights), start=2):
                n = str(number)
                cells = [
                    _xlsx_cell(ref + n, value, kind)
                    for ref, value, kind in zip(refs[:-1], record, kinds, strict=True)
                    if value
                ]
                cells.append(f'<c r="{last}{n}" t="n"><v>{xlsx_number(weight)}</v></c>')
                write("".join(cells))
                count += 1
        if more_sheets is not None:
            more_sheets(book)
    return count


def _xlsx_cell(ref: str, value: str, number: bool) -> str:
    """The XML of a non-empty cell at `ref`: a number in a number column, else always text.

    Text that looks like a formula ("=..."), an error ("#N/A") or a number stays an inline
    string, as openpyxl was told to write it; CR becomes Excel's escape (see XLSX_CR).
    """
    if number:
        if value.isdigit() and value.isascii() and len(value) < 16 and value[0] != "0":
            # Already what "%.16g" makes of it (most cells: codes and counts); 0 and 05 are not.
            return f'<c r="{ref}" t="n"><v>{value}</v></c>'
        parsed = float(value) if "." in value else int(value)
        return f'<c r="{ref}" t="n"><v>{xlsx_number(parsed)}</v></c>'
    if "\r" in value:
        value = value.replace("\r", XLSX_CR)
    return f'<c r="{ref}" t="inlineStr"><is>{xlsx_text(value)}</is></c>'


def _numeric_columns(schema: SurveySchema) -> set[str]:
    columns: set[str] = set()
    for question in schema.ordered_questions():
        if question.type == "matrix":
            columns.update(f"{question.code}.{row.code}" for row in question.rows)
        elif question.type in ("rating", "number", "decimal"):
            columns.add(question.code)
    return columns
