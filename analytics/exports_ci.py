"""The confidence-interval columns of a table download, added only to a table that has them.

A table annotated by `analytics.inference.ci_annotate` carries ``ci_level``; its block (one per
table, `analytics.exports.Block`) gains the interval columns beside the figures. A table without
``ci_level`` is left exactly as it was: the downloads without ``ci=`` stay byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _


def ci_columns_add(block: Any, table: Mapping[str, Any], hidden: object) -> None:
    """Append the intervals of `table` to `block` (rows as the block's builder wrote them)."""
    level = table.get("ci_level")
    if level is None:
        return
    words = {"level": round(level * 100)}
    low, high = _("%(level)d%% CI: low") % words, _("%(level)d%% CI: high") % words
    kind = table.get("type")
    gone = bool(table.get("suppressed"))

    def cell(entry: Mapping[str, Any], key: str, withheld: bool) -> Any:
        value = entry.get(key)
        return hidden if value is None and withheld else value

    if kind in ("single", "multiple"):
        block.header += [low, high]
        for line, entry in zip(block.rows, table.get("options") or [], strict=False):
            withheld = gone or bool(entry.get("suppressed"))
            line += [cell(entry, "ci_low", withheld), cell(entry, "ci_high", withheld)]
    elif kind in ("matrix", "rating"):
        block.header += [
            f"{_('Mean')}, {low}",
            f"{_('Mean')}, {high}",
            f"{_('Top-2 percent')}, {low}",
            f"{_('Top-2 percent')}, {high}",
        ]
        rows = (table.get("rows") or []) if kind == "matrix" else [table]
        for line, row in zip(block.rows, rows, strict=False):
            withheld = gone or bool(row.get("suppressed"))
            top = withheld or bool(row.get("counts_suppressed"))
            line += [cell(row, "mean_ci_low", withheld), cell(row, "mean_ci_high", withheld)]
            line += [cell(row, "top2_ci_low", top), cell(row, "top2_ci_high", top)]
    elif kind == "number":
        block.rows.append([f"{_('Mean')}, {low}", cell(table, "mean_ci_low", gone)])
        block.rows.append([f"{_('Mean')}, {high}", cell(table, "mean_ci_high", gone)])
    elif kind == "number_ranges":
        block.header += [low, high]
        for line, entry in zip(block.rows, table.get("ranges") or [], strict=False):
            line += [entry.get("ci_low"), entry.get("ci_high")]
    elif kind == "crosstab":
        labels = [str(c.get("label") or c.get("code")) for c in table.get("columns") or []]
        block.header += [f"{label}, {low}" for label in labels]
        block.header += [f"{label}, {high}" for label in labels]
        for line, row in zip(block.rows, table.get("rows") or [], strict=False):
            flags = row.get("suppressed")
            flags = flags if isinstance(flags, list) else [bool(flags)] * len(labels)
            for key in ("ci_lows", "ci_highs"):
                values = row.get(key) or [None] * len(labels)
                line += [
                    hidden if v is None and f else v for v, f in zip(values, flags, strict=False)
                ]
    else:
        return
    block.notes.append(
        _(
            "%(level)d%% confidence intervals: Wilson score intervals for percentages, t "
            "intervals for means; on the effective sample size when weighted."
        )
        % words
    )
