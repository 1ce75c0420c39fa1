"""Complete responses a page at a time, in the wide format: what the API and OData feed read.

A page is keyset-paged on (`updated_at`, id), never by offset: a response reaches that position
when it completes (its last save), so responses completed while a client pages through are met
on a later page rather than shifting earlier ones, and no page is read twice or skipped. Each page
is two queries whatever the survey's size: its responses, then their answers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from surveys.answers import OTHER_SUFFIX, wide_columns
from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT
from surveys.formats.io.decode import answer_cells, wide_decoder
from surveys.models import Response, Survey
from surveys.schema import SurveySchema

RESPONSE_ID = "_id"
Position = tuple[datetime, int]  # (updated_at, id) of the last response of a page


@dataclass(frozen=True)
class ResponseRow:
    id: int
    language: str
    submitted_at: datetime | None
    updated_at: datetime


def response_public_id(*, response_id: int) -> str:
    """A response's stable identifier outside the platform: a keyed hash of its primary key.

    The primary key itself would tell the order in which respondents started; this tells nothing
    but lets a client recognise a response it already has.
    """
    message = f"saualnama.response:{response_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def response_public_ids(*, response_ids: Sequence[int]) -> list[str]:
    """`response_public_id` of each, keying the hash once."""
    keyed = hmac.new(settings.SECRET_KEY.encode(), digestmod=hashlib.sha256)
    out = []
    for response_id in response_ids:
        found = keyed.copy()
        found.update(f"saualnama.response:{response_id}".encode())
        out.append(found.hexdigest()[:20])
    return out


def responses_complete(*, survey: Survey, submitted_after: datetime | None = None) -> QuerySet:
    responses = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    if submitted_after is not None:
        responses = responses.filter(submitted_at__gt=submitted_after)
    return responses


def responses_page(
    *, responses: QuerySet[Response], after: Position | None, limit: int
) -> tuple[list[ResponseRow], bool]:
    """Up to `limit` responses after `after` in (updated_at, id) order, and whether more follow."""
    if after is not None:
        moment, last_id = after
        responses = responses.filter(
            Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=last_id)
        )
    rows = list(
        responses.order_by("updated_at", "id").values_list(
            "id", "language", "submitted_at", "updated_at"
        )[: limit + 1]
    )
    return [ResponseRow(*row) for row in rows[:limit]], len(rows) > limit


def wide_cells_for(*, schema: SurveySchema, rows: Sequence[ResponseRow]) -> list[list[str]]:
    """The wide record of each response of `rows`, in their order: a list of cells in the order
    of `wide_columns_all` (an unanswered cell is empty). One query for their answers."""
    decoder = wide_decoder(schema)
    found = dict(answer_cells(decoder=decoder, ids=[row.id for row in rows]))
    zone = timezone.get_default_timezone()
    out = []
    for row in rows:
        cells = found.get(row.id) or decoder.empty()
        cells[0] = row.language
        cells[1] = row.submitted_at.astimezone(zone).isoformat() if row.submitted_at else ""
        out.append(cells)
    return out


def wide_rows_for(*, schema: SurveySchema, rows: Sequence[ResponseRow]) -> list[dict[str, str]]:
    """`wide_cells_for` as dicts by column (`language`, `submitted_at` and every column of the
    wide format, as text; an unanswered column is empty)."""
    columns = wide_columns_all(schema=schema)
    return [
        dict(zip(columns, cells, strict=True)) for cells in wide_cells_for(schema=schema, rows=rows)
    ]


def column_kinds(*, schema: SurveySchema) -> dict[str, str]:
    """Each wide column's kind: `language`, `datetime`, `single`, `multiple`, `integer`,
    `decimal`, `text`."""
    kinds = {LANGUAGE: "language", SUBMITTED_AT: "datetime"}
    for q in schema.ordered_questions():
        if q.type == "matrix":
            kinds.update({f"{q.code}.{r.code}": "integer" for r in q.rows})
            continue
        kinds[q.code] = {"rating": "integer", "number": "integer"}.get(q.type, q.type)
        if q.type == "decimal":
            kinds[q.code] = "decimal"
        if q.other_option is not None:
            kinds[f"{q.code}.{OTHER_SUFFIX}"] = "text"
    return kinds


def wide_columns_all(*, schema: SurveySchema) -> list[str]:
    return [LANGUAGE, SUBMITTED_AT, *wide_columns(schema)]


def wide_typed(
    *,
    schema: SurveySchema,
    record: dict[str, str],
    columns: Sequence[str],
    kinds: dict[str, str],
    labels: str | None = None,
) -> dict[str, Any]:
    """A wide record as JSON values: numbers as numbers, a multiple choice as a list, no answer
    as null; with `labels` ("kk" or "ru") option codes become their labels in that language."""
    out: dict[str, Any] = {}
    for column in columns:
        text = record.get(column, "")
        kind = kinds[column]
        if text == "":
            out[column] = [] if kind == "multiple" else None
        elif kind == "integer":
            out[column] = int(text)
        elif kind == "decimal":
            out[column] = float(text)  # JSON has one number type; 12 digits and 6 places fit
        elif kind == "multiple":
            codes = text.split(" ")
            out[column] = [_label(schema, column, c, labels) for c in codes] if labels else codes
        elif kind == "single" and labels:
            out[column] = _label(schema, column, text, labels)
        else:
            out[column] = text
    return out


TYPED_KEPT = 10_000


class _Typed(dict):
    """A column kind's JSON values by cell text, each computed on first sight; texts of every
    kind but `text` and `multiple` repeat, so their values are kept (up to a bound)."""

    def __init__(self, convert: Callable[[str], Any], keep: bool) -> None:
        super().__init__()
        self.convert, self.keep = convert, keep

    def __missing__(self, text: str) -> Any:
        value = self.convert(text)
        if self.keep and len(self) < TYPED_KEPT:
            self[text] = value
        return value


def wide_typer(
    *, schema: SurveySchema, columns: Sequence[str], labels: str | None = None
) -> Callable[[list[str]], dict[str, Any]]:
    """`wide_typed` for records of `wide_cells_for`, with each column's treatment settled once:
    `typer(cells)` equals `wide_typed(record=dict(zip(wide_columns_all, cells)), ...)`."""
    position = {column: i for i, column in enumerate(wide_columns_all(schema=schema))}
    kinds = column_kinds(schema=schema)

    def names(column: str) -> dict[str, str]:
        return {o.code: o.label.get(labels) for o in schema.questions[column].options}

    free = _Typed(lambda text: text, keep=False)  # a free text would fill the memo
    free[""] = None
    shared = {
        "text": free,
        "single": _Typed(lambda text: text or None, keep=True),  # an option code
        "integer": _Typed(lambda text: int(text) if text else None, keep=True),
        "decimal": _Typed(lambda text: float(text) if text else None, keep=True),
    }
    typed = []
    for column in columns:
        kind = kinds[column]
        if kind == "multiple":
            found = names(column) if labels else None
            typed.append(_Typed(partial(_choices, found), keep=False))
        elif kind == "single" and labels:
            found = names(column)
            typed.append(
                _Typed(lambda text, found=found: found.get(text, text) if text else None, keep=True)
            )
        else:
            typed.append(shared.get(kind, shared["text"]))
    if not columns:
        return lambda cells: {}
    cells_of = itemgetter(*(position[column] for column in columns))
    if len(columns) == 1:
        one = cells_of
        cells_of = lambda cells: (one(cells),)  # noqa: E731
    lookup = dict.__getitem__

    def typer(cells: list[str]) -> dict[str, Any]:
        return dict(zip(columns, map(lookup, typed, cells_of(cells)), strict=True))

    return typer


def _choices(found: dict[str, str] | None, text: str) -> list[str]:
    if not text:
        return []
    codes = text.split(" ")
    return [found.get(code, code) for code in codes] if found is not None else codes


def _label(schema: SurveySchema, question: str, code: str, language: str) -> str:
    option = schema.questions[question].option_by_code.get(code)
    return option.label.get(language) if option is not None else code
