"""Results tables drawn as inline SVG on the server: no script, no external font or style.

Each chart is one self-contained `<svg role="img">` with a `<title>` and a `<desc>` that states
the figures, a viewBox and `width="100%"`, so it scales to a phone and a screen reader can read it.
Labels are researchers' data and are XML-escaped; the few words a chart adds come in a
`ChartWords`: pass `chart_words(min_cell_size=k)` to name k, else they are built in the active
language without it.

A suppressed entry (small-cell protection) is drawn hatched with "—", never as 0. A scale bar is
the distribution over the real points, 100% = n (as the table's n, mean and top-2 share); the
"cannot assess" count is written under it. A bar with any withheld count is hatched whole: its
shares cannot be drawn without giving the hidden counts back or distorting the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext, ngettext

from . import svg
from .svg import LINE, PAD, WIDTH

BAR = 22
GAP = 14
DASH = "—"
VALUE_WIDTH = 104  # room right of a choice bar for "1234 · 100%"
TRACK = "#eceef1"
BAR_FILL = "#2c728e"
# Viridis (colour-blind safe, perceptually uniform, readable in greyscale), light to dark.


@dataclass(frozen=True)
class ChartWords:
    """The words a chart adds to the table's labels; English unless built by `chart_words`."""

    no_data: str = "No answers yet"
    suppressed: str = "too few respondents to show"
    cannot_assess: str = "Cannot assess"
    mean: str = "mean"
    decimal_separator: str = "."


def chart_words(*, min_cell_size: int | None = None) -> ChartWords:
    """The chart words in the active language (`translation.override` in a task)."""
    suppressed = gettext("too few respondents to show")
    if min_cell_size is not None:
        suppressed = ngettext(
            "fewer than %(k)d respondent", "fewer than %(k)d respondents", min_cell_size
        ) % {"k": min_cell_size}
    return ChartWords(
        no_data=gettext("No answers yet"),
        suppressed=suppressed,
        cannot_assess=gettext("Cannot assess"),
        mean=gettext("mean"),
        decimal_separator=str(get_format("DECIMAL_SEPARATOR")),
    )


# Public charts -----------------------------------------------------------------------------------


def matrix_chart_svg(
    table: Mapping[str, Any],
    *,
    title: str,
    scale_labels: Mapping[str, str],
    words: ChartWords | None = None,
) -> str:
    """One horizontal 100%-stacked bar per matrix row, one segment per scale point.

    `words` defaults to `chart_words()` in the active language (without k in the legend).
    """
    rows = list(table.get("rows") or [])
    return _stacked(table, rows, title, scale_labels, words or chart_words(), "matrix")


def rating_chart_svg(
    table: Mapping[str, Any],
    *,
    title: str,
    scale_labels: Mapping[str, str],
    words: ChartWords | None = None,
) -> str:
    """The rating's answers as one 100%-stacked bar, with the mean and n."""
    row = {key: table[key] for key in ("counts", "n", "mean", "na", "suppressed") if key in table}
    return _stacked(table, [row], title, scale_labels, words or chart_words(), "rating")


def choice_chart_svg(
    table: Mapping[str, Any],
    *,
    title: str,
    percent_key: str,
    words: ChartWords | None = None,
) -> str:
    """A horizontal bar per option of a single or multiple choice, with its count and percent.

    `percent_key` is "percent" for a single choice and "percent_of_respondents" or
    "percent_of_answers" for a multiple one; the bar length is that percent.
    """
    words = words or chart_words()
    uid = svg.chart_uid("choice", title, table)
    options = list(table.get("options") or [])
    total = table.get("respondents")
    if table.get("suppressed"):
        return _message(uid, title, f"{DASH} {words.suppressed}")
    if not options or not total:
        return _message(uid, title, words.no_data)
    track = WIDTH - 2 * PAD - VALUE_WIDTH
    body: list[str] = []
    summary: list[str] = []
    y = PAD
    hidden = False
    for option in options:
        label = str(option.get("label") or option.get("code") or "")
        count, percent = option.get("count"), option.get(percent_key)
        suppressed = bool(option.get("suppressed")) or count is None or percent is None
        hidden = hidden or suppressed
        lines = svg.wrap(label, WIDTH - 2 * PAD)
        body.append(f"<g><title>{svg.esc(label)}</title>")
        body.extend(svg.text_nodes(lines, PAD, y))
        y += LINE * len(lines) + 2
        if suppressed:
            value = DASH
            body.append(svg.rect(PAD, y, track, BAR, f"url(#{uid}-h)", stroke=True))
        else:
            value = f"{count} · {_num(percent, words)}%"
            body.append(svg.rect(PAD, y, track, BAR, TRACK))
            share = max(0.0, min(float(percent), 100.0)) / 100
            body.append(svg.rect(PAD, y, round(track * share, 2), BAR, BAR_FILL))
        body.append(svg.text_node(PAD + track + 6, y + BAR / 2, value, baseline="central"))
        body.append("</g>")
        summary.append(f"{label}: {value}")
        y += BAR + GAP
    y = _footer(body, y, f"n = {total}", hidden, uid, words)
    return svg.document(uid, title, f"{'; '.join(summary)}. n = {total}.", y, body)


# Stacked bars ------------------------------------------------------------------------------------


