"""A streaming XLSX writer for the raw exports: one row in memory, rows straight into the zip.

Why not a library: openpyxl's write-only mode builds a cell object and an lxml element per cell
(13 µs a cell, 90% of a large export), and XlsxWriter's constant-memory mode measured no faster
here (issue 18: 9.8 s against openpyxl's 9.8 s for 10k responses of 99 columns). A cell here is a
formatted string: a row of the responses sheet is one join.

What a reader gets is what openpyxl's write-only mode gave (the golden tests compare every cell):
text is always an inline string (never a formula, an error value or a number, whatever it looks
like), cut at Excel's 32,767 characters, without the control characters XML cannot hold, with
xml:space="preserve" when it has leading or trailing space; numbers are written as openpyxl
writes them ("%.16g", so 2.0 reads back as 2); booleans as t="b"; None and "" as no cell.
Carriage returns are written as Excel's `_x000D_` by the caller (see `columns.XLSX_CR`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl.utils import get_column_letter

MAX_TEXT = 32767  # Excel's limit for a cell's text; openpyxl cut there too
# Characters XML 1.0 cannot hold, then the three that must be escaped in text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Deflate level: 1 compresses the sheet XML several times faster than zipfile's default (6), at
# a file about a third larger.
COMPRESS_LEVEL = 1

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
BOLD = 1  # the style index of bold text, the only style besides the default (0)


def xlsx_text(value: str) -> str:
    """The XML of a text cell's <t> content, and its attributes; see the module's doc."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if _SPECIAL.search(value) is not None:
        value = _NOT_XML.sub("", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # A raw CR would read back as LF (XML's line-end rule); a character reference stays CR.
        value = value.replace("\r", "&#13;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def xlsx_number(value: int | float | Decimal) -> str:
    # openpyxl's own formatting (compat.safe_string), so numbers read back as they did.
    return "%.16g" % value  # noqa: UP031


class XlsxSheet:
    """One worksheet being written; rows go in order, each at most once."""

    def __init__(self, stream: IO[bytes], width: int) -> None:
        self._stream = stream
        self._number = 0
        self.refs = [get_column_letter(column) for column in range(1, width + 1)]

    def row_xml_write(self, cells: str) -> None:
        """Write the next row from its cells' XML (`<c r="A7" ...>`), for the fast paths."""
        self._number += 1
        self._stream.write(f'<row r="{self._number}">{cells}</row>'.encode())

    @property
    def next_row(self) -> int:
        return self._number + 1

    def row_write(self, values: Sequence[Any], *, style: int = 0) -> None:
        """Write the next row from Python values: str, int, float, Decimal, bool or None."""
        number = self.next_row
        styled = f' s="{style}"' if style else ""
        cells = []
        for ref, value in zip(self.refs, values, strict=False):
            if value is None or value == "":
                continue
            at = f'r="{ref}{number}"{styled}'
            if isinstance(value, str):
                cells.append(f'<c {at} t="inlineStr"><is>{xlsx_text(value)}</is></c>')
            elif isinstance(value, bool):
                cells.append(f'<c {at} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                cells.append(f'<c {at} t="n"><v>{xlsx_number(value)}</v></c>')
            else:
                raise TypeError(f"no XLSX cell for {type(value).__name__}")
        self.row_xml_write("".join(cells))


class XlsxBook:
    """An XLSX file written sheet after sheet into `out` (a binary stream); `close()` ends it.

    Sheets are written one at a time: `sheet_write` opens one, the caller writes its rows, and
    the next `sheet_write` or `close` ends it. Only the open sheet's current row is in memory.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        )
        self._titles: list[str] = []
        self._stream: IO[bytes] | None = None
        self._closed = False

    def sheet_write(self, *, title: str, width: int, frozen_header: bool = False) -> XlsxSheet:
        """Start the next sheet, `width` columns wide; `frozen_header` keeps row 1 in view."""
        self._sheet_end()
        self._titles.append(title)
        name = f"xl/worksheets/sheet{len(self._titles)}.xml"
        # Its size is unknown until the end: zip64 lets the entry pass 2 GiB if it must.
        self._stream = self._zip.open(name, "w", force_zip64=True)
        view = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            if frozen_header
            else ""
        )
        selected = ' tabSelected="1"' if len(self._titles) == 1 else ""
        self._stream.write(
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>'
            f'<sheetView{selected} workbookViewId="0">{view}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><sheetData>'.encode()
        )
        return XlsxSheet(self._stream, width)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._sheet_end()
        if not self._titles:
            self.sheet_write(title="Sheet1", width=1)
            self._sheet_end()
        self._package_write()
        self._zip.close()

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.close()
        else:  # an unfinished file: released, not completed
            self._closed = True
            if self._stream is not None:
                self._stream.close()
            self._zip.close()

    def _sheet_end(self) -> None:
        if self._stream is not None:
            self._stream.write(b"</sheetData></worksheet>")
            self._stream.close()
            self._stream = None

    def _package_write(self) -> None:
        count = range(1, len(self._titles) + 1)
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        self._part(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
                for n in count
            )
            + "</Types>",
        )
        self._part(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        sheets = "".join(
            f'<sheet name="{_attribute(title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, title in zip(count, self._titles, strict=True)
        )
        self._part(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        styles = len(self._titles) + 1
        self._part(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in count
            )
            + f'<Relationship Id="rId{styles}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        self._part("xl/styles.xml", _STYLES)

    def _part(self, name: str, xml: str) -> None:
        self._zip.writestr(name, (_XML + xml).encode())


def _attribute(text: str) -> str:
    return (
        _NOT_XML.sub("", text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


# Calibri 11 as Excel's default, and bold (style 1) for headers.
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
