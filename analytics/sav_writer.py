"""An SPSS system file (.sav) written chunk by chunk, in memory that does not grow with the cases.

`pyreadstat.write_sav` takes one DataFrame holding every case. `SavWriter` writes the file
pyreadstat 1.3.8 writes (its bundled ReadStat: uncompressed, UTF-8, the same records in the same
order, with the same short names, formats and padding; only the product name and the creation
time in the header differ) from chunks of columns. String variables are as wide as their longest
value, which is known only at the end, and the data records come after the dictionary, so the
chunks go first to an unnamed temporary file beside `path` (numbers as float64, texts as lengths
and UTF-8 bytes); `close()` writes the dictionary, then reads the chunks back one at a time and
lays each out as fixed-width case records with numpy (one structured array a chunk).

The layout follows the SPSS system file format (as documented by PSPP) and ReadStat's writer,
src/spss/readstat_sav_write.c: record types 1 (header), 2 (variables, continuation and very
long string segment records), 3 and 4 (value labels), 7 (subtypes 3, 4, 20, 11, 13, 14, 21, 22,
16) and 999, then the cases.
"""

from __future__ import annotations

import re
import struct
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

SYSMIS = struct.unpack("<d", struct.pack("<Q", 0xFFEFFFFFFFFFFFFF))[0]  # -DBL_MAX
HIGHEST = struct.unpack("<d", struct.pack("<Q", 0x7FEFFFFFFFFFFFFF))[0]
LOWEST = struct.unpack("<d", struct.pack("<Q", 0xFFEFFFFFFFFFFFFE))[0]
PRODUCT = b"@(#) SPSS DATA FILE - Saualnama (analytics.sav_writer)"
MAX_SHORT_STRING = 255  # bytes in one segment; longer strings are "very long", in segments
SEGMENT_STEP = 252  # what each segment but the last counts towards the width (as SPSS does)
MAX_STRING = 32767
LABEL_BYTES = 256
VALUE_LABEL_BYTES = 120
FILE_LABEL_BYTES = 64
NAME_BYTES = 64
MEASURES = {"unknown": 0, "nominal": 1, "ordinal": 2, "scale": 3}
FORMAT_TYPES = {"A": 1, "F": 5, "DATE": 20, "TIME": 21, "DATETIME": 22}
FORMAT_DEFAULT_WIDTHS = {"DATETIME": 20}  # what ReadStat gives "DATETIME" without a width
BLANK_FORMAT = 0x011D01  # ReadStat's print/write format of continuation records
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class SavColumn:
    """One variable. `format` is numeric only ("F8.0", "F13.2", "DATETIME"; empty is ReadStat's
    F8.2); a string is A<its width>. `missing` holds discrete user-missing values (at most
    three) and at most one (lo, hi) range of numbers. Labels are cut to the format's limits in
    bytes: callers wanting them cut between characters do so first."""

    name: str
    string: bool = False
    label: str = ""
    format: str = ""
    measure: str = "nominal"
    value_labels: Mapping[Any, str] = field(default_factory=dict)
    missing: tuple[Any, ...] = ()


