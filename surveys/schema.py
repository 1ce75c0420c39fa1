"""An immutable in-memory snapshot of a questionnaire.

Validation, import, export and the seed walk thousands of answers; they read the questionnaire once
through `survey_schema_get` (a fixed handful of queries) and then never touch the database again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Text:
    kk: str
    ru: str

    def get(self, language: str) -> str:
        first, second = (self.kk, self.ru) if language == "kk" else (self.ru, self.kk)
        return first or second


@dataclass(frozen=True)
class OptionSpec:
    id: int
    code: str
    label: Text
    is_other: bool = False
    is_exclusive: bool = False


@dataclass(frozen=True)
class RowSpec:
    id: int
    code: str
    label: Text


@dataclass(frozen=True)
class Condition:
    """Shown only when the answer to `question` includes one of `options`."""

    question: str
    options: frozenset[str]

    def met(self, known: Mapping[str, Any]) -> bool:
        """`known` maps question codes to answers carrying `.options`."""
        answer = known.get(self.question)
        return answer is not None and not self.options.isdisjoint(answer.options)


def condition_met(condition: Condition | None, known: Mapping[str, Any]) -> bool:
    return condition is None or condition.met(known)


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    code: str
    type: str
    section: str
    text: Text
    help: Text = Text("", "")
    required: bool = True
    widget: str = "radio"
    min_choices: int | None = None
    max_choices: int | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    scale_na: bool = False
    number_min: int | None = None
    number_max: int | None = None
    decimals: int | None = None
    decimal_min: Decimal | None = None
    decimal_max: Decimal | None = None
    options: tuple[OptionSpec, ...] = ()
    rows: tuple[RowSpec, ...] = ()
    scale_labels: tuple[tuple[int, Text], ...] = ()
    condition: Condition | None = None

    @cached_property
    def option_by_code(self) -> dict[str, OptionSpec]:
        return {o.code: o for o in self.options}

    @cached_property
    def row_by_code(self) -> dict[str, RowSpec]:
        return {r.code: r for r in self.rows}

    @cached_property
    def other_option(self) -> OptionSpec | None:
        return next((o for o in self.options if o.is_other), None)

    @property
    def is_choice(self) -> bool:
        return self.type in ("single", "multiple")

    @property
    def is_note(self) -> bool:
        """A text shown between questions: never answered, never a column of the data."""
        return self.type == "note"

    @property
    def is_scaled(self) -> bool:
        return self.type in ("matrix", "rating")

    def scale_points(self) -> list[int]:
        """Every allowed value of a matrix or rating, "cannot assess" (0) first when present."""
        if self.scale_min is None or self.scale_max is None:
            return []
        points = list(range(self.scale_min, self.scale_max + 1))
        return [0, *points] if self.scale_na and 0 not in points else points

    def scale_label(self, value: int) -> Text | None:
        return dict(self.scale_labels).get(value)


@dataclass(frozen=True)
class SectionSpec:
    id: int
    code: str
    title: Text
    questions: tuple[str, ...]
    description: Text = Text("", "")
    condition: Condition | None = None


@dataclass(frozen=True)
class SurveySchema:
    survey_id: int
    slug: str
    sections: tuple[SectionSpec, ...]
    questions: dict[str, QuestionSpec] = field(hash=False)

    @cached_property
    def section_by_code(self) -> dict[str, SectionSpec]:
        return {s.code: s for s in self.sections}

    def ordered_questions(self) -> list[QuestionSpec]:
        """Every question that takes an answer, in questionnaire order; notes are left out
        (they have no column, value, table or variable), `ordered_items` keeps them."""
        return [q for q in self.ordered_items() if not q.is_note]

    def ordered_items(self) -> list[QuestionSpec]:
        """Questions and notes, in questionnaire order."""
        return [self.questions[c] for s in self.sections for c in s.questions]

    def visible_questions(self, answers: Mapping[str, Any]) -> set[str]:
        """Codes of the questions shown, given the answers; hidden answers are ignored."""
        shown: set[str] = set()
        known: dict[str, Any] = {}
        for section in self.sections:
            section_shown = condition_met(section.condition, known)
            for code in section.questions:
                if section_shown and condition_met(self.questions[code].condition, known):
                    shown.add(code)
                    if code in answers:
                        known[code] = answers[code]
        return shown

    def visible_sections(self, answers: Mapping[str, Any]) -> list[SectionSpec]:
        shown = self.visible_questions(answers)
        return [s for s in self.sections if any(c in shown for c in s.questions)]
