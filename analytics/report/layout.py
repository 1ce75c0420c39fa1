"""python-docx helpers for the report: page setup, fonts, and tables that fit the page.

No Django and no figures of their own: the document module decides what goes in.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table

# Word in Kazakhstan has Arial; LibreOffice substitutes the metric-equal Liberation Sans. Both
# carry every Kazakh letter (ә ғ қ ң ө ұ ү һ і).
FONT = "Arial"
MARGIN = Cm(2)
A4 = (Cm(21), Cm(29.7))
# A table of up to this many rows stays on one page with its note, as Word keeps lines whose
# paragraphs "keep with next" together.
KEEP_TOGETHER = 30
ACCENT = RGBColor(0x1F, 0x4E, 0x79)


def _fonts(style, size: float | None = None, *, bold: bool | None = None) -> None:
    style.font.name = FONT
    # East Asian and complex-script slots too, or Word falls back to the theme's fonts there.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold


def document_setup(document: Document, language: str) -> None:
    """A4 portrait, 2 cm margins, Arial throughout, the language set for spelling and hyphens."""
    section = document.sections[0]
    section.page_width, section.page_height = A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    styles = document.styles
    _fonts(styles["Normal"], 10.5)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    lang = styles["Normal"].element.get_or_add_rPr()
    tag = OxmlElement("w:lang")
    tag.set(qn("w:val"), {"kk": "kk-KZ", "ru": "ru-RU"}[language])
    lang.append(tag)
    for name, size in (("Title", 22), ("Heading 1", 15), ("Heading 2", 12), ("Heading 3", 11)):
        _fonts(styles[name], size, bold=True)
        styles[name].font.color.rgb = ACCENT
    _fonts(styles["Caption"], 10, bold=True)
    styles["Caption"].font.color.rgb = RGBColor(0x22, 0x22, 0x22)
    styles["Caption"].font.italic = False
    _fonts(styles["Table Grid"], 9)


def text_width(document: Document) -> int:
    """The width between the margins of the current (last) section, in EMU."""
    section = document.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def section_add(document: Document, *, landscape: bool) -> None:
    """A new page in the given orientation (cross-tabulations want a wide page)."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def caption_add(document: Document, text: str) -> None:
    paragraph = document.add_paragraph(text, style="Caption")
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(8)


def note_add(document: Document, text: str, *, size: float = 8.5) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.italic = True
    paragraph.paragraph_format.space_after = Pt(8)


def table_add(
    document: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    first_width: float,
    size: float = 9,
    bold_last: bool = False,
    widths: Sequence[float] | None = None,
    figures: bool = True,
) -> Table:
    """A grid table: the first column `first_width` of the text width (0..1), the others share
    the rest (or each its share in `widths`); figures right-aligned; the header repeated on
    every page it runs onto. `figures`: the columns after the first hold numbers (else text,
    left-aligned). A short table is kept on the page of the note that follows it."""
    columns = len(header)
    table = document.add_table(rows=1 + len(rows), cols=columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = text_width(document)
    first = int(total * first_width) if columns > 1 else total
    other = int((total - first) / (columns - 1)) if columns > 1 else 0
    widths = [int(total * w) for w in widths] if widths else [first] + [other] * (columns - 1)
    for i, line in enumerate([list(header), *map(list, rows)]):
        cells = table.rows[i].cells
        for j, value in enumerate(line):
            cell = cells[j]
            cell.width = widths[j]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            if j > 0 and figures:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if i else WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(str(value))
            run.font.size = Pt(size)
            run.bold = i == 0 or (bold_last and i == len(rows))
            if len(rows) <= KEEP_TOGETHER:
                paragraph.paragraph_format.keep_with_next = True
    _repeat_header(table)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    return table


def _repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)
    # Shade the header, as the paper's tables are.
    for cell in table.rows[0].cells:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), "E8EEF4")
        cell._tc.get_or_add_tcPr().append(shading)
