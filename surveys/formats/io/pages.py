"""Complete responses a page at a time, in the wide format: what the API and OData feed read.

A page is keyset-paged on (`updated_at`, id), never by offset: a response reaches that position
when it completes (its last save), so responses completed while a client pages through are met
on a later page rather than shifting earlier ones, and no page is read twice or skipped. Each page
is two queries whatever the survey's size: its responses, then their answers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from surveys.answers import OTHER_SUFFIX, answers_to_wide, wide_columns
from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT
from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import ANSWER_FIELDS, answers_from_rows

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


def wide_rows_for(*, schema: SurveySchema, rows: Sequence[ResponseRow]) -> list[dict[str, str]]:
    """The wide cells of each response of `rows`, in their order (`language`, `submitted_at` and
    every answered column, as text; an unanswered column is absent)."""
    ids = [row.id for row in rows]
    found: dict[int, list[tuple]] = {response_id: [] for response_id in ids}
    answers = (
        Answer.objects.filter(response_id__in=ids)
        .order_by()
        .values_list("response_id", *ANSWER_FIELDS)
    )
    for response_id, *rest in answers:
        found[response_id].append(tuple(rest))
    zone = timezone.get_default_timezone()
    out = []
    for row in rows:
        wide = answers_to_wide(schema, answers_from_rows(schema, found[row.id]))
        submitted = row.submitted_at.astimezone(zone).isoformat() if row.submitted_at else ""
        out.append({LANGUAGE: row.language, SUBMITTED_AT: submitted, **wide})
    return out


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


def _label(schema: SurveySchema, question: str, code: str, language: str) -> str:
    option = schema.questions[question].option_by_code.get(code)
    return option.label.get(language) if option is not None else code