class SavWriter:
    """`write()` chunks of columns (numbers as floats with NaN for system missing, texts as
    `str`), then `close()`: the .sav at `path` holds them as cases, in order.

    Use it as a context manager: leaving the block normally closes it; leaving on an exception
    leaves no file written and removes the spooled chunks.
    """

    def __init__(self, *, path: str | Path, columns: Sequence[SavColumn], file_label: str = ""):
        if len({c.name for c in columns}) != len(columns):
            raise ValueError("variable names must be unique")
        for column in columns:
            _check_column(column)
        self.path = Path(path)
        self.columns = list(columns)
        self.file_label = file_label
        self.count = 0
        # A string is at least 1 byte wide, and as wide as its labelled values (as pyreadstat).
        self._widths = [
            max([1, *(len(str(key)) for key in c.value_labels)]) if c.string else 0
            for c in self.columns
        ]
        # Unnamed, so gone once closed: by close(), or on leaving the block with an error.
        self._spool: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115
            prefix="sav-spool-", dir=self.path.parent
        )

    def __enter__(self) -> SavWriter:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if kind is None:
            self.close()
        elif self._spool is not None:
            self._spool.close()
            self._spool = None

    def write(self, values: Sequence[Sequence[Any]]) -> None:
        """One chunk: a sequence of values for each column, all of the same length."""
        spool = self._require_open()
        if len(values) != len(self.columns):
            raise ValueError(f"{len(values)} columns given, {len(self.columns)} declared")
        cases = len(values[0]) if values else 0
        if any(len(v) != cases for v in values):
            raise ValueError("every column of a chunk must have as many values")
        if not cases:
            return
        spool.write(struct.pack("<q", cases))
        for i, (column, cells) in enumerate(zip(self.columns, values, strict=True)):
            if not column.string:
                spool.write(np.asarray(cells, dtype="<f8").tobytes())
                continue
            encoded = [text.encode() for text in cells]
            lengths = np.fromiter(map(len, encoded), dtype="<i4", count=cases)
            widest = int(lengths.max())
            if widest > MAX_STRING:
                raise ValueError(f"{column.name}: a text of {widest} bytes, over {MAX_STRING}")
            self._widths[i] = max(self._widths[i], widest)
            spool.write(lengths.tobytes())
            spool.write(b"".join(encoded))
        self.count += cases

    def close(self) -> int:
        """Write the file; how many cases it holds."""
        spool = self._require_open()
        try:
            layout = _Layout(self.columns, self._widths)
            with self.path.open("wb") as out:
                out.write(self._dictionary(layout))
                spool.seek(0)
                self._cases_write(spool, layout, out)
        finally:
            spool.close()
            self._spool = None
        return self.count

    def _require_open(self) -> IO[bytes]:
        if self._spool is None:
            raise ValueError("the writer is closed")
        return self._spool

    def _cases_write(self, spool: IO[bytes], layout: _Layout, out: IO[bytes]) -> None:
        """The spooled chunks read back one at a time, each written as fixed-width cases."""
        written = 0
        while written < self.count:
            (cases,) = struct.unpack("<q", spool.read(8))
            records = np.empty(cases, dtype=layout.dtype)
            for i, column in enumerate(self.columns):
                key = f"c{i}"
                if not column.string:
                    numbers = np.frombuffer(spool.read(8 * cases), dtype="<f8")
                    records[key] = np.where(np.isnan(numbers), SYSMIS, numbers)
                    continue
                lengths = np.frombuffer(spool.read(4 * cases), dtype="<i4")
                blob = np.frombuffer(spool.read(int(lengths.sum(dtype=np.int64))), np.uint8)
                records[key] = _padded(lengths, blob, layout.storage[i], self._widths[i])
            out.write(records.view(np.uint8).data)
            written += cases

    def _dictionary(self, layout: _Layout) -> bytes:
        """Everything before the cases: header, variables, labels, extension records, 999."""
        parts = [self._header(layout)]
        for i, column in enumerate(self.columns):
            parts.append(_variable_records(column, self._widths[i], layout.names[i]))
        for i, column in enumerate(self.columns):
            if column.value_labels and layout.storage[i] <= 8:
                parts.append(_value_labels(column, 1 + layout.offsets[i] // 8))
        parts.append(_extension(3, 4, struct.pack("<8i", 20, 0, 0, -1, 1, 1, 2, 65001)))
        parts.append(_extension(4, 8, struct.pack("<3d", SYSMIS, HIGHEST, LOWEST)))
        parts.append(_extension(20, 1, b"UTF-8"))
        parts.append(_extension(11, 4, self._display(layout)))
        long_names = "\t".join(
            f"{short}={column.name.encode()[:NAME_BYTES].decode()}"
            for short, column in zip(layout.short_names, self.columns, strict=True)
        )
        parts.append(_extension(13, 1, long_names.encode()))
        very_long = b"".join(
            f"{short}={width:05d}".encode() + b"\0\t"
            for short, width in zip(layout.short_names, self._widths, strict=True)
            if width > MAX_SHORT_STRING
        )
        if very_long:
            parts.append(_extension(14, 1, very_long))
        long_labels = b"".join(
            _long_string_value_labels(column, self._widths[i])
            for i, column in enumerate(self.columns)
            if column.string and column.value_labels and layout.storage[i] > 8
        )
        if long_labels:
            parts.append(_extension(21, 1, long_labels))
        long_missing = b"".join(
            _long_string_missing(column)
            for i, column in enumerate(self.columns)
            if column.string and column.missing and layout.storage[i] > 8
        )
        if long_missing:
            parts.append(_extension(22, 1, long_missing))
        parts.append(_extension(16, 8, struct.pack("<2q", 1, self.count)))
        parts.append(struct.pack("<2i", 999, 0))
        return b"".join(parts)

    def _header(self, layout: _Layout) -> bytes:
        now = time.localtime()
        created = f"{now.tm_mday:02d} {MONTHS[now.tm_mon - 1]} {now.tm_year % 100:02d}"
        return b"".join(
            [
                b"$FL2",
                PRODUCT.ljust(60),
                struct.pack("<5i", 2, layout.slots, 0, 0, self.count),
                struct.pack("<d", 100.0),
                created.encode(),
                f"{now.tm_hour:02d}:{now.tm_min:02d}:{now.tm_sec:02d}".encode(),
                self.file_label.encode()[:FILE_LABEL_BYTES].ljust(FILE_LABEL_BYTES),
                b"\0\0\0",
            ]
        )

    def _display(self, layout: _Layout) -> bytes:
        """Measure, display width (8, as ReadStat's default) and alignment of each segment."""
        parts = []
        for i, column in enumerate(self.columns):
            alignment = 0 if column.string else 1  # left, right
            entry = struct.pack("<3i", MEASURES[column.measure], 8, alignment)
            parts.append(entry * _segments(self._widths[i]) if column.string else entry)
        return b"".join(parts)


class _Layout:
    """Where each variable sits in a case record, and its short (8-byte) names."""

    def __init__(self, columns: Sequence[SavColumn], widths: Sequence[int]):
        self.storage = [
            _storage(w) if c.string else 8 for c, w in zip(columns, widths, strict=True)
        ]
        self.offsets = [sum(self.storage[:i]) for i in range(len(columns))]
        self.slots = sum(self.storage) // 8
        self.dtype = np.dtype(
            {
                "names": [f"c{i}" for i in range(len(columns))],
                "formats": [
                    ("u1", (s,)) if c.string else "<f8"
                    for c, s in zip(columns, self.storage, strict=True)
                ],
                "offsets": self.offsets,
                "itemsize": max(8 * self.slots, 1),
            }
        )
        self.short_names, self.names = _short_names(columns, widths)


def _check_column(column: SavColumn) -> None:
    if not column.name.isascii() or not re.fullmatch(r"[A-Za-z@][A-Za-z0-9@._$#]*", column.name):
        raise ValueError(f"{column.name!r} is not an SPSS variable name")
    if column.measure not in MEASURES:
        raise ValueError(f"{column.name}: unknown measure {column.measure!r}")
    if column.string and column.format:
        raise ValueError(f"{column.name}: a string's format is A<width>, set by the writer")
    if column.format:
        _format_code(column.format)
    ranges = [m for m in column.missing if isinstance(m, tuple)]
    if len(ranges) > 1 or len(column.missing) + len(ranges) > 3:
        raise ValueError(f"{column.name}: at most 3 missing values, one range counting as 2")
    if column.string and (ranges or any(len(str(m).encode()) > 8 for m in column.missing)):
        raise ValueError(f"{column.name}: a string's missing values are single, of 8 bytes at most")


def _format_code(text: str) -> int:
    match = re.fullmatch(r"([A-Z]+)(\d*)(?:\.(\d+))?", text)
    if not match or match[1] not in FORMAT_TYPES or match[1] == "A":
        raise ValueError(f"unsupported format {text!r}")
    width = int(match[2]) if match[2] else FORMAT_DEFAULT_WIDTHS.get(match[1])
    if width is None:
        raise ValueError(f"the format {text!r} needs a width")
    return _encode_format(FORMAT_TYPES[match[1]], width, int(match[3] or 0))


def _encode_format(kind: int, width: int, decimals: int = 0) -> int:
    return (kind << 16) | (min(width, 0xFF) << 8) | decimals


def _segments(width: int) -> int:
    return (width + SEGMENT_STEP - 1) // SEGMENT_STEP if width > MAX_SHORT_STRING else 1


def _storage(width: int) -> int:
    """Bytes a string of `width` takes in a case: 8-byte units, 256 for each full segment."""
    if width <= MAX_SHORT_STRING:
        return (width + 7) // 8 * 8
    segments = _segments(width)
    last = width - (segments - 1) * SEGMENT_STEP
    return (segments - 1) * 256 + (last + 7) // 8 * 8


def _segment_widths(width: int) -> list[int]:
    segments = _segments(width)
    if segments == 1:
        return [width]
    return [MAX_SHORT_STRING] * (segments - 1) + [width - (segments - 1) * SEGMENT_STEP]


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = BASE36[digit] + digits
        if not number:
            return digits


def _short_names(
    columns: Sequence[SavColumn], widths: Sequence[int]
) -> tuple[list[str], list[list[str]]]:
    """ReadStat's short names: the long name's first 8 bytes in capitals, or V1, V2... (base 36)
    on a clash; then each later segment of a very long string its stem (5 bytes) and a count."""
    taken: set[str] = set()
    shorts = []
    counter = 1
    for column in columns:
        short = column.name[:8].upper()
        while short in taken:
            short = f"V{_base36(counter)}"
            counter += 1
        taken.add(short)
        shorts.append(short)
    names = []
    for short, column, width in zip(shorts, columns, widths, strict=True):
        segment_names = [short]
        number = 0
        for _ in range(_segments(width) - 1 if column.string else 0):
            name = f"{short[:5]}{_base36(number)}"
            while name in taken:
                number += 1
                name = f"{short[:5]}{_base36(number)}"
            taken.add(name)
            segment_names.append(name)
        names.append(segment_names)
    return shorts, names


def _variable_record(
    kind: int, fmt: int, name: str, label: bytes = b"", missing: bytes = b"", n_missing: int = 0
) -> bytes:
    head = struct.pack("<6i", 2, kind, bool(label), n_missing, fmt, fmt) + name.encode().ljust(8)
    if label:
        label = label[:LABEL_BYTES]
        head += struct.pack("<i", len(label)) + label.ljust((len(label) + 3) // 4 * 4)
    return head + missing


def _continuations(count: int) -> bytes:
    blank = struct.pack("<6i", 2, -1, 0, 0, BLANK_FORMAT, BLANK_FORMAT) + b" " * 8
    return blank * min(count, 31)


def _variable_records(column: SavColumn, width: int, names: list[str]) -> bytes:
    label = column.label.encode()
    missing, n_missing = _missing(column, width)
    if not column.string:
        fmt = _format_code(column.format) if column.format else _encode_format(5, 8, 2)
        return _variable_record(0, fmt, names[0], label, missing, n_missing)
    parts = []
    for number, (name, segment) in enumerate(zip(names, _segment_widths(width), strict=True)):
        if number == 0:
            base = min(width, MAX_SHORT_STRING)
            parts.append(
                _variable_record(base, _encode_format(1, base), name, label, missing, n_missing)
            )
            parts.append(_continuations(_storage(width) // 8 - 1))
        else:
            parts.append(_variable_record(segment, _encode_format(1, segment), name))
            parts.append(_continuations((segment + 7) // 8 - 1))
    return b"".join(parts)


def _missing(column: SavColumn, width: int) -> tuple[bytes, int]:
    """The user-missing values of the variable record: a range first, then discrete values."""
    if not column.missing or (column.string and _storage(width) > 8):
        return b"", 0
    if column.string:
        values = [str(m).encode().ljust(8) for m in column.missing]
        return b"".join(values), len(values)
    ranges = [m for m in column.missing if isinstance(m, tuple)]
    single = [m for m in column.missing if not isinstance(m, tuple)]
    parts = [struct.pack("<2d", *r) for r in ranges[:1]]
    parts += [struct.pack("<d", m) for m in single]
    count = len(parts) + len(ranges[:1])
    return b"".join(parts), -count if ranges else count


def _value_labels(column: SavColumn, index: int) -> bytes:
    """Record types 3 and 4: the labels of a number or of a string of 8 bytes at most."""
    parts = [struct.pack("<2i", 3, len(column.value_labels))]
    for value, text in column.value_labels.items():
        if column.string:
            parts.append(str(value).encode()[:8].ljust(8))
        else:
            parts.append(struct.pack("<d", value))
        label = text.encode()[:VALUE_LABEL_BYTES]
        parts.append(bytes([len(label)]) + label.ljust((len(label) + 8) // 8 * 8 - 1))
    parts.append(struct.pack("<3i", 4, 1, index))
    return b"".join(parts)


def _long_string_value_labels(column: SavColumn, width: int) -> bytes:
    """Subtype 21: one variable's labels, its values space-padded to its width."""
    name = column.name.encode()
    parts = [
        struct.pack("<i", len(name)),
        name,
        struct.pack("<2i", width, len(column.value_labels)),
    ]
    for value, text in column.value_labels.items():
        label = text.encode()[:VALUE_LABEL_BYTES]
        parts.append(struct.pack("<i", width) + str(value).encode().ljust(width))
        parts.append(struct.pack("<i", len(label)) + label)
    return b"".join(parts)


def _long_string_missing(column: SavColumn) -> bytes:
    name = column.name.encode()
    values = b"".join(str(m).encode().ljust(8) for m in column.missing)
    return struct.pack("<i", len(name)) + name + struct.pack("<bi", len(column.missing), 8) + values


def _extension(subtype: int, size: int, data: bytes) -> bytes:
    return struct.pack("<4i", 7, subtype, size, len(data) // size) + data


def _padded(lengths: np.ndarray, blob: np.ndarray, storage: int, width: int) -> np.ndarray:
    """The texts as rows of `storage` bytes, space-padded; a very long string's bytes are laid
    255 to each 256-byte segment (ReadStat's layout), all without a loop over the cases."""
    rows = np.full((len(lengths), storage), 0x20, dtype=np.uint8)
    if not len(blob):
        return rows
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    case = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(blob), dtype=np.int64) - np.repeat(starts, lengths)
    if width > MAX_SHORT_STRING:
        position += position // MAX_SHORT_STRING
    rows[case, position] = blob
    return rows
