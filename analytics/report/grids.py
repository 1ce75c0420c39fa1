"""Localized tables -> the header, rows and note of each table in the report, as text.

Pure: strings in the active language (gettext), numbers with its decimal separator; a withheld
figure (None) is "—", as on the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .content import Block

DASH = "—"
Grid = tuple[list[str], list[list[str]], str | None]

TYPE_WORDS = {
    "language": gettext_lazy("language"),
    "datetime": gettext_lazy("date and time"),
    "single": gettext_lazy("single choice"),
    "multiple": gettext_lazy("multiple choice"),
    "matrix": gettext_lazy("scale (grid row)"),
    "rating": gettext_lazy("scale"),
    "number": gettext_lazy("number"),
    "decimal": gettext_lazy("decimal number"),
    "text": gettext_lazy("text"),
    "other_text": gettext_lazy("text of “other”"),
}


def number(value: Any, digits: int = 1) -> str:
    """A count as it is; a share with `digits` decimals and the language's separator."""
    if value is None:
        return DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = f"{float(value):.{digits}f}"
    return text.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _points(rows: Iterable[dict[str, Any]]) -> tuple[list[str], bool]:
    """The real scale points in order, and whether a "cannot assess" column is needed."""
    keys = {str(key) for row in rows for key in (row.get("counts") or {})}
    return sorted((k for k in keys if k != "0"), key=int), "0" in keys


def _scale_note(block: Block) -> str | None:
    labelled = [
        f"{point} — {label}"
        for point, label in block.scale_labels.items()
        if label and point != "0"
    ]
    return _("Scale: %(labels)s.") % {"labels": "; ".join(labelled)} if labelled else None


def table_1_rows(block: Block) -> Grid:
    """The paper's Table 1: one row per channel, its respondents at each scale point."""
    rows = block.table.get("rows") or []
    points, na = _points(rows)
    header = [_("Item"), *points] + ([_("Cannot assess")] if na else [])
    lines = [
        [row["label"], *(number((row.get("counts") or {}).get(p)) for p in points)]
        + ([number((row.get("counts") or {}).get("0"))] if na else [])
        for row in rows
    ]
    return header, lines, _scale_note(block)


def table_2_rows(block: Block) -> Grid:
    """The paper's Table 2: respondents per option, their share of all answers, and the total
    of answers marked with the note on how many each respondent could give."""
    table = block.table
    header = [_("Item"), _("Count"), _("Share of answers, %")]
    lines = [
        [o["label"], number(o.get("count")), number(o.get("percent_of_answers"))]
        for o in table.get("options") or []
    ]
    answers = table.get("answers")
    lines.append([_("Total"), f"{number(answers)}*", number(100.0) if answers else DASH])
    if block.max_choices:
        note = ngettext(
            "* Each respondent could give up to %(n)d answer.",
            "* Each respondent could give up to %(n)d answers.",
            block.max_choices,
        ) % {"n": block.max_choices}
    else:
        note = _("* Each respondent could give several answers.")
    respondents = table.get("respondents")
    if respondents is not None:
        note += " " + ngettext(
            "%(n)d respondent answered the question.",
            "%(n)d respondents answered the question.",
            respondents,
        ) % {"n": respondents}
    return header, lines, note


def block_rows(block: Block) -> Grid:
    """Any closed question's table as the pages show it."""
    table = block.table
    kind = table["type"]
    if kind == "single":
        header = [_("Answer"), _("Count"), "%"]
        lines = [
            [o["label"], number(o.get("count")), number(o.get("percent"))]
            for o in table.get("options") or []
        ]
        lines.append([_("Total"), number(table.get("respondents")), number(100.0)])
        return header, lines, None
    if kind == "multiple":
        header, lines, note = table_2_rows(block)
        header = [_("Answer"), _("Count"), _("Share of answers, %"), _("Share of respondents, %")]
        for line, option in zip(lines, table.get("options") or [], strict=False):
            line.append(number(option.get("percent_of_respondents")))
        lines[-1].append("")
        return header, lines, note
    if kind == "matrix":
        rows = table.get("rows") or []
        header, lines, note = table_1_rows(block)
        header += ["n", _("Mean")]
        for line, row in zip(lines, rows, strict=True):
            line += [number(row.get("n")), number(row.get("mean"), 2)]
        return header, lines, note
    # A rating: one line per point, its share of those who rated.
    points, na = _points([table])
    counts = table.get("counts") or {}
    labels = block.scale_labels
    n = table.get("n")
    lines = []
    for point in [*points, *(["0"] if na else [])]:
        name = labels.get(point) or (_("Cannot assess") if point == "0" else "")
        count = counts.get(point)
        share = None if point == "0" or not n or count is None else 100 * count / n
        lines.append([f"{point} — {name}" if name else point, number(count), number(share)])
    note = _("n = %(n)s; mean %(mean)s; standard deviation %(sd)s.") % {
        "n": number(n),
        "mean": number(table.get("mean"), 2),
        "sd": number(table.get("sd"), 2),
    }
    return [_("Rating"), _("Count"), "%"], lines, note


def codebook_lines(rows: list[dict[str, Any]], language: str) -> tuple[list[str], list[list[str]]]:
    header = [_("Variable"), _("Question"), _("Type"), _("Values")]
    lines = []
    for row in rows:
        values = "; ".join(
            f"{v['code']} = {v['label'][language]}" if v["label"].get(language) else v["code"]
            for v in row["values"]
        )
        kind = TYPE_WORDS.get(row["type"], row["type"])
        lines.append([row["variable"], row["text"].get(language) or "", str(kind), values])
    return header, lines