def _stacked(
    table: Mapping[str, Any],
    rows: list[Mapping[str, Any]],
    title: str,
    scale_labels: Mapping[str, str],
    words: ChartWords,
    kind: str,
) -> str:
    uid = svg.chart_uid(kind, title, table)
    if table.get("suppressed"):
        return _message(uid, title, f"{DASH} {words.suppressed}")
    if not any(_real(row) is None or sum(_real(row).values()) for row in rows):
        return _message(uid, title, words.no_data)
    points = _points(rows, scale_labels)
    fills = svg.palette(points)
    names = {p: f"{p} {scale_labels.get(p) or ''}".strip() for p in points}
    na_name = scale_labels.get("0") or words.cannot_assess
    body, y = svg.legend([(fills[p], names[p]) for p in points], PAD)
    y += GAP
    summary: list[str] = []
    hidden = False
    width = WIDTH - 2 * PAD
    for row in rows:
        label = str(row.get("label") or row.get("code") or "")
        counts = _real(row)
        total = sum(counts.values()) if counts is not None else None
        n = row.get("n", total)
        aside = DASH if n is None else f"n = {n}"
        if row.get("mean") is not None:
            aside = f"{words.mean} {_num(row['mean'], words, 2)} · {aside}"
        said = f"{label}: " * bool(label)
        body.append(f"<g><title>{svg.esc(label or title)}</title>")
        lines = svg.wrap(label, width - 8 * len(aside)) if label else []
        body.extend(svg.text_nodes(lines, PAD, y))
        body.append(svg.text_node(WIDTH - PAD, y + LINE - 4, aside, anchor="end"))
        y += LINE * max(len(lines), 1) + 2
        if counts is None:
            hidden = True
            body.append(svg.rect(PAD, y, width, BAR, f"url(#{uid}-h)", stroke=True))
            body.append(svg.text_node(PAD + width / 2, y + BAR / 2, DASH, anchor="middle"))
            said += f"{DASH}, {aside}"
        elif total:
            segments, shares = _segments(counts, points, total, y, width, fills, names)
            body.extend(segments)
            said += f"{', '.join(shares)} ({aside})"
        else:
            body.append(svg.rect(PAD, y, width, BAR, TRACK))
            said += aside
        y += BAR
        na = _na(row)
        if na is not False:
            hidden = hidden or na is None
            note = f"{na_name}: {DASH if na is None else na}"
            body.append(svg.text_node(PAD, y + LINE - 2, note, fill="#555"))
            said += f"; {note}"
            y += LINE
        body.append("</g>")
        summary.append(said)
        y += GAP
    y = _footer(body, y, "", hidden, uid, words)
    return svg.document(uid, title, ". ".join(summary) + ".", y, body)


def _segments(
    counts: Mapping[str, int],
    points: list[str],
    total: int,
    y: float,
    width: float,
    fills: dict[str, str],
    names: dict[str, str],
) -> tuple[list[str], list[str]]:
    """The segments of one bar; edges from running sums, so the widths add up to the bar."""
    out: list[str] = []
    said: list[str] = []
    running = 0
    for point in points:
        count = counts.get(point, 0)
        if not count:
            continue
        left = PAD + width * running / total
        running += count
        right = PAD + width * running / total
        share = f"{round(100 * count / total)}%"
        out.append(_segment(left, y, right - left, fills[point], share, names[point], count))
        said.append(f"{names[point]} {share}")
    return out, said


def _segment(x: float, y: float, w: float, fill: str, share: str, name: str, count: int) -> str:
    """One scale point's part of a bar; `data-count` lets tests and scripts read the figure."""
    tip = f"<title>{svg.esc(name)}: {count} ({share})</title>"
    rect = f'<rect x="{x:.3f}" y="{y}" width="{w:.3f}" height="{BAR}" fill="{fill}">{tip}</rect>'
    if w < 8 * len(share) + 6:  # too narrow for its label: the tooltip and <desc> still say it
        return f'<g data-count="{count}">{rect}</g>'
    label = svg.text_node(
        x + w / 2, y + BAR / 2, share, anchor="middle", baseline="central", fill=svg.ink(fill)
    )
    return f'<g data-count="{count}">{rect}{label}</g>'


def _real(row: Mapping[str, Any]) -> dict[str, int] | None:
    """Counts of the real scale points ("cannot assess" aside); None when any is withheld."""
    counts = {str(k): v for k, v in (row.get("counts") or {}).items() if str(k) != "0"}
    if row.get("suppressed") or row.get("counts") is None or None in counts.values():
        return None
    return counts


def _na(row: Mapping[str, Any]) -> int | bool | None:
    """The "cannot assess" count: False when the scale has none, None when withheld."""
    counts = row.get("counts") or {}
    if "0" in counts:
        return counts["0"]
    return row.get("na", False)


def _points(rows: Sequence[Mapping[str, Any]], scale_labels: Mapping[str, str]) -> list[str]:
    keys = {str(k) for k in scale_labels} | {str(k) for r in rows for k in r.get("counts") or {}}
    return sorted((k for k in keys if k.lstrip("-").isdigit() and k != "0"), key=int)


# Drawing -----------------------------------------------------------------------------------------


def _message(uid: str, title: str, text: str) -> str:
    """A chart with nothing to draw says why, in the picture and in its description."""
    body = [svg.text_node(WIDTH / 2, 24, text, anchor="middle", fill="#555")]
    return svg.document(uid, title, text, 40, body)


def _footer(
    body: list[str], y: float, note: str, hidden: bool, uid: str, words: ChartWords
) -> float:
    """The n of a choice chart and, when something is withheld, the legend of the hatching."""
    if hidden:
        body.extend(svg.legend([(f"url(#{uid}-h)", f"{DASH} {words.suppressed}")], y)[0])
        y += LINE + 4
    if note:
        body.append(svg.text_node(PAD, y + LINE - 4, note, fill="#555"))
        y += LINE + 4
    return y + PAD - GAP / 2


def _num(value: Any, words: ChartWords, digits: int = 1) -> str:
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", words.decimal_separator)
