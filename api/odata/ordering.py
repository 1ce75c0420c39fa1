"""`$orderby`: any property but the key, each as one SQL expression over a response's answers.

A column's value is a correlated subquery of the answers, the same value the wide format shows:
an option code, a number, a text, or for a multiple choice its codes in option order joined by
spaces. No answer is NULL, and NULL sorts first ascending and last descending, as OData says.
"""

from __future__ import annotations

import re

from django.db.models import (
    Case,
    CharField,
    Exists,
    Expression,
    F,
    OrderBy,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, NullIf, RTrim
from django.utils.translation import gettext as _

from surveys.models import Answer

from ..errors import ApiError
from .properties import EntityProperty

_ITEM = re.compile(r"\s*(\S+?)(?:\s+(asc|desc))?\s*", re.IGNORECASE)


def _refused(message: str) -> ApiError:
    return ApiError(code="odata_orderby_invalid", message=message, status_code=400)


def orderby_parse(*, text: str, properties: dict[str, EntityProperty]) -> list[OrderBy]:
    """`name [asc|desc], ...` as ORDER BY terms; ApiError (400) for anything else."""
    terms: list[OrderBy] = []
    for item in text.split(","):
        match = _ITEM.fullmatch(item)
        if match is None:
            raise _refused(
                _("$orderby is a comma-separated list of properties, each with asc or desc.")
            )
        name, direction = match.group(1), (match.group(2) or "asc").lower()
        prop = properties.get(name)
        if prop is None:
            raise _refused(_("There is no property %(name)s.") % {"name": name})
        if prop.kind == "key":
            raise _refused(
                _("Responses cannot be sorted by %(name)s: it is an identifier with no order.")
                % {"name": name}
            )
        expression = column_expression(prop=prop)
        if direction == "desc":
            terms.append(expression.desc(nulls_last=True))
        else:
            terms.append(expression.asc(nulls_first=True))
    return terms


def column_expression(*, prop: EntityProperty) -> Expression:
    """The property's value for the outer `Response` row, as SQL."""
    if prop.kind == "language":
        return F("language")
    if prop.kind == "datetime":
        return F("submitted_at")
    question = prop.question
    assert question is not None
    answers = Answer.objects.filter(response_id=OuterRef("pk"), question_id=question.id)
    _code, _dot, part = prop.column.partition(".")
    if prop.kind == "single":
        return Subquery(answers.filter(option__isnull=False).values("option__code")[:1])
    if prop.kind == "multiple":
        chosen = [
            Case(
                When(Exists(answers.filter(option_id=o.id)), then=Value(f"{o.code} ")),
                default=Value(""),
                output_field=CharField(),
            )
            for o in question.options
        ]
        joined = Concat(*chosen, output_field=CharField()) if len(chosen) > 1 else chosen[0]
        return NullIf(RTrim(joined), Value(""))
    if part and question.type == "matrix":
        row = question.row_by_code[part]
        return Subquery(answers.filter(row_id=row.id).values("value_int")[:1])
    if part:  # the text of the "other" option
        other = question.other_option
        assert other is not None
        return NullIf(
            Subquery(answers.filter(option_id=other.id).values("value_text")[:1]), Value("")
        )
    plain = answers.filter(option__isnull=True, row__isnull=True)
    if prop.kind == "integer":
        return Subquery(plain.values("value_int")[:1])
    if prop.kind == "decimal":
        return Subquery(plain.values("value_decimal")[:1])
    return NullIf(Subquery(plain.values("value_text")[:1]), Value(""))
