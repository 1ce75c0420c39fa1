"""Uploaded files checked before anything reads them: the type, by extension and by content, the
size, and for a workbook what it unpacks to (surveys.formats.xlsx_guard).

The extension alone proves nothing (a renamed PNG is still a PNG), so each allowed type has a
sniffer that looks at the bytes: an XLSX is a ZIP holding a workbook, a CSV is UTF-8 text.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm

from surveys.formats.xlsx_guard import xlsx_bounds_check, xlsx_directory_check

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MEGABYTE
# A CSV is judged on its head: a text file does not turn binary after its first 64 KiB.
SNIFF_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Control characters other than tab and line breaks: none belongs in a label, a name or an
# address, and PostgreSQL cannot store NUL at all (the same rule as answers, surveys.validation).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

error_messages = {
    "type": _("Only these file types can be uploaded: %(types)s. “%(name)s” is not one of them."),
    "empty": _("The file “%(name)s” is empty."),
    "too_big": _(
        "The file “%(name)s” is %(size)s MB; files of up to %(limit)s MB can be uploaded."
    ),
    "content": _("“%(name)s” is not a real %(type)s file: its content does not match its name."),
    "encoding": _(
        "“%(name)s” is not a CSV file in UTF-8. Save it as “CSV UTF-8” and upload it again."
    ),
    "characters": _("The text contains characters that cannot be stored."),
}


def _head(file: File, size: int) -> bytes:
    file.seek(0)
    try:
        return file.read(size)
    finally:
        file.seek(0)


def _xlsx_problem(file: File) -> str | None:
    if _head(file, len(ZIP_MAGIC)) != ZIP_MAGIC:
        return "content"
    # Any ZIP starts like this (a .docx too): the workbook's own parts must be inside. Only the
    # directory at the end is read, nothing is decompressed; its size first, as `ZipFile()`
    # builds an object for every entry it lists.
    xlsx_directory_check(file=file)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return "content"
    finally:
        file.seek(0)
    return None if all(part in names for part in XLSX_PARTS) else "content"


def _csv_problem(file: File) -> str | None:
    head = _head(file, SNIFF_BYTES)
    whole = file.size <= SNIFF_BYTES
    # An incremental decoder, so that a character cut at the 64 KiB mark is not an error;
    # "utf-8-sig" accepts the byte-order mark Excel writes, and no mark at all.
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    except UnicodeDecodeError:
        return "encoding"
    return "content" if b"\x00" in head else None


SNIFFERS: dict[str, Callable[[File], str | None]] = {
    "csv": _csv_problem,
    "xlsx": _xlsx_problem,
}


def _megabytes(size: int) -> str:
    value = size / MEGABYTE
    return number_format(int(value) if value.is_integer() else round(value, 1))


def upload_check(*, file: File, allowed: set[str], max_bytes: int) -> None:
    """Raise ValidationError unless `file` is one of the `allowed` types (extensions without the
    dot: "csv", "xlsx") by name and by content, and at most `max_bytes` long; a workbook also
    within the bounds of `xlsx_bounds_check` (the XLSX_MAX_* settings)."""
    unknown = set(allowed) - SNIFFERS.keys()
    if unknown:
        raise ValueError(f"No content check for {', '.join(sorted(unknown))}")
    name = PurePath(file.name or "").name
    kind = PurePath(name).suffix.lower().lstrip(".")
    if kind not in allowed:
        types = ", ".join(sorted(t.upper() for t in allowed))
        raise ValidationError(
            error_messages["type"], code="type", params={"types": types, "name": name}
        )
    if file.size > max_bytes:
        raise ValidationError(
            error_messages["too_big"],
            code="too_big",
            params={"name": name, "size": _megabytes(file.size), "limit": _megabytes(max_bytes)},
        )
    if not file.size:
        raise ValidationError(error_messages["empty"], code="empty", params={"name": name})
    problem = SNIFFERS[kind](file)
    if problem:
        raise ValidationError(
            error_messages[problem], code=problem, params={"name": name, "type": kind.upper()}
        )
    if kind == "xlsx":
        # Whoever reads the workbook next (openpyxl under pyxform or django-import-export) would
        # unpack it whole and expand every shared string into every cell that uses it.
        xlsx_bounds_check(file=file)


def row_characters_check(row: Mapping[str, Any]) -> None:
    """Raise ValidationError, by column, if a cell of an imported row holds control characters.

    The upload check reads only the head of a file; this runs on every row an importer reads.
    """
    bad = {
        str(column): [error_messages["characters"]]
        for column, value in row.items()
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value)
    }
    if bad:
        raise ValidationError(bad, code="characters")


class CheckedImportForm(ImportForm):
    """django-import-export's import form, refusing a file of the wrong type or size, or a
    workbook too large once unpacked, before the importer reads it. Set as `import_form_class` on
    an ImportExportModelAdmin.

    The types allowed are the admin's import formats that have a content check (CSV, XLSX).
    """

    def __init__(self, formats: list, resources: list, **kwargs: object) -> None:
        super().__init__(formats, resources, **kwargs)
        offered = {fmt().get_extension().lower() for fmt in formats}
        self.allowed_types = offered & SNIFFERS.keys()

    def clean_import_file(self) -> File:
        file = self.cleaned_data["import_file"]
        max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
        upload_check(file=file, allowed=self.allowed_types, max_bytes=max_bytes)
        return file
