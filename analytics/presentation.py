"""Snapshot tables -> what a page, a download or the command shows, in one language."""

from __future__ import annotations

import copy
from typing import Any

from surveys.schema import QuestionSpec, SurveySchema

from .inference import ci_annotate

# The paper's two tables lead every results page.
LEADING = ("channel_effectiveness", "barriers")


def results_order(schema: SurveySchema, tables: dict[str, Any]) -> list[str]:
    codes = [q.code for q in schema.ordered_questions() if q.code in tables]
    return [c for c in LEADING if c in tables] + [c for c in codes if c not in LEADING]


def table_localize(table: dict[str, Any], question: QuestionSpec, language: str) -> dict[str, Any]:
    """A copy of `table` with option and row labels in `language`."""
    table = copy.deepcopy(table)
    options = {o.code: o.label.get(language) for o in question.options}
    rows = {r.code: r.label.get(language) for r in question.rows}
    for entry in table.get("options") or []:
        entry["label"] = options.get(entry["code"], entry["code"])
    for entry in table.get("rows") or []:
        entry["label"] = rows.get(entry["code"], entry["code"])
    return table


def tables_localize(
    tables: dict[str, Any], schema: SurveySchema, language: str
) -> dict[str, dict[str, Any]]:
    return {
        code: table_localize(tables[code], schema.questions[code], language)
        for code in results_order(schema, tables)
    }


def question_title(question: QuestionSpec, language: str) -> str:
    return question.text.get(language)


def scale_labels(question: QuestionSpec, language: str) -> dict[str, str]:
    return {str(value): text.get(language) for value, text in question.scale_labels}


def results_document(
    *,
    slug: str,
    respondents: int,
    filters: dict[str, list[str]],
    tables: dict[str, Any],
    schema: SurveySchema,
    language: str,
    ci: float | None = None,
) -> dict[str, Any]:
    """The JSON contract of `manage.py results`: one table per closed question.

    `ci` (0.90, 0.95, 0.99): each table gains its confidence intervals (docs/api.md).
    """
    localized = tables_localize(tables, schema, language)
    closed = {code: table for code, table in localized.items() if table.get("type") != "number"}
    if ci is not None:
        closed = {code: ci_annotate(table, level=ci) for code, table in closed.items()}
    return {"survey": slug, "respondents": respondents, "filters": filters, "tables": closed}


# The profile questions that describe who answered, when the survey has them.
COMPOSITION = ("region", "body_level", "gender", "age")


def composition_from_tables(
    tables: dict[str, Any], schema: SurveySchema, language: str, respondents: int | None
) -> dict[str, Any] | None:
    """The sample's make-up, from the localized single-choice tables already computed."""
    variables = [
        {
            "code": code,
            "label": question_title(schema.questions[code], language),
            "options": tables[code]["options"],
        }
        for code in COMPOSITION
        if code in tables
        and tables[code].get("type") == "single"
        and not tables[code].get("suppressed")
    ]
    if not variables:
        return None
    return {"type": "composition", "respondents": respondents, "variables": variables}
