"""What the response exports of KoboToolbox and LimeSurvey look like, column by column.

Each preset tells, for one source column, the wide column it becomes (a `Rule`), or None when it
does not know the column. They assume the survey was imported from the same form, so its question,
option and row codes are the form's: what the XLSForm importer keeps as they are and the .lss
importer lower-cases (our codes are lower-case; LimeSurvey's are often `Q1`, `SQ001`, `A1`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from surveys.answers import OTHER_SUFFIX, wide_columns
from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT
from surveys.formats.languages import language_code
from surveys.schema import QuestionSpec, SurveySchema

Convert = Callable[[str], str]


@dataclass(frozen=True)
class Rule:
    """How one source column feeds the wide row."""

    source: str
    target: str  # a wide column (or, with `option`, a multiple choice); "" leaves it out
    option: str | None = None  # a yes/no column: the option of `target` it chooses
    implies: tuple[str, str] | None = None  # (question, option) a text here also chooses
    convert: Convert | None = None
    completion: bool = False  # an empty cell here means the response was never submitted


@dataclass
class SourceContext:
    schema: SurveySchema
    default_language: str

    @cached_property
    def wide(self) -> frozenset[str]:
        return frozenset(wide_columns(self.schema))

    @cached_property
    def folded(self) -> dict[str, QuestionSpec]:
        return {code.lower(): q for code, q in self.schema.questions.items()}

    def question(self, code: str) -> QuestionSpec | None:
        for candidate in _code_forms(code, "q"):
            if candidate in self.folded:
                return self.folded[candidate]
        return None

    def language_of(self, value: str) -> str:
        return language_code(value) or self.default_language


# KoboToolbox: "XLS" or CSV export, "Labels" off (XML values), groups in headers joined by `/` ---

KOBO_METADATA = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "simserial",
        "subscriberid",
        "phonenumber",
        "audit",
        "instanceID",
    }
)
KOBO_GROUPS = ("meta", "formhub")  # meta/instanceID, formhub/uuid...


def kobo_rule(name: str, context: SourceContext) -> Rule | None:
    questions = context.schema.questions
    segments = name.split("/")
    last = segments[-1]
    question = questions.get(last)
    if question is not None and question.type != "matrix":
        return Rule(name, question.code)
    parent = questions.get(segments[-2]) if len(segments) > 1 else None
    if parent is not None and parent.type == "multiple" and last in parent.option_by_code:
        return Rule(name, parent.code, option=last)
    # A matrix is a table-list group whose rows are named `<matrix>_<row>`.
    for matrix in (q for q in questions.values() if q.type == "matrix"):
        row = last.removeprefix(f"{matrix.code}_")
        if row != last and row in matrix.row_by_code:
            return Rule(name, f"{matrix.code}.{row}")
    base = last.removesuffix("_other")
    question = questions.get(base)
    if base != last and question is not None and question.other_option is not None:
        return Rule(name, f"{base}.{OTHER_SUFFIX}")
    if last in context.wide:
        return Rule(name, last)
    if name == "_submission_time":
        return Rule(name, SUBMITTED_AT, convert=_utc)
    # Every column Kobo adds starts with `_` (`_id`, `_uuid`, `__version__`...), which no code of
    # ours does, so new ones are recognised too.
    if name in KOBO_METADATA or name.startswith("_") or segments[0] in KOBO_GROUPS:
        return Rule(name, "")
    return None


def _utc(value: str) -> str:
    """Kobo writes `_submission_time` in UTC without saying so."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return value  # the import reports it as it stands
    return parsed.replace(tzinfo=dt.UTC).isoformat() if parsed.tzinfo is None else text


# LimeSurvey: "CSV", "answer codes", "question codes" as headings ----------------------------------

LIMESURVEY_METADATA = frozenset(
    {"id", "lastpage", "seed", "token", "startdate", "datestamp", "ipaddr", "refurl"}
)
LIMESURVEY_NAME = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*)(?:\[(?P<sub>[^\[\]]+)\])?$")
LIMESURVEY_TIMING = re.compile(r"^(?:interviewtime|groupTime\d+|(?P<code>[A-Za-z]\w*)Time)$")
LIMESURVEY_OTHER = "-oth-"  # a list's value when its "other" was chosen
# LimeSurvey's submitdate of a complete response in a survey that does not record dates.
LIMESURVEY_NO_DATE = "1980-01-01"
WHOLE = re.compile(r"^\s*(-?\d+)\.0*\s*$")  # numeric answers come as 12.0000000000


def limesurvey_rule(name: str, context: SourceContext) -> Rule | None:
    if name == "submitdate":
        return Rule(name, SUBMITTED_AT, convert=_limesurvey_date, completion=True)
    if name == "startlanguage":
        return Rule(name, LANGUAGE, convert=context.language_of)
    match = LIMESURVEY_NAME.match(name)
    question = context.question(match["code"]) if match else None
    if match and question is not None:
        sub = match["sub"]
        if sub is None and question.type != "matrix":
            return Rule(name, question.code, convert=_limesurvey_value(question))
        other = question.other_option
        if sub is not None and sub.lower() == "other" and other is not None:
            implies = (question.code, other.code) if question.type == "multiple" else None
            return Rule(name, f"{question.code}.{OTHER_SUFFIX}", implies=implies)
        folded = sub.lower() if sub is not None else ""
        if question.type == "multiple":
            option = _folded(question.option_by_code, folded)
            if option is not None:
                return Rule(name, question.code, option=option)
        if question.type == "matrix":
            row = _folded(question.row_by_code, folded, "sq")
            if row is not None:
                return Rule(name, f"{question.code}.{row}", convert=_whole)
    timing = LIMESURVEY_TIMING.match(name)
    if name in LIMESURVEY_METADATA or (
        timing and (timing["code"] is None or context.question(timing["code"]))
    ):
        return Rule(name, "")
    return None


def _folded(codes: dict[str, object], folded: str, prefix: str = "a") -> str | None:
    lowered = {code.lower(): code for code in codes}
    return next((lowered[c] for c in _code_forms(folded, prefix) if c in lowered), None)


_NOT_CODE = re.compile(r"[^a-z0-9_]+")


def _code_forms(raw: str, prefix: str) -> list[str]:
    """The codes a LimeSurvey code may have become in a survey imported from its .lss: lower
    case, then cleaned and, when it starts with a digit, prefixed (`1` -> `a1`), as
    surveys.formats.limesurvey's `code_make` makes them (`q` questions, `a` options, `sq` rows)."""
    lowered = raw.strip().lower()
    clean = _NOT_CODE.sub("_", lowered).strip("_")
    forms = [lowered, clean]
    if clean and not clean[0].isalpha():
        forms.append(f"{prefix}{clean}")
    return forms


def _limesurvey_value(question: QuestionSpec) -> Convert | None:
    if question.type in ("rating", "number"):
        return _whole
    if question.type not in ("single", "multiple"):
        return None
    other = question.other_option

    def choice(value: str) -> str:
        chosen = []
        for code in value.split():
            if code == LIMESURVEY_OTHER and other is not None:
                chosen.append(other.code)
            else:
                chosen.append(_folded(question.option_by_code, code) or code)
        return " ".join(chosen) if chosen else value

    return choice


def _whole(value: str) -> str:
    match = WHOLE.match(value)
    return match.group(1) if match else value


def _limesurvey_date(value: str) -> str:
    return "" if value.strip().startswith(LIMESURVEY_NO_DATE) else value


PRESETS: dict[str, Callable[[str, SourceContext], Rule | None]] = {
    "kobo": kobo_rule,
    "limesurvey": limesurvey_rule,
}
