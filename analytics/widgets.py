"""What the results templates need beyond the tables: charts, table grids, filter choices."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from surveys.schema import SurveySchema

from . import charts
from .presentation import LEADING, question_title, scale_labels
from .selectors import Filters

# Region first: it is the breakdown every report of this kind starts with.
FIRST_FILTERS = ("region", "body_level")


def _grid(table: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Scale points and one row per matrix row (or the rating itself), counts as a list."""
    rows = table.get("rows") if table["type"] == "matrix" else [table]
    points: list[str] = []
    for row in rows or []:
        for point in row.get("counts") or {}:
            if point not in points:
                points.append(point)
    points.sort(key=int)
    display = []
    for row in rows or []:
        counts = row.get("counts") or {}
        display.append({**row, "cells": [counts.get(p) for p in points]})
    return points, display


def charts_for(
    tables: dict[str, dict[str, Any]], schema: SurveySchema, language: str, k: int
) -> list[dict[str, Any]]:
    with translation.override(language):
        words = charts.chart_words(min_cell_size=k)
    blocks = []
    captions = {
        "channel_effectiveness": _("Table 1"),
        "barriers": _("Table 2"),
    }
    for code, table in tables.items():
        question = schema.questions[code]
        title = question_title(question, language)
        block: dict[str, Any] = {"code": code, "title": title, "table": table, "svg": ""}
        if code in LEADING:
            block["caption"] = captions[code]
        if table.get("suppressed"):
            blocks.append(block)
            continue
        if table["type"] in ("matrix", "rating"):
            table["points"], table["display_rows"] = _grid(table)
            labels = scale_labels(question, language)
            draw = charts.matrix_chart_svg if table["type"] == "matrix" else charts.rating_chart_svg
            block["svg"] = mark_safe(draw(table, title=title, scale_labels=labels, words=words))
        elif table["type"] in ("single", "multiple"):
            key = "percent" if table["type"] == "single" else "percent_of_respondents"
            block["svg"] = mark_safe(
                charts.choice_chart_svg(table, title=title, percent_key=key, words=words)
            )
        blocks.append(block)
    return blocks


def filter_choices(schema: SurveySchema, language: str, filters: Filters) -> list[dict[str, Any]]:
    """Every single-choice question as a filter, region first, its options as `code:option`."""
    singles = [q for q in schema.ordered_questions() if q.type == "single"]
    singles.sort(
        key=lambda q: (
            q.code not in FIRST_FILTERS,
            FIRST_FILTERS.index(q.code) if q.code in FIRST_FILTERS else 0,
        )
    )
    choices = []
    for question in singles:
        chosen = set(filters.get(question.code, []))
        choices.append(
            {
                "code": question.code,
                "text": question.text.get(language),
                "active": len(chosen),
                "options": [
                    (f"{question.code}:{o.code}", o.label.get(language), o.code in chosen)
                    for o in question.options
                ],
            }
        )
    return choices


def active_filters(
    choices: list[dict[str, Any]], filters: Filters, query: Any
) -> list[dict[str, Any]]:
    """The filter in words for the results bar: each question with its chosen options, and the
    query string without it (the link that removes that part of the filter)."""
    active = []
    for question in choices:
        if not question["active"]:
            continue
        labels = [label for _value, label, checked in question["options"] if checked]
        rest = query.copy()
        rest.setlist("f", [v for v in query.getlist("f") if v.split(":")[0] != question["code"]])
        active.append(
            {"code": question["code"], "text": question["text"], "labels": labels}
            | {"remove": rest.urlencode()}
        )
    return active


def results_contents(
    blocks: list[dict[str, Any]], schema: SurveySchema, language: str, *, composition: bool
) -> list[dict[str, Any]]:
    """The table of contents: the paper's two tables and who answered first, then every
    section with its questions in questionnaire order, as links to their blocks."""
    leading = [b for b in blocks if b.get("caption")]
    shown = {b["code"]: b for b in blocks}
    head = [{"anchor": f"t-{b['code']}", "text": f"{b['caption']}. {b['title']}"} for b in leading]
    if composition:
        with translation.override(language):
            head.append({"anchor": "composition", "text": _("Who answered")})
    contents = [{"title": None, "entries": head}] if head else []
    for section in schema.sections:
        entries = [
            {"anchor": f"t-{code}", "text": shown[code]["title"]}
            for code in section.questions
            if code in shown and not shown[code].get("caption")
        ]
        if entries:
            contents.append({"title": section.title.get(language), "entries": entries})
    return contents
