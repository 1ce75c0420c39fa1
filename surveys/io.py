"""The wide response format: one row per response, read from and written to CSV and XLSX.

Columns are `language`, `submitted_at`, then `surveys.answers.wide_columns(schema)`; the format is
described in docs/response-format.md. Reading yields raw text cells and nothing else: every rule is
checked by `response_validate` and storing goes through `responses_bulk_create`, so an imported
row meets exactly the rules of a response typed into the web form.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol
from xml.etree.ElementTree import ParseError

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.exceptions import InvalidFileException

from accounts.xlsx_guard import xlsx_bounds_check

from .answers import answers_to_wide, wide_columns
from .models import LANGUAGES, Answer, Response, Survey
from .schema import SurveySchema
from .selectors import answers_from_rows, survey_schema_get
from .services import NewResponse, responses_bulk_create
from .validation import response_validate

LANGUAGE = "language"
SUBMITTED_AT = "submitted_at"
FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# Header cells are codes, which never contain these, so the header alone tells the delimiter
# (csv.Sniffer guesses from the data, where commas inside answers mislead it).
DELIMITERS = (",", ";", "\t")
# XML turns a carriage return into a line feed; Excel writes and reads it as this escape, which
# openpyxl leaves alone, so texts with Windows line breaks round-trip only if we do the same.
XLSX_CR = "_x000D_"
# A spreadsheet opening a CSV runs a cell starting with = + - @ tab or CR as a formula (some
# locales fold the fullwidth forms into these). Such a text, after any apostrophes it already
# starts with, gets one more in front (OWASP's advice); reading takes exactly one off again, so
# every text comes back as it was. Numbers are not text: a number column is never prefixed.
PROTECTED = re.compile(r"'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]")
PROTECTED_FIRST = frozenset("'=+-@\t\r\uff1d\uff0b\uff0d\uff20")  # a quick test, most cells fail it

ROW_MESSAGES = {
    "language_missing": gettext_lazy("The language is missing: write kk or ru."),
    "invalid_language": gettext_lazy("“%(value)s” is not a language: write kk or ru."),
    "invalid_datetime": gettext_lazy(
        "“%(value)s” is not a date and time in ISO 8601 format, e.g. 2022-11-09T14:30:00+05:00."
    ),
}


class WideFileError(Exception):
    """The file as a whole cannot be imported (type, encoding, header, shape); nothing is stored."""

    def __init__(self, *messages: str) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


# Reading -----------------------------------------------------------------------------------------


class WideRows:
    """The rows of a wide file: iterate for (row number, {column: text}); `columns` is the header.

    Row numbers are those a spreadsheet shows (the header is row 1); rows whose cells are all
    empty are skipped. Use as a context manager so the file is closed however reading ends.
    """

    def __init__(self, columns: list[str], records: Iterator[list[str]]) -> None:
        self.columns = columns
        self._records = records

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.columns)
        for number, record in enumerate(self._records, start=2):
            if any(cell.strip() for cell in record[width:]):
                raise WideFileError(
                    _("Row %(row)d has values to the right of the last named column.")
                    % {"row": number}
                )
            cells = dict(zip(self.columns, chain(record, [""] * width), strict=False))
            if any(value.strip() for value in cells.values()):
                yield number, cells

    def close(self) -> None:
        close = getattr(self._records, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> WideRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def wide_rows_read(*, path: Path) -> WideRows:
    """Open a .csv (UTF-8, with or without BOM, `,` `;` or tab) or .xlsx (first sheet) file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(path)
    elif suffix == ".xlsx":
        records = _xlsx_records(path)
    else:
        raise WideFileError(_("Only .csv and .xlsx files can be imported."))
    header = next(records, None)
    if header is None:
        raise WideFileError(_("The file is empty: the first row must name the columns."))
    columns = [name.strip() for name in header]
    while columns and not columns[-1]:
        columns.pop()
    return WideRows(columns, records)


def csv_text_protect(value: str) -> str:
    """A text cell as the CSV export writes it: see PROTECTED."""
    return "'" + value if value[:1] in PROTECTED_FIRST and PROTECTED.match(value) else value


def csv_text_restore(value: str) -> str:
    """The text a CSV cell written by `csv_text_protect` came from."""
    return value[1:] if value.startswith("'") and PROTECTED.match(value, 1) else value


