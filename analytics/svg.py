"""SVG drawing for the results charts (analytics.charts): the document, text that fits, colours.

Pure strings in and out: no Django, no chart logic. Text is XML-escaped here, once, whatever it
holds; widths are estimated (no font is loaded on the server), Cyrillic a little wider than Latin.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

WIDTH = 480
PAD = 8
FONT = 13
LINE = 17
VIRIDIS = (
    "#fde725", "#addc30", "#5ec962", "#28ae80", "#21918c",
    "#2c728e", "#3b528b", "#472d7b", "#440154",
)  # fmt: skip
# Characters XML 1.0 forbids; user data may hold them and would make the document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def palette(points: list[str]) -> dict[str, str]:
    n = len(points)
    return {p: viridis(0.08 + 0.84 * i / (n - 1) if n > 1 else 0.5) for i, p in enumerate(points)}


def viridis(t: float) -> str:
    position = t * (len(VIRIDIS) - 1)
    i = min(int(position), len(VIRIDIS) - 2)
    low, high = VIRIDIS[i], VIRIDIS[i + 1]
    f = position - i
    rgb = [
        round(int(low[k : k + 2], 16) * (1 - f) + int(high[k : k + 2], 16) * f) for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = (int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink(fill: str) -> str:
    """Black or white text, whichever contrasts more with `fill`: on every viridis colour that is
    at least 4.5:1 (WCAG AA); a near-black (#111) fell to 4.3:1 on the middle teal."""
    return "#000000" if contrast("#000000", fill) >= contrast("#ffffff", fill) else "#ffffff"


def document(uid: str, title: str, desc: str, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {round(height)}" '
        f'width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{uid}-t">{esc(title)}</title><desc id="{uid}-d">{esc(desc)}</desc>'
        f'<defs><pattern id="{uid}-h" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<path d="M0 0V6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>'
        + "".join(body)
        + "</svg>"
    )


def legend(items: list[tuple[str, str]], y: float) -> tuple[list[str], float]:
    """Swatches with their labels, flowing onto further lines as the width runs out."""
    out: list[str] = []
    x = PAD
    for fill, label in items:
        text = fit(label, WIDTH - 2 * PAD - 18)
        need = 18 + text_width(text) + 14
        if x > PAD and x + need > WIDTH - PAD:
            x, y = PAD, y + LINE + 2
        out.append(rect(x, y + 2, 12, 12, fill, stroke=fill.startswith("url(")))
        out.append(text_node(x + 18, y + 12, text))
        x += need
    return out, y + LINE


def rect(x: float, y: float, w: float, h: float, fill: str, *, stroke: bool = False) -> str:
    edge = ' stroke="#9a9a9a" stroke-width="1"' if stroke else ""
    return f'<rect x="{x:.3f}" y="{y}" width="{w:.3f}" height="{h}" fill="{fill}"{edge}/>'


def text_node(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    baseline: str = "auto",
    fill: str = "#222",
) -> str:
    where = f'x="{x:.2f}" y="{y:.2f}" fill="{fill}"'
    if anchor != "start":
        where += f' text-anchor="{anchor}"'
    if baseline != "auto":
        where += f' dominant-baseline="{baseline}"'
    return f"<text {where}>{esc(text)}</text>"


def text_nodes(lines: list[str], x: float, y: float) -> list[str]:
    return [text_node(x, y + LINE * (i + 1) - 4, line) for i, line in enumerate(lines)]


def text_width(text: str) -> float:
    """A rough advance width for a sans-serif at FONT px; Cyrillic runs a little wider."""
    return sum(FONT * (0.62 if ord(c) > 0x3FF else 0.55) for c in text)


def fit(text: str, width: float) -> str:
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, max_lines: int = 2) -> list[str]:
    """Up to `max_lines` lines of at most `width`; the rest is cut with "…" (the tooltip has it)."""
    lines: list[str] = []
    current = ""
    for word in " ".join(text.split()).split(" "):
        attempt = f"{current} {word}".strip()
        if current and text_width(attempt) > width:
            lines.append(current)
            current = word
        else:
            current = attempt
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [fit(line, width) for line in lines]


def esc(text: Any) -> str:
    return escape(_NOT_XML.sub("", str(text)), {'"': "&quot;"})


def chart_uid(kind: str, title: str, table: Mapping[str, Any]) -> str:
    """An id for the chart's title, desc and pattern, stable for the same chart on one page."""
    data = json.dumps([kind, title, table], sort_keys=True, default=str, ensure_ascii=False)
    return f"chart-{hashlib.sha1(data.encode(), usedforsecurity=False).hexdigest()[:10]}"
