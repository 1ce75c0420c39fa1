"""The raw responses as an SPSS .sav file, with variable and value labels in one language."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from surveys.answers import wide_columns
from surveys.formats.io import LANGUAGE, SUBMITTED_AT, wide_records
from surveys.formats.io.write import WeightsMismatch
from surveys.formats.spss_variables import (  # naming and labels, shared with the codebook
    SPSS_NAME_BYTES,  # noqa: F401 (importable from here, as before the move)
    SPSS_RESERVED,  # noqa: F401
    SavVariable,
    sav_variables,
)
from surveys.models import Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

from .sav import SavColumn, SavWriter
from .weighting.exports import COLUMN as WEIGHT

_END = object()
CHUNK_SIZE = 500  # records converted at once: about 5 MB of Python objects at 100 columns

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
    weights: Iterable[float] | None = None,
    weight_label: str = "",
) -> int:
    """The survey's responses (complete, or `responses` if given) as a .sav file; how many.

    Streams the wide rows of `surveys.formats.io.wide_records` (a fixed number of queries) into
    `sav_write`; the file label is the survey's title in `language`. `weights`, in response id
    order as the rows are, add a last variable `weight` (see `sav_write`).
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
        weights=weights,
        weight_label=weight_label,
    )


def sav_write(
    *,
    schema: SurveySchema,
    records: Iterable[Sequence[str]],
    language: str,
    path: str | Path,
    file_label: str = "",
    on_record: Callable[[int], None] | None = None,
    weights: Iterable[float] | None = None,
    weight_label: str = "",
) -> int:
    """Write wide records to an SPSS .sav file at `path`, labelled in `language`; how many.

    `records` hold `language`, `submitted_at`, then `wide_columns(schema)`, as text. Numbers are
    float64 with NaN (system missing) for no answer; a multiple choice's 0/1 variables are missing
    when the question was not answered; a scale's 0, "cannot assess", is labelled and declared
    user-missing, so SPSS leaves it out of means. `submitted_at` is a DATETIME in the server's
    time zone (named in its label). `on_record` gets the running count, for progress.

    `weights`, one a record in the same order (read once, as the records are), become a last
    numeric variable `weight` (F12.6, scale) labelled `weight_label`; `WeightsMismatch` if there
    are more or fewer of them than records.

    Memory: records are read CHUNK_SIZE at a time, turned into columns and handed to
    `SavWriter`, which spools them to disk and writes the file at the end (`analytics.sav`),
    so nothing held grows with the number of responses.
    """
    variables = sav_variables(schema=schema, language=language)
    columns = [LANGUAGE, SUBMITTED_AT, *wide_columns(schema)]
    position = {column: i for i, column in enumerate(columns)}
    declared = [_sav_column(v) for v in variables]
    options: dict[str, list[str]] = {}  # a multiple choice's options, in variable order
    for v in variables:
        if v.kind == "dummy":
            options.setdefault(v.column, []).append(v.option)
    remaining = None if weights is None else iter(weights)
    if remaining is not None:
        label = _clip(weight_label, SPSS_LABEL_BYTES)
        declared.append(SavColumn(WEIGHT, label=label, format="F12.6", measure="scale"))
    zone = timezone.get_default_timezone()
    count = 0
    with SavWriter(
        path=path, columns=declared, file_label=_clip(file_label, SPSS_FILE_LABEL_BYTES)
    ) as writer:
        for chunk in _chunks(records, len(columns)):
            cells = list(zip(*chunk, strict=True))
            # Cells repeat (scale points, sets of options): each distinct text is read once a
            # chunk, then looked up in C (map over a dict); the memos go with the chunk.
            numbers = _Numbers()
            chosen: dict[str, list[tuple[float, ...]]] = {}  # a multiple choice's 0/1 rows
            values: list[Sequence[Any]] = []
            for v in variables:
                texts = cells[position[v.column]]
                if v.kind == "code":
                    values.append(list(map(v.codes.get, texts, repeat(math.nan))))
                elif v.kind == "dummy":
                    if v.column not in chosen:
                        chosen[v.column] = list(map(_Chosen(options[v.column]).__getitem__, texts))
                    option = options[v.column].index(v.option)
                    values.append(list(map(itemgetter(option), chosen[v.column])))
                elif v.kind == "number":
                    values.append(list(map(numbers.__getitem__, texts)))
                elif v.kind == "datetime":
                    values.append([_spss_seconds(x, zone) for x in texts])
                else:
                    values.append(texts)
            if remaining is not None:
                values.append(_weights_take(remaining, len(chunk), count))
            writer.write(values)
            for number in range(count + 1, count + len(chunk) + 1) if on_record else ():
                on_record(number)
            count += len(chunk)
        if remaining is not None and next(remaining, _END) is not _END:
            raise WeightsMismatch(f"{count} responses written, and more weights than that")
    return count


class _Numbers(dict):
    """Text -> float (NaN for an empty cell), each distinct text converted once."""

    def __missing__(self, text: str) -> float:
        number = self[text] = float(text) if text else math.nan
        return number


class _Chosen(dict):
    """A multiple choice's cell -> its options' 0/1 (all NaN when not answered), each distinct
    cell split once."""

    def __init__(self, options: Sequence[str]):
        super().__init__()
        self.options = options

    def __missing__(self, text: str) -> tuple[float, ...]:
        codes = text.split()
        row = (
            tuple(float(o in codes) for o in self.options)
            if text
            else (math.nan,) * len(self.options)
        )
        self[text] = row
        return row


def _sav_column(variable: SavVariable) -> SavColumn:
    return SavColumn(
        variable.name,
        string=variable.kind not in NUMBERED,
        label=_clip(variable.label, SPSS_LABEL_BYTES),
        format=_format(variable) if variable.kind in NUMBERED else "",
        measure=variable.measure,
        value_labels={
            k: _clip(t, SPSS_VALUE_LABEL_BYTES) for k, t in variable.value_labels.items()
        },
        missing=tuple(variable.missing),
    )


def _weights_take(weights: Iterator[float], wanted: int, written: int) -> list[float]:
    taken = [float(w) for w in islice(weights, wanted)]
    if len(taken) < wanted:
        raise WeightsMismatch(
            f"{written + wanted} responses written, {written + len(taken)} weights"
        )
    return taken


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
