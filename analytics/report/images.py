"""A results chart's SVG (analytics.charts, the one the pages show) as a PNG for the document."""

from __future__ import annotations

import io
import re

import cairosvg
from docx.shared import Cm, Length
from PIL import Image

from ..svg import WIDTH

# Twice the SVG's own size: sharp when printed at the width of an A4 text column.
SCALE = 2
# The page's SVG scales to its container (width="100%"); a raster needs a size of its own.
_FLUID = re.compile(r'width="100%"')
# No font is embedded in the SVG; the raster gets one with every Kazakh and Russian letter.
_FONT = re.compile(r'font-family="[^"]*"')
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def chart_png(svg: str) -> bytes:
    fixed = _FLUID.sub(f'width="{WIDTH}"', svg, count=1)
    fixed = _FONT.sub(f'font-family="{FONT}"', fixed, count=1)
    return cairosvg.svg2png(bytestring=fixed.encode("utf-8"), scale=SCALE, background_color="white")


# A scale chart spans the text column; a bar per option reads well narrower, and a tall one is
# shrunk to a page, down to the width where its 13 px labels are still about 6 pt.
WIDE, NARROW, MIN_WIDTH = Cm(14), Cm(10.5), Cm(7)
MAX_HEIGHT = Cm(20)


def chart_width(png: bytes, *, wide: bool) -> Length | None:
    """The width to place a chart at, or None when it cannot fit a page legibly."""
    with Image.open(io.BytesIO(png)) as image:
        ratio = image.height / image.width
    width = WIDE if wide else NARROW
    if width * ratio > MAX_HEIGHT:
        width = int(MAX_HEIGHT / ratio)
    return Length(width) if width >= MIN_WIDTH else None
