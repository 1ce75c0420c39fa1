"""Answers of one generated respondent, drawn from the questionnaire itself: what the seed's
`ResponseFiller` knows of choices, scales, bounds and display conditions (surveys.management.seed
decides who answers and keeps the paper's tables exact).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any, NamedTuple, TypeVar

from surveys.answers import OTHER_SUFFIX
from surveys.management.seed_data import (
    CHOICE_COUNT_WEIGHTS,
    EXCLUSIVE_SHARE,
    LANGUAGE_SKILL,
    NA_SHARE,
    OPTION_WEIGHTS,
    OPTIONAL_ANSWERED,
    OTHER_TEXTS,
    POINT_WEIGHTS,
    TEXT_ANSWERS,
)
from surveys.schema import Condition, QuestionSpec, SurveySchema

_GRADE = re.compile(r"^([a-e])(?:_[org])?_?(\d)$")  # civil service grades: c_o_1, d5, e_g_2
_NORMAL = NormalDist()

K = TypeVar("K")


class SeedError(Exception):
    """The questionnaire cannot carry the paper's data, or the generator broke a rule (a bug)."""


class _Context(NamedTuple):
    language: str
    mood: float
    chosen: Mapping[str, tuple[str, ...]]  # the options chosen so far, by question code


def _text(rng: random.Random, pool: Sequence[tuple[str, str]], language: str) -> str:
    kk, ru = rng.choice(pool)
    return kk if language == "kk" else ru


def _shown(condition: Condition | None, chosen: Mapping[str, tuple[str, ...]]) -> bool:
    return condition is None or not condition.options.isdisjoint(chosen.get(condition.question, ()))


