"""Counting a workbook's XML parts as they stream: cells, the grid they span, and their text with
every shared string expanded. `xlsx_guard` feeds the parts and turns a `Refused` into the user's
message; nothing here keeps a part's text.
"""

from __future__ import annotations

import re
from array import array
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

# A cell's address, e.g. B12 or $B$12: openpyxl fills every row up to the last column it saw.
ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
# Row numbers longer than this are past any limit; int() of thousands of digits is slow or fails.
ROW_DIGITS = 12
# An index into the shared strings is a small number; more digits than this is no index.
INDEX_DIGITS = 12


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _row_number(digits: str) -> int:
    return int(digits) if len(digits) <= ROW_DIGITS else 10**ROW_DIGITS


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class Counter:
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
            raise Refused("unpacked")

    def add_text(self, size: int) -> None:
        self.text += size
        if self.text > self.max_text_chars:
            raise Refused("text")

    def add_cell(self) -> None:
        self.cells += 1
        if self.cells > self.max_cells:
            raise Refused("cells")

    def add_extent(self, rows: int, columns: int) -> None:
        self.extent += rows * columns
        if self.extent > self.max_cells:
            raise Refused("cells")

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


class PartHandler(ContentHandler):
    """Counts one XML part as SAX events arrive: nothing of its text is kept.

    Names are compared without their prefix: Excel writes none, other programs write `x:`.
    """

    def __init__(self, counter: Counter) -> None:
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
