"""The value of one answered question, and its flat "wide" spelling.

The wide spelling is shared by the response files, the web form and any API: a key per question
code, `<question>.<row>` for a matrix cell, `<question>.other` for the text of an "other" option,
and a multiple choice written as option codes separated by single spaces (XLSForm convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from surveys.decimals import decimal_text
from surveys.schema import QuestionSpec, SurveySchema

OTHER_SUFFIX = "other"


@dataclass(frozen=True)
class QuestionAnswer:
    """A validated answer: which fields are meaningful depends on the question type."""

    options: tuple[str, ...] = ()
    other_text: str = ""
    cells: tuple[tuple[str, int], ...] = ()
    number: int | None = None
    text: str = ""
    decimal: Decimal | None = None

    def cell_map(self) -> dict[str, int]:
        return dict(self.cells)


Answers = dict[str, QuestionAnswer]


def answer_to_wide(question: QuestionSpec, answer: QuestionAnswer) -> dict[str, str]:
    """The wide cells of one answer, as text; unanswered cells are absent."""
    code = question.code
    out: dict[str, str] = {}
    if question.is_choice:
        out[code] = " ".join(answer.options)
        if answer.other_text:
            out[f"{code}.{OTHER_SUFFIX}"] = answer.other_text
    elif question.type == "matrix":
        for row, value in answer.cells:
            out[f"{code}.{row}"] = str(value)
    elif question.type in ("rating", "number"):
        if answer.number is not None:
            out[code] = str(answer.number)
    elif question.type == "decimal":
        if answer.decimal is not None:
            out[code] = decimal_text(answer.decimal, question.decimals or 0)
    elif question.is_note:
        pass
    else:
        out[code] = answer.text
    return out


def answers_to_wide(schema: SurveySchema, answers: Answers) -> dict[str, str]:
    out: dict[str, str] = {}
    for question in schema.ordered_questions():
        if question.code in answers:
            out.update(answer_to_wide(question, answers[question.code]))
    return out


def wide_columns(schema: SurveySchema) -> list[str]:
    """Every answer column of the wide format, in questionnaire order."""
    columns: list[str] = []
    for q in schema.ordered_questions():
        if q.type == "matrix":
            columns.extend(f"{q.code}.{r.code}" for r in q.rows)
            continue
        columns.append(q.code)
        if q.other_option is not None:
            columns.append(f"{q.code}.{OTHER_SUFFIX}")
    return columns