class ResponseFiller:
    """Plausible complete answers to any questionnaire, walked in display order.

    A hidden question (by its own or its section's condition) is never answered; a visible
    required one always is. `forced` fixes some questions' wide cells in advance.
    """

    def __init__(self, *, schema: SurveySchema, rng: random.Random) -> None:
        self.schema, self.rng = schema, rng
        self.option_weights: dict[str, dict[str, float]] = {}
        self.point_weights: dict[tuple[str, str], list[float]] = {}
        for q in schema.ordered_questions():
            if q.is_choice:
                self.option_weights[q.code] = self._option_weights(q)
            if q.is_scaled:
                for row in [r.code for r in q.rows] or [""]:
                    self.point_weights[q.code, row] = self._point_weights(q, row)
        self.hooks = {
            "body_level": self._body_level,
            "position": self._position,
            "years_of_service": self._years_of_service,
            "languages": self._languages,
        }

    def data(
        self, *, language: str, mood: float = 0.0, forced: Mapping[str, dict] | None = None
    ) -> dict[str, Any]:
        forced = forced or {}
        data: dict[str, Any] = {}
        ctx = _Context(language, mood, {})
        for section in self.schema.sections:
            section_shown = _shown(section.condition, ctx.chosen)
            for code in section.questions:
                q = self.schema.questions[code]
                if q.is_note:
                    continue  # nothing to answer
                if not (section_shown and _shown(q.condition, ctx.chosen)):
                    if code in forced:
                        raise SeedError(f"“{code}” is hidden for a respondent it must answer.")
                    continue
                if code in forced:  # a matrix may be forced on some rows only
                    cells = {**(self._answer(q, ctx) if q.type == "matrix" else {}), **forced[code]}
                elif q.required or self.rng.random() < OPTIONAL_ANSWERED.get(q.type, 0.7):
                    cells = self._answer(q, ctx)
                else:
                    continue
                data.update(cells)
                if q.is_choice:
                    value = cells[code]
                    ctx.chosen[code] = tuple(value.split() if isinstance(value, str) else value)
        return data

    def _answer(self, q: QuestionSpec, ctx: _Context) -> dict[str, Any]:
        hook = self.hooks.get(q.code)
        if hook is not None and (cells := hook(q, ctx)) is not None:
            return cells
        if q.type == "single":
            return self._choice(q, ctx, [self._pick(self.option_weights[q.code])])
        if q.type == "multiple":
            return self._choice(q, ctx, self._multiple(q))
        if q.type == "rating":
            return {q.code: self._point(q, "", ctx.mood)}
        if q.type == "matrix":
            return {f"{q.code}.{r.code}": self._point(q, r.code, ctx.mood) for r in q.rows}
        if q.type == "number":
            low = q.number_min if q.number_min is not None else 0
            high = min(q.number_max if q.number_max is not None else low + 40, low + 40)
            return {q.code: round(self.rng.triangular(low, high, low + (high - low) / 4))}
        if q.type == "decimal":
            low = float(q.decimal_min) if q.decimal_min is not None else 0.0
            high = float(q.decimal_max) if q.decimal_max is not None else low + 40
            value = round(self.rng.uniform(low, high), q.decimals or 0)
            return {q.code: f"{min(max(value, low), high):.{q.decimals or 0}f}"}
        return {q.code: _text(self.rng, TEXT_ANSWERS, ctx.language)}

    def _choice(self, q: QuestionSpec, ctx: _Context, codes: list[str]) -> dict[str, Any]:
        order = [o.code for o in q.options]
        codes = sorted(codes, key=order.index)
        cells: dict[str, Any] = {q.code: codes[0] if q.type == "single" else codes}
        if q.other_option is not None and q.other_option.code in codes:
            cells[f"{q.code}.{OTHER_SUFFIX}"] = _text(self.rng, OTHER_TEXTS[q.code], ctx.language)
        return cells

    def _multiple(self, q: QuestionSpec) -> list[str]:
        weights = self.option_weights[q.code]
        exclusive = {c: w for c, w in weights.items() if q.option_by_code[c].is_exclusive}
        regular = {c: w for c, w in weights.items() if c not in exclusive and w > 0}
        low = q.min_choices or 1
        high = min(q.max_choices or max(low, 4), len(regular))
        if low <= 1 and self.rng.random() < sum(exclusive.values()) / sum(weights.values()):
            return [self._pick(exclusive)]
        hint = CHOICE_COUNT_WEIGHTS.get(q.code, {})
        sizes = {k: hint.get(k, 0.0) for k in range(low, high + 1)}
        if not any(sizes.values()):
            sizes = dict.fromkeys(range(low, high + 1), 1.0)
        picked: list[str] = []
        for _ in range(self._pick(sizes)):
            picked.append(self._pick({c: w for c, w in regular.items() if c not in picked}))
        return picked

    def _point(self, q: QuestionSpec, row: str, mood: float) -> int:
        if q.scale_na and self.rng.random() < NA_SHARE:
            return 0
        # A uniform draw correlated with the respondent's mood, read through the row's CDF.
        u = _NORMAL.cdf((mood + self.rng.gauss(0, 1)) / math.sqrt(2))
        weights = self.point_weights[q.code, row]
        target, running = u * sum(weights), 0.0
        for point, weight in zip(range(q.scale_min, q.scale_max + 1), weights, strict=True):
            running += weight
            if target < running:
                return point
        return q.scale_max

    def _option_weights(self, q: QuestionSpec) -> dict[str, float]:
        words = OPTION_WEIGHTS.get(q.code, "").split()
        hint = {code: float(weight) for code, weight in zip(words[::2], words[1::2], strict=True)}
        if hint:
            weights = {o.code: hint.get(o.code, min(hint.values()) / 2) for o in q.options}
        else:  # a skew of our own, drawn once per questionnaire
            weights = {o.code: self.rng.uniform(0.15, 1.0) ** 2 for o in q.options}
            regular = sum(w for c, w in weights.items() if not q.option_by_code[c].is_exclusive)
            for o in q.options:
                if o.is_other or o.is_exclusive:
                    weights[o.code] = (0.02 if o.is_other else EXCLUSIVE_SHARE) * regular
        if q.other_option is not None and q.code not in OTHER_TEXTS:
            weights[q.other_option.code] = 0.0  # chosen only where a fitting text exists
        return weights

    def _point_weights(self, q: QuestionSpec, row: str) -> list[float]:
        points = range(q.scale_min, q.scale_max + 1)
        known = POINT_WEIGHTS.get((q.code, row))
        if known is not None and len(known) == len(points):
            return [float(w) for w in known]
        span = q.scale_max - q.scale_min
        centre = q.scale_min + span * self.rng.uniform(0.55, 0.85)
        spread = span * self.rng.uniform(0.22, 0.32)
        return [math.exp(-(((p - centre) / spread) ** 2) / 2) for p in points]

    def _pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    # Hooks: code-specific plausibility, each returning None to fall back to the generic answer.

    def _body_level(self, q: QuestionSpec, ctx: _Context) -> dict[str, Any] | None:
        if set(q.option_by_code) != {"central", "local"}:
            return None
        central = 0.6 if ctx.chosen.get("region") == ("astana",) else 0.18
        return {q.code: "central" if self.rng.random() < central else "local"}

    def _position(self, q: QuestionSpec, ctx: _Context) -> dict[str, Any] | None:
        """Grades of the body's level (A, B, C central; Д, Е local), junior posts the commonest."""
        letters = {"central": "abc", "local": "de"}.get(ctx.chosen.get("body_level", ("",))[0])
        weights: dict[str, float] = {}
        for o in q.options:
            grade = _GRADE.match(o.code)
            if grade and letters and grade[1] in letters:
                weights[o.code] = float(grade[2])
            elif not grade and not o.is_other:
                weights[o.code] = 0.3  # corps A
        return {q.code: self._pick(weights)} if letters and len(weights) > 1 else None

    def _years_of_service(self, q: QuestionSpec, ctx: _Context) -> dict[str, Any] | None:
        """Service that fits the age band: at most the years since 21."""
        bounds = [int(n) for n in re.findall(r"\d+", ctx.chosen.get("age", ("",))[0])]
        if q.type != "number" or len(bounds) != 2:
            return None
        cap = max(0, min(self.rng.randint(*bounds) - 21, 40))
        years = round(self.rng.triangular(0, cap, cap / 2)) if cap else 0
        if q.number_max is not None:
            years = min(years, q.number_max)
        return {q.code: max(years, q.number_min if q.number_min is not None else 0)}

    def _languages(self, q: QuestionSpec, ctx: _Context) -> dict[str, Any] | None:
        skills = LANGUAGE_SKILL.get(ctx.language, {})
        if q.type != "matrix" or (q.scale_min, q.scale_max) != (1, 5):
            return None
        return {
            f"{q.code}.{r.code}": self._pick(dict(enumerate(skills[r.code], start=1)))
            if r.code in skills else self._point(q, r.code, ctx.mood)
            for r in q.rows
        }  # fmt: skip
