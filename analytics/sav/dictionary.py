"""The dictionary of an SPSS system file: every record before the cases, as ReadStat writes it.

The SPSS system file format (as documented by PSPP) and ReadStat's writer
(src/spss/readstat_sav_write.c, the copy bundled with pyreadstat 1.3.8): record types 1
(header), 2 (variables, their continuation records and very long strings' segments), 3 and 4
(value labels), 7 (subtypes 3, 4, 20, 11, 13, 14, 21, 22 and 16) and 999. Uncompressed,
little-endian, UTF-8. `Layout` also says where each variable sits in a case record.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SYSMIS = struct.unpack("<d", struct.pack("<Q", 0xFFEFFFFFFFFFFFFF))[0]  # -DBL_MAX
HIGHEST = struct.unpack("<d", struct.pack("<Q", 0x7FEFFFFFFFFFFFFF))[0]
LOWEST = struct.unpack("<d", struct.pack("<Q", 0xFFEFFFFFFFFFFFFE))[0]
PRODUCT = b"@(#) SPSS DATA FILE - Saualnama (analytics.sav)"
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


def dictionary(
    *, columns: Sequence[SavColumn], widths: Sequence[int], count: int, file_label: str = ""
) -> bytes:
    """Everything before the cases of `count` cases of `columns`, strings `widths` bytes wide:
    header, variables, value labels, extension records and the terminator (999)."""
    layout = Layout(columns, widths)
    parts = [_header(layout, count, file_label)]
    for i, column in enumerate(columns):
        parts.append(_variable_records(column, widths[i], layout.names[i]))
    for i, column in enumerate(columns):
        if column.value_labels and layout.storage[i] <= 8:
            parts.append(_value_labels(column, 1 + layout.offsets[i] // 8))
    parts.append(_extension(3, 4, struct.pack("<8i", 20, 0, 0, -1, 1, 1, 2, 65001)))
    parts.append(_extension(4, 8, struct.pack("<3d", SYSMIS, HIGHEST, LOWEST)))
    parts.append(_extension(20, 1, b"UTF-8"))
    parts.append(_extension(11, 4, _display(columns, widths)))
    long_names = "\t".join(
        f"{short}={column.name.encode()[:NAME_BYTES].decode()}"
        for short, column in zip(layout.short_names, columns, strict=True)
    )
    parts.append(_extension(13, 1, long_names.encode()))
    very_long = b"".join(
        f"{short}={width:05d}".encode() + b"\0\t"
        for short, width in zip(layout.short_names, widths, strict=True)
        if width > MAX_SHORT_STRING
    )
    if very_long:
        parts.append(_extension(14, 1, very_long))
    long_labels = b"".join(
        _long_string_value_labels(column, widths[i])
        for i, column in enumerate(columns)
        if column.string and column.value_labels and layout.storage[i] > 8
    )
    if long_labels:
        parts.append(_extension(21, 1, long_labels))
    long_missing = b"".join(
        _long_string_missing(column)
        for i, column in enumerate(columns)
        if column.string and column.missing and layout.storage[i] > 8
    )
    if long_missing:
        parts.append(_extension(22, 1, long_missing))
    parts.append(_extension(16, 8, struct.pack("<2q", 1, count)))
    parts.append(struct.pack("<2i", 999, 0))
    return b"".join(parts)


def _header(layout: Layout, count: int, file_label: str) -> bytes:
    now = time.localtime()
    created = f"{now.tm_mday:02d} {MONTHS[now.tm_mon - 1]} {now.tm_year % 100:02d}"
    return b"".join(
        [
            b"$FL2",
            PRODUCT.ljust(60),
            struct.pack("<5i", 2, layout.slots, 0, 0, count),
            struct.pack("<d", 100.0),
            created.encode(),
            f"{now.tm_hour:02d}:{now.tm_min:02d}:{now.tm_sec:02d}".encode(),
            file_label.encode()[:FILE_LABEL_BYTES].ljust(FILE_LABEL_BYTES),
            b"\0\0\0",
        ]
    )


def _display(columns: Sequence[SavColumn], widths: Sequence[int]) -> bytes:
    """Measure, display width (8, as ReadStat's default) and alignment of each segment."""
    parts = []
    for i, column in enumerate(columns):
        alignment = 0 if column.string else 1  # left, right
        entry = struct.pack("<3i", MEASURES[column.measure], 8, alignment)
        parts.append(entry * _segments(widths[i]) if column.string else entry)
    return b"".join(parts)


class Layout:
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


def column_check(column: SavColumn) -> None:
    """ValueError unless ReadStat would write the variable as declared (ASCII names only)."""
    name = column.name
    if not (name.isascii() and re.fullmatch(r"[A-Za-z@][A-Za-z0-9@._$#]*", name)):
        raise ValueError(f"{name!r} is not an SPSS variable name")
    if len(name) > NAME_BYTES:
        raise ValueError(f"{name!r} is longer than {NAME_BYTES} bytes")
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
