"""The raw responses as an SPSS .sav file, with variable and value labels in one language."""

from __future__ import annotations

import datetime as dt
import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat
from django.db.models import QuerySet
from django.utils import timezone

from surveys.answers import wide_columns
from surveys.formats.io import LANGUAGE, SUBMITTED_AT, wide_records
from surveys.formats.spss_variables import (  # naming and labels, shared with the codebook
    SPSS_NAME_BYTES,  # noqa: F401 (importable from here, as before the move)
    SPSS_RESERVED,  # noqa: F401
    SavVariable,
    sav_variables,
)
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

CHUNK_SIZE = 2000

SPSS_LABEL_BYTES = 256  # variable labels; the format cuts longer ones
SPSS_VALUE_LABEL_BYTES = 120
SPSS_FILE_LABEL_BYTES = 64
NUMERIC = ("code", "dummy", "number")
NUMBERED = (*NUMERIC, "datetime")  # held as numbers until written
SPSS_EPOCH_SECONDS = 12219379200  # 1582-10-14 to 1970-01-01, as pyreadstat counts


def responses_sav(
    *,
    survey: Survey,
    language: str,
    path: str | Path,
    schema: SurveySchema | None = None,
    responses: QuerySet[Response] | None = None,
    include_drafts: bool = False,
    on_record: Callable[[int], None] | None = None,
) -> int:
    """The survey's responses (complete, or `responses` if given) as a .sav file; how many.

    Streams the wide rows of `surveys.formats.io.wide_records` (a fixed number of queries) into
    `sav_write`; the file label is the survey's title in `language`.
    """
    schema = schema or survey_schema_get(survey=survey)
    records = wide_records(
        survey=survey, schema=schema, include_drafts=include_drafts, responses=responses
    )
    return sav_write(
        schema=schema,
        records=records,
        language=language,
        path=path,
        file_label=survey.title(language),
        on_record=on_record,
    )


def sav_write(
    *,
    schema: SurveySchema,
    records: Iterable[Sequence[str]],
    language: str,
    path: str | Path,
    file_label: str = "",
    on_record: Callable[[int], None] | None = None,
) -> int:
    """Write wide records to an SPSS .sav file at `path`, labelled in `language`; how many.

    `records` hold `language`, `submitted_at`, then `wide_columns(schema)`, as text. Numbers are
    float64 with NaN (system missing) for no answer; a multiple choice's 0/1 variables are missing
    when the question was not answered; a scale's 0, "cannot assess", is labelled and declared
    user-missing, so SPSS leaves it out of means. `submitted_at` is a DATETIME in the server's
    time zone (named in its label). `on_record` gets the running count, for progress.

    Memory: pyreadstat writes from one pandas DataFrame, so the whole table is held at once, but
    only once: 4 bytes per response and code, 0/1 or scale variable (float32, exact for small
    whole numbers; pyreadstat writes every numeric cell as a double, so the file is the same),
    8 for a number answer or the time, plus the texts. Records are read CHUNK_SIZE at a time and
    appended column by column to `array` buffers, never kept as rows; the frame is built on those
    buffers without a copy. `submitted_at` is handed over as SPSS seconds with the DATETIME format
    (what pyreadstat writes for a datetime64 column) because a datetime64 column makes pyreadstat
    copy the whole frame.
    """
    variables = sav_variables(schema=schema, language=language)
    columns = [LANGUAGE, SUBMITTED_AT, *wide_columns(schema)]
    position = {column: i for i, column in enumerate(columns)}
    numbers = {v.name: array(_typecode(v)) for v in variables if v.kind in NUMBERED}
    texts: dict[str, list[str]] = {v.name: [] for v in variables if v.kind not in NUMBERED}
    zone = timezone.get_default_timezone()
    count = 0
    for chunk in _chunks(records, len(columns)):
        cells = list(zip(*chunk, strict=True))
        for v in variables:
            values = cells[position[v.column]]
            if v.kind == "code":
                numbers[v.name].extend(v.codes.get(x, math.nan) for x in values)
            elif v.kind == "dummy":
                numbers[v.name].extend(
                    float(v.option in x.split()) if x else math.nan for x in values
                )
            elif v.kind == "number":
                numbers[v.name].extend(float(x) if x else math.nan for x in values)
            elif v.kind == "datetime":
                numbers[v.name].extend(_spss_seconds(x, zone) for x in values)
            elif v.value_labels:
                # a few distinct labelled values ("kk", "ru"): one str object each, not one a case
                seen: dict[str, str] = {}
                texts[v.name].extend(seen.setdefault(x, x) for x in values)
            else:
                texts[v.name].extend(values)
        for number in range(count + 1, count + len(chunk) + 1) if on_record else ():
            on_record(number)
        count += len(chunk)
        del chunk, cells
    data = {
        v.name: np.frombuffer(numbers.pop(v.name), dtype=_typecode(v))
        if v.kind in NUMBERED
        else np.array(texts.pop(v.name), dtype=object)
        for v in variables
    }
    frame = pd.DataFrame(data, copy=False)  # one block a column, on the buffers above
    del data
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=_clip(file_label, SPSS_FILE_LABEL_BYTES),
        column_labels={v.name: _clip(v.label, SPSS_LABEL_BYTES) for v in variables},
        variable_value_labels={
            v.name: {k: _clip(t, SPSS_VALUE_LABEL_BYTES) for k, t in v.value_labels.items()}
            for v in variables
            if v.value_labels
        },
        missing_ranges={v.name: list(v.missing) for v in variables if v.missing},
        variable_measure={v.name: v.measure for v in variables},
        variable_format={v.name: _format(v) for v in variables if v.kind in NUMBERED},
    )
    return count


def _format(variable: SavVariable) -> str:
    """DATETIME, F8.0 for whole numbers, F<w>.<d> for a decimal: SPSS shows its places."""
    if variable.kind == "datetime":
        return "DATETIME"
    if variable.decimals:
        return f"F{12 + variable.decimals + 1}.{variable.decimals}"  # 12 digits, point, places
    return "F8.0"


def _clip(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut between characters, with "…"."""
    if len(text.encode()) <= limit:
        return text
    return text.encode()[: limit - 3].decode(errors="ignore") + "…"


def _typecode(variable: SavVariable) -> str:
    """float32 for small whole numbers (codes, 0/1, scales); float64 for typed numbers and times."""
    small = variable.kind in ("code", "dummy") or variable.measure == "ordinal"
    return "f" if small else "d"


def _spss_seconds(text: str, zone: Any) -> float:
    """Local wall-clock time as SPSS seconds, computed as pyreadstat does for datetime64[us]."""
    if not text:
        return math.nan
    local = dt.datetime.fromisoformat(text).astimezone(zone).replace(tzinfo=None)
    micros = (local - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    whole, fraction = divmod(micros, 1_000_000)
    return float(whole + SPSS_EPOCH_SECONDS) + float(fraction) / 1e6


def _chunks(records: Iterable[Sequence[str]], width: int) -> Iterator[list[Sequence[str]]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        if any(len(record) != width for record in chunk):
            raise ValueError(f"every record must have {width} cells, as the wide header")
        yield chunk
