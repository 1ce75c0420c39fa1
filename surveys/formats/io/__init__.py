"""The wide response format: one row per response, read from and written to CSV and XLSX.

Columns are `language`, `submitted_at`, then `surveys.answers.wide_columns(schema)`; the format is
described in docs/response-format.md. `read` reads files and imports their rows, `write` exports,
`columns` holds what both share. The names are re-exported here, the format's one address.
"""

from surveys.formats.io.columns import (
    FORMATS,
    LANGUAGE,
    SUBMITTED_AT,
    csv_text_protect,
    csv_text_restore,
)
from surveys.formats.io.read import (
    ImportReport,
    RowError,
    WideFileError,
    WideRows,
    responses_import,
    wide_header_errors,
    wide_rows_read,
)
from surveys.formats.io.write import counted, responses_export, wide_records

__all__ = [
    "FORMATS",
    "LANGUAGE",
    "SUBMITTED_AT",
    "ImportReport",
    "RowError",
    "WideFileError",
    "WideRows",
    "counted",
    "csv_text_protect",
    "csv_text_restore",
    "responses_export",
    "responses_import",
    "wide_header_errors",
    "wide_records",
    "wide_rows_read",
]
