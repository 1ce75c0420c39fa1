"""The few XLSForm expressions that carry meaning in our questionnaire model, and nothing else.

A `relevant`, `constraint` or `required` cell either matches one of these forms exactly, or the
import refuses it: guessing at a wider XPath would change what a form means without saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pyxform.aliases import yes_no

_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_VALUE = r"""(?:'(?P<v1>[^']*)'|"(?P<v2>[^"]*)")"""
_EQUALS = re.compile(rf"^\$\{{(?P<q>{_NAME})\}}\s*=\s*{_VALUE}$")
_SELECTED = re.compile(rf"^selected\(\s*\$\{{(?P<q>{_NAME})\}}\s*,\s*{_VALUE}\s*\)$")
_COUNT = re.compile(r"^count-selected\(\s*\.\s*\)\s*(?P<op><=|>=|<|>)\s*(?P<n>\d+)$")
_EXCLUSIVE = re.compile(
    rf"^not\(\s*selected\(\s*\.\s*,\s*{_VALUE}\s*\)\s+and\s+"
    r"count-selected\(\s*\.\s*\)\s*>\s*1\s*\)$"
)
_BOUND = re.compile(r"^\.\s*(?P<op><=|>=|<|>)\s*(?P<n>-?\d+)$")
# A decimal's bounds are inclusive only: `. < 2.5` has no largest value to make it `<=`.
_DECIMAL_BOUND = re.compile(r"^\.\s*(?P<op><=|>=)\s*(?P<n>-?\d+(?:\.\d+)?)$")
_DECIMALS = re.compile(r"^decimals\s*=\s*(?P<n>\d+)$")


class ExpressionError(ValueError):
    """The expression is not one of the supported forms."""


def _value(match: re.Match[str]) -> str:
    return match.group("v1") if match.group("v1") is not None else match.group("v2")


def split_top(expr: str, word: str) -> list[str]:
    """Split on ` word ` outside parentheses and quotes: `a and not(b and c)` -> 2 parts."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    token = f" {word} "
    while i < len(expr):
        ch = expr[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and expr.startswith(token, i):
            parts.append(expr[start:i].strip())
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(expr[start:].strip())
    return parts


@dataclass
class Relevance:
    question: str
    options: list[str]
    # True when some term is `${q} = 'x'`, which means "exactly x" only for a single choice.
    uses_equals: bool = False


def relevant_parse(expr: str) -> Relevance:
    """`${q} = 'x'`, `selected(${q}, 'x')`, or several of those on one question joined by `or`."""
    found: Relevance | None = None
    for term in split_top(" ".join(expr.split()), "or"):
        term = term.strip()
        while term.startswith("(") and term.endswith(")") and not _SELECTED.match(term):
            term = term[1:-1].strip()
        match = _EQUALS.match(term) or _SELECTED.match(term)
        if match is None:
            raise ExpressionError(expr)
        if found is None:
            found = Relevance(question=match.group("q"), options=[])
        elif found.question != match.group("q"):
            raise ExpressionError(expr)
        found.options.append(_value(match))
        found.uses_equals |= match.re is _EQUALS
    if found is None:
        raise ExpressionError(expr)
    return found


@dataclass
class ChoiceLimits:
    min_choices: int | None = None
    max_choices: int | None = None
    exclusive: list[str] = field(default_factory=list)


def choice_constraint_parse(expr: str) -> ChoiceLimits:
    """`count-selected(.) <= N`, `>= N`, `not(selected(., 'x') and count-selected(.) > 1)`,
    joined by `and`."""
    limits = ChoiceLimits()
    for term in split_top(" ".join(expr.split()), "and"):
        if match := _COUNT.match(term):
            op, n = match.group("op"), int(match.group("n"))
            if op in ("<=", "<"):
                if limits.max_choices is not None:
                    raise ExpressionError(expr)
                limits.max_choices = n if op == "<=" else n - 1
            else:
                if limits.min_choices is not None:
                    raise ExpressionError(expr)
                limits.min_choices = n if op == ">=" else n + 1
        elif match := _EXCLUSIVE.match(term):
            limits.exclusive.append(_value(match))
        else:
            raise ExpressionError(expr)
    return limits


def bounds_parse(expr: str) -> tuple[int | None, int | None]:
    """`. >= 0 and . <= 50` (either side may be left out; `<` and `>` are made inclusive)."""
    low = high = None
    for term in split_top(" ".join(expr.split()), "and"):
        match = _BOUND.match(term)
        if match is None:
            raise ExpressionError(expr)
        op, n = match.group("op"), int(match.group("n"))
        if op in (">=", ">"):
            if low is not None:
                raise ExpressionError(expr)
            low = n if op == ">=" else n + 1
        else:
            if high is not None:
                raise ExpressionError(expr)
            high = n if op == "<=" else n - 1
    return low, high


def decimal_bounds_parse(expr: str) -> tuple[Decimal | None, Decimal | None]:
    """`. >= 0.5 and . <= 99.99` (either side may be left out)."""
    found: dict[str, Decimal] = {}
    for term in split_top(" ".join(expr.split()), "and"):
        match = _DECIMAL_BOUND.match(term)
        if match is None or match.group("op") in found:
            raise ExpressionError(expr)
        found[match.group("op")] = Decimal(match.group("n"))
    return found.get(">="), found.get("<=")


def decimals_parse(parameters: str) -> int:
    """The places of a decimal from its `parameters` cell: `decimals=2`."""
    match = _DECIMALS.match(" ".join(str(parameters).split()))
    if match is None:
        raise ExpressionError(parameters)
    return int(match.group("n"))


def yes_no_parse(value: str | None) -> bool:
    """XLSForm's yes/no spellings (yes, true, TRUE, true(), no, ...); empty means no."""
    if value is None or value == "":
        return False
    if value not in yes_no:
        raise ExpressionError(value)
    return yes_no[value]


def relevant_write(question: str, options: list[str], single: bool) -> str:
    if single:
        return " or ".join(f"${{{question}}} = '{o}'" for o in options)
    return " or ".join(f"selected(${{{question}}}, '{o}')" for o in options)


def choice_constraint_write(
    min_choices: int | None, max_choices: int | None, exclusive: list[str]
) -> str:
    terms = []
    if min_choices is not None:
        terms.append(f"count-selected(.) >= {min_choices}")
    if max_choices is not None:
        terms.append(f"count-selected(.) <= {max_choices}")
    terms += [f"not(selected(., '{o}') and count-selected(.) > 1)" for o in exclusive]
    return " and ".join(terms)


def bounds_write(low: int | str | None, high: int | str | None) -> str:
    terms = ([f". >= {low}"] if low is not None else []) + (
        [f". <= {high}"] if high is not None else []
    )
    return " and ".join(terms)
