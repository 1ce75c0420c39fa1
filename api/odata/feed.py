"""One page of the `Responses` entity set: the rows, their entities, and where the next page is.

Server-driven paging: at most `PAGE_SIZE_MAX` entities a response, then `@odata.nextLink`
carrying the same options and a `$skiptoken`, which Excel and Power BI follow to the end. In the
default order the token is a keyset position (surveys.formats.io.pages), so responses completed
while a client pages come on later pages and none is read twice or skipped; under `$orderby` it
is an offset. A page costs a fixed handful of queries and memory for its own rows only; the
count is one SQL COUNT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from surveys.formats.io.pages import (
    Position,
    ResponseRow,
    response_public_id,
    responses_complete,
    responses_page,
    wide_rows_for,
)
from surveys.models import Response, Survey
from surveys.schema import SurveySchema

from ..cursors import SkipToken, skiptoken_encode
from ..errors import ApiError
from .options import QueryOptions
from .properties import EntityProperty

PAGE_SIZE_MAX = 1000


@dataclass(frozen=True)
class FeedPage:
    entities: list[dict[str, Any]]
    count: int | None  # with $count=true: every response the filter selects
    next_options: dict[str, str] | None  # the query options of the next page; None on the last


def entity_for(
    *, row: ResponseRow, record: dict[str, str], properties: list[EntityProperty]
) -> dict[str, Any]:
    """A response as an OData entity: numbers as numbers, no answer as null, all else text."""
    entity: dict[str, Any] = {}
    for prop in properties:
        if prop.kind == "key":
            entity[prop.name] = response_public_id(response_id=row.id)
            continue
        text = record.get(prop.column, "")
        if text == "":
            entity[prop.name] = None
        else:
            entity[prop.name] = (
                int(text)
                if prop.kind == "integer"
                else float(text)
                if prop.kind == "decimal"
                else text
            )
    return entity


def feed_page_read(
    *, survey: Survey, schema: SurveySchema, options: QueryOptions, page_size: int
) -> FeedPage:
    responses = responses_complete(survey=survey).filter(options.filter)
    count = responses.count() if options.count else None
    limit = page_size if options.top is None else min(page_size, options.top)
    token = options.skiptoken
    if options.orderby:
        start = token.offset if token is not None else options.skip
        if start is None:
            raise _token_refused()
        rows, more = _rows_ordered(responses, options, start, limit)
        following = SkipToken(offset=start + len(rows))
    else:
        if token is not None and token.position is None:
            raise _token_refused()
        after = token.position if token is not None else _position_at(responses, options.skip)
        rows, more = responses_page(responses=responses, after=after, limit=limit)
        following = SkipToken(position=(rows[-1].updated_at, rows[-1].id)) if rows else None
    records = wide_rows_for(schema=schema, rows=rows) if rows else []
    entities = [
        entity_for(row=row, record=record, properties=options.properties)
        for row, record in zip(rows, records, strict=True)
    ]
    left = None if options.top is None else options.top - len(rows)
    next_options = None
    if more and rows and following is not None and (left is None or left > 0):
        next_options = {
            k: v for k, v in options.given.items() if k not in ("$skip", "$skiptoken", "$top")
        }
        if left is not None:
            next_options["$top"] = str(left)
        next_options["$skiptoken"] = skiptoken_encode(token=following, scope=survey.slug)
    return FeedPage(entities=entities, count=count, next_options=next_options)


def _token_refused() -> ApiError:
    return ApiError(
        code="odata_skiptoken_invalid",
        message=_(
            "The $skiptoken does not belong to this $orderby: start again from the first page."
        ),
        status_code=400,
    )


def _position_at(responses: QuerySet[Response], skip: int) -> Position | None:
    """The keyset position just before the first response to give after `$skip` of them."""
    if skip <= 0:
        return None
    ordered = responses.order_by("updated_at", "id").values_list("updated_at", "id")
    # Past the end, the last response's position: the page after it is empty.
    found = list(ordered[skip - 1 : skip]) or list(ordered.reverse()[:1])
    return found[0] if found else None


def _rows_ordered(
    responses: QuerySet[Response], options: QueryOptions, start: int, limit: int
) -> tuple[list[ResponseRow], bool]:
    ordered = responses.order_by(*options.orderby, "updated_at", "id")
    found = list(
        ordered.values_list("id", "language", "submitted_at", "updated_at")[
            start : start + limit + 1
        ]
    )
    return [ResponseRow(*row) for row in found[:limit]], len(found) > limit
