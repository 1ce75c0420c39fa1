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

import struct
import zipfile
import zlib
from collections.abc import Iterator
from os import PathLike
from typing import IO
from xml.sax import SAXException

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .xlsx_cells import Counter, PartHandler, Refused

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


def _limit(value: int | None, name: str, default: int) -> int:
    return value if value is not None else getattr(settings, name, default)


def _refusal(code: str, limit: int) -> ValidationError:
    shown = limit / MEGABYTE if code == "unpacked" else limit
    shown = int(shown) if float(shown).is_integer() else round(shown, 1)
    return ValidationError(
        error_messages[code], code=code, params={"limit": number_format(shown, force_grouping=True)}
    )


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


def _part_check(handle: IO[bytes], info: zipfile.ZipInfo, counter: Counter) -> None:
    """Unpack one part, counting its bytes and, if it is XML, its cells and their text."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and LZMA: no spreadsheet program writes them, and zipfile inflates them without
        # an output bound.
        raise Refused("compression")
    parse = info.filename.lower().endswith((".xml", ".rels"))
    parser = create_parser(forbid_dtd=True) if parse else None
    handler = PartHandler(counter)
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
        raise Refused("xml") from exc
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
    counter = Counter(
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
            except Refused as refused:
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
