"""Reading a wide file (CSV or XLSX) and importing its rows as responses.

Reading yields raw text cells and nothing else: every rule is checked by `response_validate` and
storing goes through `responses_bulk_create`, so an imported row meets exactly the rules of a
response typed into the web form.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.exceptions import InvalidFileException

from surveys.answers import wide_columns
from surveys.formats.io.columns import (
    LANGUAGE,
    SUBMITTED_AT,
    XLSX_CR,
    csv_text_restore,
)
from surveys.formats.xlsx_guard import xlsx_bounds_check
from surveys.models import LANGUAGES, Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get
from surveys.services import NewResponse, responses_bulk_create
from surveys.validation import response_validate

# Header cells are codes, which never contain these, so the header alone tells the delimiter
# (csv.Sniffer guesses from the data, where commas inside answers mislead it).
DELIMITERS = (",", ";", "\t")
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
    # and fill every row up to the last column a sheet claims (surveys.formats.xlsx_guard).
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
    notes = [name for name in dict.fromkeys(columns) if _is_note(schema, name)]
    if notes:
        errors.append(
            _("Columns named after notes, which take no answers: %(columns)s. Leave them out of "
              "the file.") % {"columns": ", ".join(notes)}
        )  # fmt: skip
    unknown = [
        name
        for name in dict.fromkeys(columns)
        if name and name not in allowed and name not in notes
    ]
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


def _is_note(schema: SurveySchema, column: str) -> bool:
    question = schema.questions.get(column)
    return question is not None and question.is_note


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
