"""`$filter`: odata-query's grammar parses the expression; this walk allows only what we answer.

Allowed: a single-choice property compared with an option code (`eq`, `ne`, `in`, `null` for no
answer), `submitted_at` compared with a DateTimeOffset (`eq ne gt ge lt le`), joined by `and`,
`or`, `not` and parentheses. Anything else is refused by name rather than answered wrongly.

Each comparison becomes an EXISTS over the answers (one index lookup on (question, option)), so it
is never NULL: `not` and `ne` keep OData's two-valued meaning, where an unanswered question is
`ne 'x'` and `not (q eq 'x')`, as a spreadsheet filter over the CSV export would have it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from odata_query import ast
from odata_query import exceptions as odata_exceptions
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.visitor import NodeVisitor

from surveys.models import Answer

from ..errors import ApiError
from .properties import EntityProperty

MAX_LENGTH = 4000
MAX_NODES = 200
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
_DATETIME_LOOKUPS = {ast.Eq: "", ast.Gt: "__gt", ast.GtE: "__gte", ast.Lt: "__lt", ast.LtE: "__lte"}


def unsupported(message: str) -> ApiError:
    return ApiError(code="odata_filter_unsupported", message=message, status_code=400)


def filter_parse(*, text: str, properties: dict[str, EntityProperty]) -> Q:
    """The `Q` over `Response` rows that `text` selects; ApiError (400) when it is refused."""
    if not text:
        return Q()
    if len(text) > MAX_LENGTH:
        raise unsupported(_("The $filter expression is too long."))
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
    except odata_exceptions.UnknownFunctionException as error:
        raise _function_refused(error.function_name) from None
    except (odata_exceptions.ODataException, ValueError, RecursionError):
        raise ApiError(
            code="odata_filter_invalid",
            message=_("The $filter expression cannot be read: check its quotes and parentheses."),
            status_code=400,
        ) from None
    try:
        return _FilterVisitor(properties).visit(tree)
    except RecursionError:
        raise unsupported(_("The $filter expression is too long.")) from None


def _function_refused(name: str) -> ApiError:
    return unsupported(
        _("Functions such as %(name)s() are not supported in $filter.") % {"name": name}
    )


class _FilterVisitor(NodeVisitor):
    def __init__(self, properties: dict[str, EntityProperty]) -> None:
        self.properties = properties
        self.nodes = 0

    def visit(self, node: ast._Node) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise unsupported(_("The $filter expression is too long."))
        return super().visit(node)

    def generic_visit(self, node: ast._Node) -> Q:
        if isinstance(node, ast.Identifier):
            raise unsupported(
                _("A property alone is not a condition: compare it, as in %(example)s.")
                % {"example": f"{node.name} eq '...'"}
            )
        if isinstance(node, ast._Literal):
            raise unsupported(_("A value alone is not a condition in $filter."))
        raise unsupported(
            _("This part of $filter is not supported: %(part)s.") % {"part": type(node).__name__}
        )

    def visit_BoolOp(self, node: ast.BoolOp) -> Q:
        left, right = self.visit(node.left), self.visit(node.right)
        return left & right if isinstance(node.op, ast.And) else left | right

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Q:
        if not isinstance(node.op, ast.Not):
            raise unsupported(_("Arithmetic is not supported in $filter."))
        return ~self.visit(node.operand)

    def visit_BinOp(self, node: ast.BinOp) -> Q:
        raise unsupported(_("Arithmetic is not supported in $filter."))

    def visit_Call(self, node: ast.Call) -> Q:
        raise _function_refused(node.func.name)

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> Q:
        raise unsupported(_("any() and all() are not supported in $filter."))

    def visit_Compare(self, node: ast.Compare) -> Q:
        comparator, left, right = type(node.comparator), node.left, node.right
        for side in (left, right):
            if isinstance(side, ast.Call):
                raise _function_refused(side.func.name)
            if isinstance(side, ast.UnaryOp) and isinstance(side.op, ast.Not):
                # `not` binds tighter than `eq`: `not q eq 'x'` reads `(not q) eq 'x'`.
                raise unsupported(
                    _("Put the comparison after not in parentheses: %(example)s.")
                    % {"example": "not (question eq 'code')"}
                )
            if isinstance(side, ast.BinOp | ast.UnaryOp):
                raise unsupported(_("Arithmetic is not supported in $filter."))
        if not isinstance(left, ast.Identifier) and isinstance(right, ast.Identifier):
            if comparator is ast.In:
                raise unsupported(
                    _("Write the property first: %(example)s.")
                    % {"example": f"{right.name} in ('...', '...')"}
                )
            comparator, left, right = _FLIP.get(comparator, comparator), right, left
        prop = self._property(left)
        if prop.kind == "single":
            return self._single(prop, comparator, right)
        return self._datetime(prop, comparator, right)

    def _property(self, node: ast._Node) -> EntityProperty:
        if isinstance(node, ast.Identifier) and node.namespace:
            raise unsupported(
                _("There is no property %(name)s: in property names, a dot is written __.")
                % {"name": ".".join((*node.namespace, node.name))}
            )
        if not isinstance(node, ast.Identifier):
            raise unsupported(
                _("Compare a property with a value, as in %(example)s.")
                % {"example": "question eq 'code'"}
            )
        prop = self.properties.get(node.name)
        if prop is None:
            raise unsupported(_("There is no property %(name)s.") % {"name": node.name})
        if not prop.filterable:
            raise unsupported(
                _(
                    "$filter on %(name)s is not supported: only single-choice questions and "
                    "submitted_at can be filtered."
                )
                % {"name": prop.name}
            )
        return prop

    def _single(self, prop: EntityProperty, comparator: type, value: ast._Node) -> Q:
        if comparator in (ast.Eq, ast.NotEq):
            chosen = self._chosen(prop, value)
            return chosen if comparator is ast.Eq else ~chosen
        if comparator is ast.In:
            items = value.val if isinstance(value, ast.List) else [value]
            found = Q(pk__in=[])
            for item in items:
                found |= self._chosen(prop, item)
            return found
        raise unsupported(
            _("A single-choice answer (%(name)s) is compared only with eq, ne or in.")
            % {"name": prop.name}
        )

    def _chosen(self, prop: EntityProperty, value: ast._Node) -> Q:
        """Whether the answer is `value` (an option code, or null for no answer)."""
        assert prop.question is not None
        answers = Answer.objects.filter(response_id=OuterRef("pk"), question_id=prop.question.id)
        if isinstance(value, ast.Null):
            return ~Q(Exists(answers.filter(option__isnull=False)))
        if not isinstance(value, ast.String):
            raise unsupported(
                _("%(name)s is compared with an option code in quotes, as in %(example)s.")
                % {"name": prop.name, "example": f"{prop.name} eq 'code'"}
            )
        option = prop.question.option_by_code.get(value.val)
        if option is None:
            codes = ", ".join(o.code for o in prop.question.options)
            raise unsupported(
                _("%(name)s has no option %(code)s; its options are: %(codes)s.")
                % {"name": prop.name, "code": value.val, "codes": codes}
            )
        return Q(Exists(answers.filter(option_id=option.id)))

    def _datetime(self, prop: EntityProperty, comparator: type, value: ast._Node) -> Q:
        if comparator not in _DATETIME_LOOKUPS and comparator is not ast.NotEq:
            raise unsupported(
                _("%(name)s is compared only with eq, ne, gt, ge, lt or le.") % {"name": prop.name}
            )
        if not isinstance(value, ast.DateTime):
            raise unsupported(
                _("%(name)s is compared with a date and time, as in %(example)s.")
                % {"name": prop.name, "example": f"{prop.name} ge 2022-11-10T00:00:00+06:00"}
            )
        moment = _moment(value)
        if comparator is ast.NotEq:
            return ~Q(submitted_at=moment)
        return Q(**{f"submitted_at{_DATETIME_LOOKUPS[comparator]}": moment})


def _moment(value: ast.DateTime) -> datetime:
    try:
        moment = value.py_val
    except ValueError:
        raise unsupported(
            _("%(value)s is not a valid date and time.") % {"value": value.val}
        ) from None
    if timezone.is_naive(moment):
        # As the import reads a time without an offset: in the server's time zone.
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
