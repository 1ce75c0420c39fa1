"""Workbooks (.xlsx) bounded before any parser reads them: what they unpack to, and what their
cells hold once every shared text is expanded.

A workbook is a ZIP of XML parts, and both layers multiply: a few KB of ZIP unpack to hundreds of
MB, and one shared string of 1 MB used by 200 cells is 200 MB of text to openpyxl's callers
(pyxform, django-import-export, the response import) while its file is 4 KB. A sheet may also
claim, by its `<dimension>` or by the address of its last cell, a grid of a billion cells that
openpyxl then fills with empty cells row by row. The checks here read the archive as a stream,
count, and stop at the first limit passed, so that refusing a bomb costs a bounded time and
memory whatever the bomb holds.

What cannot be checked (no ZIP, a damaged or encrypted part, XML that is not well formed) is left
to the parser, which fails on it no later than the check stopped: it reads the same bytes through
`zipfile` and expat.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from os import PathLike
from typing import IO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

MEGABYTE = 1024 * 1024
DEFAULT_MAX_UNPACKED_BYTES = 50 * MEGABYTE
DEFAULT_MAX_TEXT_CHARS = 20_000_000
DEFAULT_MAX_CELLS = 1_000_000
# A workbook from Excel or LibreOffice has 10 to 30 parts, a few hundred with many sheets.
DEFAULT_MAX_ENTRIES = 1000
# Bytes of ZIP directory allowed per entry (46 fixed, the name, extra fields): the directory is
# what `zipfile.ZipFile()` parses whole into objects, before anything else can be checked.
DIRECTORY_BYTES_PER_ENTRY = 512
CHUNK = 64 * 1024
END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
END_OF_DIRECTORY_MAGIC = b"PK\x05\x06"
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_HEADER_MAGIC = b"PK\x03\x04"
# A cell's address, e.g. B12 or $B$12: openpyxl fills every row up to the last column it saw.
ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# Row numbers longer than this are past any limit; int() of thousands of digits is slow or fails.
ROW_DIGITS = 12
# An index into the shared strings is a small number; more digits than this is no index.
INDEX_DIGITS = 12

error_messages = {
    "entries": _(
        "The workbook holds too many parts (more than %(limit)s); it is not a workbook that "
        "Excel or LibreOffice saved."
    ),
    "unpacked": _(
        "The workbook is too large once unpacked: more than %(limit)s MB. Remove what the "
        "import does not need (other sheets, pictures) and try again."
    ),
    "text": _(
        "The workbook's cells hold too much text: more than %(limit)s characters in all, "
        "counting a text again for every cell that repeats it."
    ),
    "cells": _(
        "The workbook has too many cells: more than %(limit)s, counted from the first row and "
        "column of each sheet to its last."
    ),
    "compression": _(
        "The workbook is compressed in a way no spreadsheet program uses; save it again from "
        "Excel or LibreOffice."
    ),
    "xml": _(
        "The workbook contains a document type declaration or entities, which no spreadsheet "
        "program writes; it was not read."
    ),
}


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _limit(value: int | None, name: str, default: int) -> int:
    return value if value is not None else getattr(settings, name, default)


def _refusal(code: str, limit: int) -> ValidationError:
    shown = limit / MEGABYTE if code == "unpacked" else limit
    shown = int(shown) if float(shown).is_integer() else round(shown, 1)
    return ValidationError(
        error_messages[code], code=code, params={"limit": number_format(shown, force_grouping=True)}
    )


def _row_number(digits: str) -> int:
    return int(digits) if len(digits) <= ROW_DIGITS else 10**ROW_DIGITS


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class _Counter:
    """What every part adds up to, across the whole workbook."""

    def __init__(self, *, max_unpacked_bytes: int, max_text_chars: int, max_cells: int) -> None:
        self.max_unpacked_bytes = max_unpacked_bytes
        self.max_text_chars = max_text_chars
        self.max_cells = max_cells
        self.unpacked = 0
        self.text = 0
        self.cells = 0
        self.extent = 0
        # The length of each shared string (the largest, if a workbook has several tables), and
        # the index each shared-string cell refers to: resolved at the end, as the parts may come
        # in any order. Arrays: a few bytes an item, where a list of ints costs ten times more.
        self.shared = array("q")
        self.references = array("q")

    def unpack(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.max_unpacked_bytes:
            raise _Refused("unpacked")

    def add_text(self, size: int) -> None:
        self.text += size
        if self.text > self.max_text_chars:
            raise _Refused("text")

    def add_cell(self) -> None:
        self.cells += 1
        if self.cells > self.max_cells:
            raise _Refused("cells")

    def add_extent(self, rows: int, columns: int) -> None:
        self.extent += rows * columns
        if self.extent > self.max_cells:
            raise _Refused("cells")

    def shared_length(self, index: int, length: int) -> None:
        if index < len(self.shared):
            self.shared[index] = max(self.shared[index], length)
        else:
            self.shared.append(length)

    def finish(self) -> None:
        shared, size = self.shared, len(self.shared)
        for index in self.references:
            if 0 <= index < size:
                self.add_text(shared[index])


class _PartHandler(ContentHandler):
    """Counts one XML part as SAX events arrive: nothing of its text is kept.

    Names are compared without their prefix: Excel writes none, other programs write `x:`.
    """

    def __init__(self, counter: _Counter) -> None:
        super().__init__()
        self.counter = counter
        self.depth = 0
        self.is_table = False  # the root is <sst>: a shared-string table
        self.string_index = 0
        self.string_length: int | None = None  # inside an <si>
        self.in_cell = False
        self.cell_shared = False
        self.in_value = False
        self.index_digits: list[str] = []
        self.row = 0
        self.column = 0
        self.max_row = 0
        self.max_column = 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        local = name.rpartition(":")[2]
        self.depth += 1
        if self.depth == 1:
            self.is_table = local == "sst"
        elif self.is_table:
            if local == "si" and self.depth == 2:
                self.string_length = 0
        elif local == "c":
            self._cell(attrs)
        elif local == "row":
            row = attrs.get("r", "")
            # openpyxl yields an empty row for every number skipped, up to this one.
            self.row = _row_number(row) if row.isdigit() else self.row + 1
            self.column = 0
            self.max_row = max(self.max_row, self.row)
        elif local == "dimension":
            # openpyxl pads every row to the dimension's last column and every sheet to its
            # last row, however few cells the sheet really has.
            self._address(attrs.get("ref", "").rpartition(":")[2])
        elif local == "v" and self.in_cell:
            self.in_value = True

    def _cell(self, attrs: AttributesImpl) -> None:
        self.counter.add_cell()
        self.in_cell = True
        self.cell_shared = attrs.get("t") == "s"
        self.index_digits = []
        self.column += 1
        address = ADDRESS.fullmatch(attrs.get("r", ""))
        if address:
            self.column = _column_number(address.group(1))
            self.row = max(self.row, _row_number(address.group(2)))
        self.max_row = max(self.max_row, self.row, 1)
        self.max_column = max(self.max_column, self.column)

    def _address(self, ref: str) -> None:
        address = ADDRESS.fullmatch(ref)
        if address:
            self.max_column = max(self.max_column, _column_number(address.group(1)))
            self.max_row = max(self.max_row, _row_number(address.group(2)))

    def endElement(self, name: str) -> None:
        local = name.rpartition(":")[2]
        self.depth -= 1
        if self.is_table:
            if local == "si" and self.depth == 1 and self.string_length is not None:
                self.counter.shared_length(self.string_index, self.string_length)
                self.string_index += 1
                self.string_length = None
        elif local == "v":
            self.in_value = False
        elif local == "c" and self.in_cell:
            self.in_cell = False
            digits = "".join(self.index_digits).strip()
            if self.cell_shared and digits.isdigit() and len(digits) <= INDEX_DIGITS:
                self.counter.references.append(int(digits))

    def characters(self, content: str) -> None:
        if self.string_length is not None:
            self.string_length += len(content)
        elif self.in_cell:
            # An inline string, a formula's text, a number: text the cell holds itself.
            self.counter.add_text(len(content))
            if self.cell_shared and self.in_value and len(self.index_digits) <= INDEX_DIGITS:
                self.index_digits.append(content)

    def extent_add(self) -> None:
        # Rows without a cell count too: openpyxl yields each, and its callers loop over them.
        if self.max_row:
            self.counter.add_extent(self.max_row, max(self.max_column, 1))


class _Damaged(Exception):
    """A part that cannot be unpacked: the parser fails on it at the same byte."""


def _unpacked(handle: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as they really unpack, a chunk at a time, from its compressed bytes.

    Not through `zipfile`: it trusts the unpacked size the ZIP states, stopping there, but its
    `read()` (which openpyxl calls on some parts) first inflates the whole part in one piece, so a
    part stating 1 KB can still take 200 MB on the way.
    """
    handle.seek(info.header_offset)
    header = handle.read(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size or not header.startswith(LOCAL_HEADER_MAGIC):
        raise _Damaged
    name_length, extra_length = LOCAL_HEADER.unpack(header)[-2:]
    handle.seek(info.header_offset + LOCAL_HEADER.size + name_length + extra_length)
    inflate = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type else None
    left = info.compress_size
    while left > 0:
        data = handle.read(min(CHUNK, left))
        if not data:
            raise _Damaged
        left -= len(data)
        if inflate is None:
            yield data
            continue
        while data:
            try:
                chunk = inflate.decompress(data, CHUNK)
            except zlib.error as exc:
                raise _Damaged from exc
            if chunk:
                yield chunk
            if inflate.eof:
                return
            data = inflate.unconsumed_tail


def _part_check(handle: IO[bytes], info: zipfile.ZipInfo, counter: _Counter) -> None:
    """Unpack one part, counting its bytes and, if it is XML, its cells and their text."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and LZMA: no spreadsheet program writes them, and zipfile inflates them without
        # an output bound.
        raise _Refused("compression")
    parse = info.filename.lower().endswith((".xml", ".rels"))
    parser = create_parser(forbid_dtd=True) if parse else None
    handler = _PartHandler(counter)
    if parser is not None:
        parser.setContentHandler(handler)
    try:
        for chunk in _unpacked(handle, info):
            counter.unpack(len(chunk))
            if parser is not None:
                try:
                    parser.feed(chunk)
                except SAXException:
                    # Not well formed: the parser that reads this part fails on it too, and no
                    # further than here; the rest of its bytes are still counted.
                    parser = None
        if parser is not None:
            parser.close()
    except SAXException:
        pass
    except DefusedXmlException as exc:
        raise _Refused("xml") from exc
    except _Damaged:
        # Damaged or encrypted: unreadable to openpyxl as well, which stops at the same byte.
        pass
    # What the sheet showed up to where it ended (or broke off) is what openpyxl would fill.
    handler.extent_add()


def _directory_entries(file: IO[bytes]) -> tuple[int, int] | None:
    """(entries, directory size) from the ZIP's end record, found as `zipfile` finds it; None
    when there is none (no ZIP: the parser refuses it)."""
    file.seek(0, 2)
    size = file.tell()
    if size < END_OF_DIRECTORY.size:
        return None
    file.seek(size - END_OF_DIRECTORY.size)
    tail = file.read(END_OF_DIRECTORY.size)
    if not (tail.startswith(END_OF_DIRECTORY_MAGIC) and tail[-2:] == b"\x00\x00"):
        start = max(0, size - END_OF_DIRECTORY.size - 0xFFFF)
        file.seek(start)
        tail = file.read()
        at = tail.rfind(END_OF_DIRECTORY_MAGIC)
        if at < 0 or len(tail) - at < END_OF_DIRECTORY.size:
            return None
        tail = tail[at : at + END_OF_DIRECTORY.size]
    record = END_OF_DIRECTORY.unpack(tail)
    return record[4], record[5]


def xlsx_directory_check(*, file: IO[bytes], max_entries: int | None = None) -> None:
    """Raise ValidationError (code "entries") if the ZIP's directory announces more entries than
    a workbook has, before `zipfile.ZipFile()` builds an object for each of them."""
    limit = _limit(max_entries, "XLSX_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)
    position = file.tell()
    try:
        found = _directory_entries(file)
    finally:
        file.seek(position)
    # A ZIP64 directory (0xFFFF entries, 0xFFFFFFFF bytes) is past both bounds: no workbook
    # needs one.
    if found and (found[0] > limit or found[1] > limit * DIRECTORY_BYTES_PER_ENTRY):
        raise _refusal("entries", limit)


def xlsx_bounds_check(
    *,
    file: IO[bytes] | str | PathLike[str],
    max_unpacked_bytes: int | None = None,
    max_text_chars: int | None = None,
    max_cells: int | None = None,
    max_entries: int | None = None,
) -> None:
    """Raise ValidationError unless the workbook `file` (an open binary file, or a path) stays
    within every bound; call it before any parser sees the file. An open file is left at its
    start.

    Codes: "entries" (the ZIP has more parts than `max_entries`), "unpacked" (its parts unpack
    to more than `max_unpacked_bytes`), "text" (the cells' text, a shared string counted once for
    each cell using it, passes `max_text_chars`), "cells" (more cells, or a larger grid of rows x
    columns, than `max_cells`), "xml" (a DTD or an entity, refused before expansion),
    "compression" (bzip2 or LZMA, which no spreadsheet program writes). A limit
    left None is the setting XLSX_MAX_UNPACKED_BYTES, XLSX_MAX_TEXT_CHARS, XLSX_MAX_CELLS or
    XLSX_MAX_ENTRIES.
    """
    counter = _Counter(
        max_unpacked_bytes=_limit(
            max_unpacked_bytes, "XLSX_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES
        ),
        max_text_chars=_limit(max_text_chars, "XLSX_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS),
        max_cells=_limit(max_cells, "XLSX_MAX_CELLS", DEFAULT_MAX_CELLS),
    )
    entries = _limit(max_entries, "XLSX_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)
    handle = file if hasattr(file, "read") else open(file, "rb")  # noqa: SIM115
    try:
        handle.seek(0)
        xlsx_directory_check(file=handle, max_entries=entries)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return  # no ZIP: nothing unpacks, and the parser says what is wrong with it
        with archive:
            infos = archive.infolist()
            if len(infos) > entries:
                raise _refusal("entries", entries)
            # The directory's own sizes refuse an honest bomb without unpacking a byte.
            if sum(info.file_size for info in infos) > counter.max_unpacked_bytes:
                raise _refusal("unpacked", counter.max_unpacked_bytes)
            try:
                for info in infos:
                    _part_check(handle, info, counter)
                counter.finish()
            except _Refused as refused:
                limits = {
                    "unpacked": counter.max_unpacked_bytes,
                    "text": counter.max_text_chars,
                    "cells": counter.max_cells,
                }
                raise _refusal(refused.code, limits.get(refused.code, 0)) from None
    finally:
        if handle is file:
            handle.seek(0)
        else:
            handle.close()