def _csv_records(path: Path) -> Iterator[list[str]]:
    read = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            first = file.readline()
            counts = {d: first.count(d) for d in DELIMITERS}
            delimiter = max(DELIMITERS, key=counts.__getitem__) if any(counts.values()) else ","
            for record in csv.reader(chain([first], file), delimiter=delimiter):
                read += 1
                yield [csv_text_restore(cell) for cell in record]
    except UnicodeDecodeError as exc:
        raise WideFileError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and import it again.")
        ) from exc
    except csv.Error as exc:
        raise WideFileError(
            _("Row %(row)d cannot be read: %(error)s") % {"row": read + 1, "error": exc}
        ) from exc
    except OSError as exc:
        raise WideFileError(_("Cannot read the file: %(error)s") % {"error": exc}) from exc


XLSX_ERRORS = (
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
)


def _xlsx_records(path: Path) -> Iterator[list[str]]:
    # Bounded before openpyxl opens it: it would expand a shared string into every cell using it
    # and fill every row up to the last column a sheet claims (accounts.xlsx_guard).
    try:
        xlsx_bounds_check(file=path)
    except ValidationError as exc:
        hints = []
        if exc.code in ("unpacked", "text", "cells"):
            hints = [_("A larger file can be imported as CSV, or split into several workbooks.")]
        raise WideFileError(*exc.messages, *hints) from exc
    except OSError as exc:
        raise WideFileError(_("Cannot read the file: %(error)s") % {"error": exc}) from exc
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except XLSX_ERRORS as exc:
        raise WideFileError(
            _("The file cannot be read as an .xlsx workbook: %(error)s") % {"error": exc}
        ) from exc
    try:
        if workbook.worksheets:
            # Read-only sheets are parsed as they are read: a broken sheet fails here, mid-way.
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                yield [_cell_text(value) for value in values]
    except XLSX_ERRORS as exc:
        raise WideFileError(
            _("The file cannot be read as an .xlsx workbook: %(error)s") % {"error": exc}
        ) from exc
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet value as the text a CSV would hold: 3.0 is "3", a date is ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace(XLSX_CR, "\r")
    return str(value)


