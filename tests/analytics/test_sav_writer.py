"""The streaming .sav writer (analytics/sav/) against pyreadstat's, and its memory."""

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analytics.exports import sav_write
from analytics.sav import SavColumn, SavWriter
from analytics.weighting.exports import WeightsMismatch

from .test_spss import RECORDS, hand_schema, wide

COLUMNS = [
    SavColumn("language", string=True, label="Тіл", value_labels={"kk": "Қазақша", "ru": "Орысша"}),
    SavColumn("submitted_at", label="Уақыты", format="DATETIME", measure="scale"),
    SavColumn("level", label="Деңгей", format="F8.0", value_labels={2: "Екі", 1: "Бір"}),
    SavColumn("scale", label="Ұ" * 128, format="F8.0", measure="ordinal",
              value_labels={0: "Бағалай алмаймын", 1: "a" * 120}, missing=(0,)),
    SavColumn("amount", format="F15.2", measure="scale", missing=((1, 5), 9)),
    SavColumn("comment", string=True, label="Пікір"),
    SavColumn("essay", string=True),
    SavColumn("coded", string=True, value_labels={"b" * 20: "ұзын кілт"}),
    SavColumn("tiny", string=True, missing=("x", "yy")),
    SavColumn("middle", string=True, missing=("zz",)),
    # short names that clash once cut to 8 bytes, and very long strings' segment names
    SavColumn("barriers_language", format="F8.0"),
    SavColumn("barriers_other", format="F8.0"),
    SavColumn("V1"),
    SavColumn("longs", string=True),
    SavColumn("longs2", string=True),
    SavColumn("weight", label="Салмақ", format="F12.6", measure="scale"),
]  # fmt: skip
DATA = [
    ["kk", "ru", "kk", "ru", "kk", "kk", "ru"],
    [1.4e10, math.nan, 1.4e10 + 0.123457, 0, 1, 2, 3],
    [1, 2, math.nan, 1, 2, 1, 2],
    [0, 1, 2, 3, 4, 5, math.nan],
    [2.5, 123456789012, math.nan, -1, 0, 1e-7, 3],
    ["", "Уақыт & <жоқ>", "=1+2", "a", "", "", "Ұ" * 100],
    ["Ұ" * 700, "", "x" * 2000, "abc", "", "y", "Қ" * 128],  # 1400 bytes, 5 segments
    ["b" * 30, "", "", "", "", "", ""],
    ["x", "", "yy", "", "", "", ""],
    ["z" * 12, "", "", "", "", "", ""],
    [1, 0, 1, 0, math.nan, 1, 0],
    [0, 1, 1, 0, math.nan, 1, 0],
    [7, 6, 5, 4, 3, 2, 1],
    ["l" * 1000, "", "", "", "", "", ""],
    ["m" * 300, "", "", "", "", "", ""],
    [0.583333, 3.5, 0, 1, 2, 3, 4],
]


def pyreadstat_write(columns, data, path, file_label):
    frame = pd.DataFrame(
        {
            c.name: pd.Series(values, dtype=object) if c.string else np.asarray(values, float)
            for c, values in zip(columns, data, strict=True)
        }
    )
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=file_label,
        column_labels={c.name: c.label for c in columns},
        variable_value_labels={c.name: dict(c.value_labels) for c in columns if c.value_labels},
        missing_ranges={
            c.name: [{"lo": m[0], "hi": m[1]} if isinstance(m, tuple) else m for m in c.missing]
            for c in columns
            if c.missing
        },
        variable_measure={c.name: c.measure for c in columns},
        variable_format={c.name: c.format for c in columns if c.format},
    )


def streamed_write(columns, data, path, file_label, chunk):
    with SavWriter(path=path, columns=columns, file_label=file_label) as writer:
        for start in range(0, len(data[0]), chunk):
            writer.write([values[start : start + chunk] for values in data])
    return writer.count


def without_writer_and_time(data: bytes) -> bytes:
    """The header less its product name (bytes 4-63) and creation date and time (92-108)."""
    return data[:4] + data[64:92] + data[109:]


@pytest.mark.parametrize(("cases", "chunk"), [(7, 3), (7, 7), (1, 1), (0, 5)])
def test_the_file_is_pyreadstats_byte_for_byte_but_the_header_stamp(tmp_path, cases, chunk):
    data = [values[:cases] for values in DATA]
    mine, theirs = tmp_path / "mine.sav", tmp_path / "theirs.sav"
    assert streamed_write(COLUMNS, data, mine, "Сауалнама", chunk) == cases
    pyreadstat_write(COLUMNS, data, theirs, "Сауалнама")
    expected = without_writer_and_time(theirs.read_bytes())
    assert without_writer_and_time(mine.read_bytes()) == expected
    assert mine.read_bytes()[4:26] == b"@(#) SPSS DATA FILE - "


