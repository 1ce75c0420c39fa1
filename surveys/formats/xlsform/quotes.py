"""Typographic quotes kept in an XLSForm's texts while pyxform reads the sheets (its own
concern: `sheets` reads the workbook, this keeps pyxform from rewriting a researcher's words)."""

from __future__ import annotations

from typing import Any

from pyxform.parsing.sheet_headers import dealias_and_group_headers

# pyxform turns typographic quotes into straight ones in every cell, which is right for
# expressions (`${q} = ‘x’` typed in Excel) but would change a researcher's texts („Да“, it’s).
# The quotes are swapped for private-use characters while pyxform reads, then put back: as
# written in texts, straightened in everything else.
_QUOTES = "\u2018\u2019\u201c\u201d"
_SHIELDS = "\ue018\ue019\ue01c\ue01d"
_SHIELD = str.maketrans(_QUOTES, _SHIELDS)
_UNSHIELD = str.maketrans(_SHIELDS, _QUOTES)
_STRAIGHTEN = str.maketrans(_SHIELDS, "''\"\"")
TEXT_KEYS = {"label", "hint", "saualnama_title", "saualnama_intro", "title"}


def _restore(value: Any, table: dict[int, Any]) -> Any:
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, dict):
        return {key: _restore(item, table) for key, item in value.items()}
    return value


def dealias_keeping_quotes(*, sheet_data: Any, **options: Any) -> Any:
    """pyxform's own reading of a sheet's rows, typographic quotes in texts kept."""
    shielded = [{k: _restore(v, _SHIELD) for k, v in row.items()} for row in sheet_data or []]
    result = dealias_and_group_headers(sheet_data=shielded, **options)
    result.data = [
        {k: _restore(v, _UNSHIELD if k in TEXT_KEYS else _STRAIGHTEN) for k, v in row.items()}
        for row in result.data
    ]
    return result
