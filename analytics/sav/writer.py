"""An SPSS .sav file written chunk by chunk, in memory that does not grow with the cases.

`pyreadstat.write_sav` takes one DataFrame holding every case. `SavWriter` writes the file
pyreadstat 1.3.8 writes (the same records in the same order, with the same short names, formats
and padding; only the product name and the creation time in the header differ) from chunks of
columns. A string variable is as wide as its longest value, known only at the end, and the cases
come after the dictionary, so the chunks go first to an unnamed temporary file beside `path`
(numbers as float64, texts as lengths and UTF-8 bytes); `close()` writes the dictionary
(`analytics.sav.dictionary`), then reads the chunks back one at a time and lays each out as
fixed-width case records with numpy (one structured array a chunk).
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .dictionary import (
    MAX_SHORT_STRING,
    MAX_STRING,
    SYSMIS,
    Layout,
    SavColumn,
    column_check,
    dictionary,
)


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
            column_check(column)
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
            layout = Layout(self.columns, self._widths)
            with self.path.open("wb") as out:
                out.write(
                    dictionary(
                        columns=self.columns,
                        widths=self._widths,
                        count=self.count,
                        file_label=self.file_label,
                    )
                )
                spool.seek(0)
                self._cases_write(spool, layout, out)
        except BaseException:
            self.path.unlink(missing_ok=True)  # no half-written file
            raise
        finally:
            spool.close()
            self._spool = None
        return self.count

    def _require_open(self) -> IO[bytes]:
        if self._spool is None:
            raise ValueError("the writer is closed")
        return self._spool

    def _cases_write(self, spool: IO[bytes], layout: Layout, out: IO[bytes]) -> None:
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