def test_the_file_reads_back_with_its_values_labels_and_missing_values(tmp_path):
    path = tmp_path / "back.sav"
    streamed_write(COLUMNS, DATA, path, "Сауалнама", 2)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert len(frame) == 7 and list(frame.columns) == [c.name for c in COLUMNS]
    assert list(frame["essay"]) == ["Ұ" * 700, "", "x" * 2000, "abc", "", "y", "Қ" * 128]
    assert frame["longs"][0] == "l" * 1000 and frame["comment"][6] == "Ұ" * 100
    assert frame["submitted_at"][2] == pd.Timestamp("2026-06-05 00:53:20.123457")
    assert math.isnan(frame["level"][2]) and frame["amount"][1] == 123456789012
    assert meta.file_label == "Сауалнама"
    assert meta.column_names_to_labels["scale"] == "Ұ" * 128
    assert meta.variable_value_labels["language"] == {"kk": "Қазақша", "ru": "Орысша"}
    assert meta.variable_value_labels["coded"] == {"b" * 20: "ұзын кілт"}
    assert meta.missing_ranges["amount"] == [{"lo": 1.0, "hi": 5.0}, {"lo": 9.0, "hi": 9.0}]
    assert meta.missing_ranges["tiny"] == [{"lo": "x", "hi": "x"}, {"lo": "yy", "hi": "yy"}]
    assert meta.original_variable_types["essay"] == "A2000"
    assert meta.original_variable_types["submitted_at"] == "DATETIME20"
    assert meta.variable_measure["weight"] == "scale"


def test_an_error_inside_the_block_leaves_no_file_and_no_spool(tmp_path):
    path = tmp_path / "broken.sav"
    with pytest.raises(RuntimeError), SavWriter(path=path, columns=COLUMNS[:2]) as writer:
        writer.write([["kk"], [1.0]])
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_a_chunk_of_the_wrong_shape_is_refused(tmp_path):
    with SavWriter(path=tmp_path / "x.sav", columns=COLUMNS[:2]) as writer:
        with pytest.raises(ValueError, match="columns"):
            writer.write([["kk"]])
        with pytest.raises(ValueError, match="as many"):
            writer.write([["kk", "ru"], [1.0]])
    assert writer.count == 0


def synthetic(schema, count):
    """Wide records of the hand schema, every answer varied, generated as they are read."""
    for number in range(count):
        record = dict(RECORDS[number % 2])
        record["years"] = str(number)
        record["comment"] = f"Пікір {number} " * (number % 7)
        yield wide(schema, **record)


def peak_bytes(tmp_path: Path, count: int) -> tuple[int, int]:
    schema = hand_schema()
    tracemalloc.start()
    try:
        written = sav_write(
            schema=schema,
            records=synthetic(schema, count),
            language="kk",
            path=tmp_path / f"{count}.sav",
            weights=(1.0 for _ in range(count)),
        )
        return written, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_responses(tmp_path):
    small, small_peak = peak_bytes(tmp_path, 2_000)
    large, large_peak = peak_bytes(tmp_path, 20_000)
    assert (small, large) == (2_000, 20_000)
    # ten times the responses, the same chunks held: a table of them would be ~10x
    assert large_peak < small_peak * 1.3, (small_peak, large_peak)
    frame, _ = pyreadstat.read_sav(str(tmp_path / "20000.sav"))
    assert frame["years"].iloc[-1] == 19_999
    assert frame["comment"].iloc[6] == ("Пікір 6 " * 6).rstrip()  # SPSS pads texts with spaces
    assert (frame["weight"] == 1.0).all()


@pytest.mark.parametrize("weights", [[1.0], [1.0, 2.0, 3.0]])
def test_weights_not_one_a_response_are_refused(tmp_path, weights):
    schema = hand_schema()
    records = [wide(schema, **r) for r in RECORDS]
    path = tmp_path / "w.sav"
    with pytest.raises(WeightsMismatch):
        sav_write(schema=schema, records=records, language="kk", path=path, weights=weights)
    assert not path.exists()


def test_weights_are_a_last_scale_variable_with_its_label(tmp_path):
    schema = hand_schema()
    records = [wide(schema, **r) for r in RECORDS]
    path = tmp_path / "w.sav"
    sav_write(
        schema=schema,
        records=records,
        language="kk",
        path=path,
        weights=iter([0.583333, 3.5]),
        weight_label="Салмағы (аймақ)",
    )
    frame, meta = pyreadstat.read_sav(str(path))
    assert meta.column_names[-1] == "weight" and list(frame["weight"]) == [0.583333, 3.5]
    assert meta.column_names_to_labels["weight"] == "Салмағы (аймақ)"
    assert meta.original_variable_types["weight"] == "F12.6"
    assert meta.variable_measure["weight"] == "scale"
