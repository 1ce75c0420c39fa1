"""Decimal numbers as answers: reading them as respondents write them, writing them back.

Pure helpers shared by the validation layer (`surveys.validation`), the wide format
(`surveys.answers`) and the formats; no rule of a questionnaire lives here.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# A comma is the decimal separator most respondents in kk and ru write; both are accepted.
_DECIMAL = re.compile(r"^[+-]?\d{1,12}(?:[.,]\d+)?$")
DECIMAL_LIMIT = Decimal("999999999999.999999")  # Answer.value_decimal's range


class DecimalUnreadable(ValueError):
    """The value is no number (`kind` "not_a_decimal") or of no readable type ("invalid_value")."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def decimal_parse(value: Any) -> Decimal | None:
    """`3.14`, `3,14`, 3.14, 3 or a Decimal as a Decimal; None for no value."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DecimalUnreadable("not_a_decimal")
    if isinstance(value, Decimal | int):
        text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise DecimalUnreadable("not_a_decimal")
        text = repr(value)  # the shortest text giving this float: 3.14, not 3.1400000000000001
        if "e" in text:
            text = f"{Decimal(text):f}"
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise DecimalUnreadable("invalid_value")
    if not text:
        return None
    if not _DECIMAL.match(text):
        raise DecimalUnreadable("not_a_decimal")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover: the pattern admits only numbers
        raise DecimalUnreadable("not_a_decimal") from exc


def decimal_places(value: Decimal) -> int:
    """Digits after the point that carry a value: 3.140 has 2."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def decimal_plain(value: Decimal) -> str:
    """A value as people write a bound: 2.5, 10 (not 2.500000 or 1E+1)."""
    return f"{value.normalize():f}"


def decimal_text(value: Decimal, places: int) -> str:
    """A decimal as the wide format writes it: a dot, and the declared places (`3.50` for 2),
    or more where a value has them (never rounded: export never changes a stored value)."""
    return f"{value:.{max(places, decimal_places(value))}f}"


def decimal_number(value: Decimal | None) -> int | float | None:
    """A bound or value for JSON, YAML and spreadsheets: whole numbers stay whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