# Import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did: `file_errors` means nothing was read; otherwise rows by outcome."""

    dry_run: bool = False
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    valid: int = 0
    stored: int = 0

    @property
    def rejected(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors


def wide_header_errors(*, schema: SurveySchema, columns: Sequence[str]) -> list[str]:
    """File-level problems of a header: blank, unknown or duplicated columns, no `language`."""
    allowed = {LANGUAGE, SUBMITTED_AT, *wide_columns(schema)}
    errors: list[str] = []
    blank = [str(i) for i, name in enumerate(columns, start=1) if not name]
    if blank:
        errors.append(_("Columns without a name: %(numbers)s.") % {"numbers": ", ".join(blank)})
    unknown = [name for name in dict.fromkeys(columns) if name and name not in allowed]
    if unknown:
        errors.append(
            _(
                "Unknown columns: %(columns)s. A column is language, submitted_at or a question "
                "column of this survey; export_responses writes the full header."
            )
            % {"columns": ", ".join(unknown)}
        )
    duplicated = [name for name, n in Counter(columns).items() if name and n > 1]
    if duplicated:
        errors.append(
            _("Columns given more than once: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    if LANGUAGE not in columns:
        errors.append(_("The column “language” is missing."))
    return errors


def responses_import(
    *,
    survey: Survey,
    columns: Sequence[str],
    rows: Iterable[tuple[int, Mapping[str, str]]],
    allow_partial: bool = False,
    dry_run: bool = False,
    language: str,
) -> ImportReport:
    """Validate every row and, unless `dry_run`, store the valid ones in one transaction.

    A row with any error is left out and reported; the other rows are stored. A file-level error
    (the header, or a file that breaks off mid-way) stores nothing. Messages are in `language`.
    """
    report = ImportReport(dry_run=dry_run)
    with translation.override(language):
        schema = survey_schema_get(survey=survey)
        report.file_errors = wide_header_errors(schema=schema, columns=columns)
        if report.file_errors:
            return report
        items = _valid_items(schema, rows, report, allow_partial=allow_partial, language=language)
        try:
            with transaction.atomic():
                if dry_run:
                    for _item in items:
                        pass
                else:
                    report.stored = responses_bulk_create(
                        survey=survey, schema=schema, items=items, source=Response.Source.IMPORT
                    )
        except WideFileError as exc:
            report.file_errors, report.errors = exc.messages, []
            report.valid = report.stored = 0
    return report


def _valid_items(
    schema: SurveySchema,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    report: ImportReport,
    *,
    allow_partial: bool,
    language: str,
) -> Iterator[NewResponse]:
    """The storable rows, lazily, so that a large file never sits in memory; errors go to report."""
    for number, cells in rows:
        errors: list[RowError] = []
        respondent_language = cells.get(LANGUAGE, "").strip()
        if respondent_language not in LANGUAGES:
            code = "invalid_language" if respondent_language else "language_missing"
            message = ROW_MESSAGES[code] % {"value": respondent_language}
            errors.append(RowError(number, LANGUAGE, code, str(message)))
        submitted_text = cells.get(SUBMITTED_AT, "").strip()
        submitted_at = _datetime_parse(submitted_text)
        if submitted_text and submitted_at is None:
            message = ROW_MESSAGES["invalid_datetime"] % {"value": submitted_text}
            errors.append(RowError(number, SUBMITTED_AT, "invalid_datetime", str(message)))
        data = {
            key: value
            for key, value in cells.items()
            if key not in (LANGUAGE, SUBMITTED_AT) and value.strip()
        }
        result = response_validate(schema=schema, data=data, partial=allow_partial)
        for key, answer_errors in result.errors.items():
            errors.extend(RowError(number, key, e.code, e.message(language)) for e in answer_errors)
        if errors:
            report.errors.extend(errors)
            continue
        report.valid += 1
        yield NewResponse(language=respondent_language, result=result, submitted_at=submitted_at)


def _datetime_parse(text: str) -> dt.datetime | None:
    """ISO 8601; a value without an offset is read in settings.TIME_ZONE."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    try:
        value.astimezone(dt.UTC)  # the database stores UTC: 0001-01-01+05:00 has no UTC value
    except OverflowError:
        return None
    return value


# Export ------------------------------------------------------------------------------------------


def responses_export(
    *,
    survey: Survey,
    fmt: str,
    out: TextSink | IO[bytes],
    include_drafts: bool = False,
    responses: QuerySet[Response] | None = None,
    on_record: Callable[[int], None] | None = None,
) -> int:
    """Write the survey's responses in the wide format; returns how many.

    `out` is a text stream for csv (opened with newline="") and a binary stream for xlsx. The
    queries are a fixed handful whatever the number of responses. `responses` narrows the export
    (a filter); `on_record` is called with the running count, for progress.
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
        return _xlsx_write(out, schema, columns, records)  # type: ignore[arg-type]
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

    Two streamed queries merged on response id, so memory stays flat at any size.
    """
    if responses is None:
        statuses = [Response.Status.COMPLETE]
        if include_drafts:
            statuses.append(Response.Status.DRAFT)
        responses = Response.objects.filter(survey=survey, status__in=statuses)
    columns = wide_columns(schema)
    zone = timezone.get_default_timezone()
    selected = responses.order_by()
    response_rows = (
        responses.order_by("id")
        .values_list("id", "language", "submitted_at")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    answer_rows = (
        Answer.objects.filter(response__in=selected.values("pk"))
        .order_by("response_id")
        .values_list("response_id", "question_id", "option_id", "row_id", "value_int", "value_text")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    groups = groupby(answer_rows, key=itemgetter(0))
    pending = next(groups, None)
    for response_id, language, submitted_at in response_rows:
        # Answers of a response that changed status between the two queries have no row here.
        while pending is not None and pending[0] < response_id:
            pending = next(groups, None)
        rows: list[tuple] = []
        if pending is not None and pending[0] == response_id:
            rows = [row[1:] for row in pending[1]]
            pending = next(groups, None)
        wide = answers_to_wide(schema, answers_from_rows(schema, rows))
        submitted = submitted_at.astimezone(zone).isoformat() if submitted_at else ""
        yield [language, submitted, *(wide.get(column, "") for column in columns)]


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
    out: IO[bytes], schema: SurveySchema, columns: list[str], records: Iterable[list[str]]
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
    workbook.save(out)
    return count


def _xlsx_cell(sheet: Any, value: str, number: bool) -> Any:
    if not value:
        return None
    if number:
        return int(value)
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
        elif question.type in ("rating", "number"):
            columns.add(question.code)
    return columns
