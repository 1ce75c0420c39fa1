"""The Word report: a `ReportContent` laid out as a .docx, every word in its language.

Figures are written as the content holds them (exact or protected: `content` decided); the
layout follows the 2022 paper: Table 1 counts by scale point per channel, Table 2 counts and
share of answers per barrier, numbered tables with their caption above.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from ..presentation import LEADING
from . import layout
from .content import Block, ReportContent
from .crosstabs import crosstabs_add
from .grids import block_rows, codebook_lines, number, table_1_rows, table_2_rows
from .images import chart_png, chart_width

Step = Callable[[], None]


def report_docx(*, content: ReportContent, on_step: Step | None = None) -> bytes:
    """The .docx file's bytes; `on_step` is called after each part (the job's progress)."""
    step = on_step or (lambda: None)
    with translation.override(content.language):
        document = Document()
        layout.document_setup(document, content.language)
        _title_page(document, content)
        _method(document, content)
        step()
        if content.refusal is None:
            _composition(document, content)
            step()
            numbered = _results(document, content, step)
            if content.crosstabs:
                layout.section_add(document, landscape=True)
                crosstabs_add(document, content.crosstabs, first_number=numbered + 1, k=content.k)
            step()
            layout.section_add(document, landscape=False)
            _codebook(document, content)
        step()
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "…"


def _title_page(document: Any, content: ReportContent) -> None:
    for _i in range(6):
        document.add_paragraph()
    document.add_paragraph(content.title, style="Title")
    subtitle = document.add_paragraph()
    run = subtitle.add_run(_("Survey results report"))
    run.font.size = Pt(14)
    document.add_paragraph()
    if content.filters:
        document.add_paragraph(_("Respondents selected by:"))
        for question, options in content.filters:
            document.add_paragraph(f"{question} — {options}", style="List Bullet")
    else:
        document.add_paragraph(_("Respondents: all complete responses."))
    document.add_paragraph(_("Prepared on %(date)s.") % {"date": _day(content.generated)})
    if content.exact:
        audience = _("Exact figures, for readers with access to the survey’s microdata.")
    else:
        audience = _("Protected figures, for readers of aggregate results.")
    document.add_paragraph(audience).runs[0].italic = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _method(document: Any, content: ReportContent) -> None:
    document.add_heading(_("Method"), level=1)
    start, end = content.fieldwork
    if start or end:
        document.add_paragraph(
            _("Fieldwork: %(start)s – %(end)s.") % {"start": _day(start), "end": _day(end)}
        )
    if content.refusal:
        document.add_paragraph(content.refusal)
        return
    n = content.respondents or 0
    sentence = ngettext(
        "The report describes %(n)d complete response.",
        "The report describes %(n)d complete responses.",
        n,
    ) % {"n": n}
    if not content.exact:
        sentence += " " + _("This count is protected like every other figure.")
    document.add_paragraph(sentence)
    invitations = content.invitations
    if invitations is None:
        document.add_paragraph(
            _("The survey was answered through its open link: there is no response rate.")
        )
    elif invitations.used is not None:
        document.add_paragraph(
            _("Response rate: %(used)d of %(sent)d invitations were used (%(rate)s%%).")
            % {"used": invitations.used, "sent": invitations.sent, "rate": number(invitations.rate)}
        )
    else:
        document.add_paragraph(
            _("Response rate: about %(rate)s%% of %(sent)d invitations were used.")
            % {"rate": number(invitations.rate, 0), "sent": invitations.sent}
        )
    if content.weighting:
        document.add_paragraph(
            _(
                "The percentages are weighted with the scheme “%(name)s”; counts (n) are of "
                "respondents, unweighted."
            )
            % {"name": content.weighting}
        )
    else:
        document.add_paragraph(_("The figures are unweighted: each respondent counts once."))
    document.add_paragraph(
        _(
            "Percentages have one decimal. In a multiple choice question each respondent could "
            "choose several options: its shares are given of all the answers and of the "
            "respondents."
        )
    )
    if content.exact:
        document.add_paragraph(
            _(
                "These are exact counts. Do not pass this document to readers who may see only "
                "aggregate results: they get a version with protected figures."
            )
        )
    else:
        document.add_heading(_("Protection of respondents"), level=2)
        document.add_paragraph(
            _(
                "A selection of fewer than %(k)d respondents, or one that leaves fewer than "
                "%(k)d outside it, is not shown at all; in a cross-tabulation a column of fewer "
                "than %(k)d respondents is left out."
            )
            % {"k": content.k}
        )
        if content.protection:
            document.add_paragraph(content.protection)


def _composition(document: Any, content: ReportContent) -> None:
    composition = content.composition
    if not composition:
        return
    document.add_heading(_("Who answered"), level=1)
    for variable in composition["variables"]:
        layout.caption_add(document, variable["label"])
        rows = [
            [o["label"], number(o["count"]), number(o.get("percent"))]
            for o in variable["options"]
            if o.get("count") != 0
        ]
        layout.table_add(document, ["", _("Respondents"), "%"], rows, first_width=0.6)


def _results(document: Any, content: ReportContent, step: Step) -> int:
    """Table 1 and Table 2 first, as in the paper, then every other closed question; the number
    of the last table."""
    blocks = {block.code: block for block in content.blocks}
    number_ = 0
    leading = [blocks[code] for code in LEADING if code in blocks]
    if leading:
        document.add_heading(_("Main results"), level=1)
    for block in leading:
        number_ += 1
        _leading_table(document, block, number_)
        _chart(document, block)
        step()
    others = [block for block in content.blocks if block.code not in LEADING]
    if others:
        document.add_heading(_("Answers to every question"), level=1)
    for block in others:
        number_ += 1
        document.add_heading(block.title, level=3).paragraph_format.keep_with_next = True
        _chart(document, block)
        layout.caption_add(document, _("Table %(number)d") % {"number": number_})
        if block.table.get("suppressed"):
            layout.note_add(document, _("Too few respondents to show this question."))
        else:
            header, rows, note = block_rows(block)
            layout.table_add(document, header, rows, first_width=0.42, bold_last=_has_total(block))
            if note:
                layout.note_add(document, note)
        step()
    return number_


def _has_total(block: Block) -> bool:
    return block.table["type"] in ("single", "multiple")


def _leading_table(document: Any, block: Block, number_: int) -> None:
    caption = _("Table %(number)d. %(title)s (number of respondents)") % {
        "number": number_,
        "title": block.title,
    }
    layout.caption_add(document, caption)
    table = block.table
    if table.get("suppressed"):
        layout.note_add(document, _("Too few respondents to show this question."))
        return
    if table["type"] == "matrix":
        header, rows, note = table_1_rows(block)
        layout.table_add(document, header, rows, first_width=0.5)
    elif table["type"] == "multiple":
        header, rows, note = table_2_rows(block)
        layout.table_add(document, header, rows, first_width=0.5, bold_last=True)
    else:
        header, rows, note = block_rows(block)
        layout.table_add(document, header, rows, first_width=0.5, bold_last=_has_total(block))
    if note:
        layout.note_add(document, note)


def _chart(document: Any, block: Block) -> None:
    if not block.svg:
        return
    png = chart_png(block.svg)
    width = chart_width(png, wide=block.table["type"] in ("matrix", "rating"))
    if width is None:
        layout.note_add(
            document,
            _("The chart is left out: it has too many answers to be read on a page."),
        )
        return
    document.add_picture(io.BytesIO(png), width=width)
    document.paragraphs[-1].alignment = 1  # centred


def _codebook(document: Any, content: ReportContent) -> None:
    document.add_heading(_("Annex. Codebook"), level=1)
    document.add_paragraph(
        _("One line per variable of the response files, in their order, with its values.")
    )
    header, rows = codebook_lines(content.codebook, content.language)
    layout.table_add(
        document,
        header,
        rows,
        first_width=0.16,
        size=7.5,
        widths=(0.16, 0.4, 0.1, 0.34),
        figures=False,
    )
