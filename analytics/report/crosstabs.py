"""The report's cross-tabulations: each table with its chi-square test, on a landscape page.

Each cell reads "count (share of the group, %)". A table with more groups than answers is laid
on its side (groups as rows), so that twenty regions still fit the page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ..disclosure import refusal_message
from . import layout
from .grids import DASH, number


def crosstabs_add(
    document: Any, tables: list[dict[str, Any]], *, first_number: int, k: int
) -> None:
    document.add_heading(_("Cross-tabulations"), level=1)
    document.add_paragraph(
        _(
            "Each cell gives the respondents and, in brackets, their share of the group (per "
            "cent). The chi-square test asks whether the answers depend on the group; Cramér’s V "
            "measures how strongly (0: not at all, 1: entirely)."
        )
    )
    for offset, table in enumerate(tables):
        _crosstab(document, table, first_number + offset, k)


def _cell(count: Any, percent: Any) -> str:
    if count is None:
        return DASH
    return f"{number(count)} ({number(percent)}%)"


def _crosstab(document: Any, table: dict[str, Any], number_: int, k: int) -> None:
    caption = _("Table %(number)d. %(question)s — by “%(by)s”") % {
        "number": number_,
        "question": table.get("question_text", ""),
        "by": table.get("by_text", ""),
    }
    layout.caption_add(document, caption)
    if table.get("refused"):
        layout.note_add(document, refusal_message(table["refused"], k=k))
        return
    # Groups nobody of the selection is in (the regions a region filter leaves out) say nothing.
    keep = [i for i, c in enumerate(table.get("columns") or []) if c.get("respondents") != 0]
    columns = [table["columns"][i] for i in keep]
    rows = [
        r | {"counts": [r["counts"][i] for i in keep], "percents": [r["percents"][i] for i in keep]}
        for r in table.get("rows") or []
    ]
    groups = [f"{c['label']} (n = {number(c.get('respondents'))})" for c in columns]
    cells = [
        [_cell(count, percent) for count, percent in zip(r["counts"], r["percents"], strict=True)]
        for r in rows
    ]
    if len(columns) > len(rows):
        header = ["", *(r["label"] for r in rows)]
        lines = [
            [group, *(cells[i][j] for i in range(len(rows)))] for j, group in enumerate(groups)
        ]
    else:
        header = ["", *groups]
        lines = [[r["label"], *line] for r, line in zip(rows, cells, strict=True)]
    size = 8 if len(header) <= 7 else 7
    layout.table_add(document, header, lines, first_width=0.22, size=size)
    notes = [_test_words(table.get("test") or {})]
    if table.get("withheld_columns"):
        notes.append(
            _("Left out, as they hold too few respondents: %(groups)s.")
            % {"groups": ", ".join(table["withheld_columns"])}
        )
    layout.note_add(document, " ".join(n for n in notes if n))


def _test_words(test: dict[str, Any]) -> str:
    parts = []
    if test.get("chi2") is not None:
        parts.append(
            _("Chi-square test: χ² = %(chi2)s, df = %(dof)d, p %(p)s; Cramér’s V = %(v)s.")
            % {
                "chi2": number(test["chi2"], 1),
                "dof": test["dof"],
                "p": _p_words(test["p"]),
                "v": number(test["cramers_v"], 3),
            }
        )
    elif test.get("p_below") is not None:
        parts.append(
            _("Chi-square test: p < %(p)s (df = %(dof)d).")
            % {"p": number(test["p_below"], 3), "dof": test["dof"]}
        )
    else:
        parts.append(_("No test could be made."))
    parts += [str(note) for note in test.get("notes") or []]
    return " ".join(parts)


def _p_words(p: float) -> str:
    return f"< {number(0.001, 3)}" if p < 0.001 else f"= {number(p, 3)}"
