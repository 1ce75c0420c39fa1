"""What reading and writing the wide format share: its fixed columns and the rule for text cells."""

from __future__ import annotations

import re

LANGUAGE = "language"
SUBMITTED_AT = "submitted_at"
FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
# XML turns a carriage return into a line feed; Excel writes and reads it as this escape, which
# openpyxl leaves alone, so texts with Windows line breaks round-trip only if we do the same.
XLSX_CR = "_x000D_"
# A spreadsheet opening a CSV runs a cell starting with = + - @ tab or CR as a formula (some
# locales fold the fullwidth forms into these). Such a text, after any apostrophes it already
# starts with, gets one more in front (OWASP's advice); reading takes exactly one off again, so
# every text comes back as it was. Numbers are not text: a number column is never prefixed.
PROTECTED = re.compile(r"'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]")
PROTECTED_FIRST = frozenset("'=+-@\t\r\uff1d\uff0b\uff0d\uff20")  # a quick test, most cells fail it


def csv_text_protect(value: str) -> str:
    """A text cell as the CSV export writes it: see PROTECTED."""
    return "'" + value if value[:1] in PROTECTED_FIRST and PROTECTED.match(value) else value


def csv_text_restore(value: str) -> str:
    """The text a CSV cell written by `csv_text_protect` came from."""
    return value[1:] if value.startswith("'") and PROTECTED.match(value, 1) else value
