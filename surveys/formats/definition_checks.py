"""The one consistency check of a questionnaire definition (files, the builder, XLSForm).

Split from `definitions` so that loading and exporting read apart from the rules they obey.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.decimals import DecimalUnreadable, decimal_parse, decimal_places
from surveys.models import Question, Survey
from surveys.models.questionnaire import DECIMAL_PLACES_MAX

CODE = re.compile(r"^[a-z][a-z0-9_]*$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHOICE_TYPES = ("single", "multiple")
SCALED_TYPES = ("matrix", "rating")
DECIMALS_DEFAULT = 2  # a decimal's places where a file does not say

SURVEY_KEYS = {
    "slug",
    "default_language",
    "status",
    "min_cell_size",
    "opens_at",
    "closes_at",
    "title",
    "intro",
    "sections",
}
SECTION_KEYS = {"code", "title", "description", "show_if", "questions"}
COMMON_KEYS = {"code", "type", "text", "help", "required", "show_if"}
TYPE_KEYS = {
    "single": {"options", "widget"},
    "multiple": {"options", "min_choices", "max_choices"},
    "matrix": {"rows", "scale"},
    "rating": {"scale"},
    "number": {"min", "max"},
    "decimal": {"decimals", "min", "max"},
    "short_text": set(),
    "long_text": set(),
    "note": set(),
}
OPTION_KEYS = {"code", "label", "other", "exclusive"}
SCALE_KEYS = {"min", "max", "na", "labels"}


class DefinitionError(Exception):
    """A definition that cannot be loaded; `errors` lists every problem with where it is."""

    def __init__(self, errors: list[str], problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors
        # The same problems as (place, message) pairs, for callers that map places to fields.
        self.problems = problems or [(error, "") for error in errors]


class _Checker:
    """Collects every problem of a definition at once, each with its place in the file.

    A `draft` check is the builder's: a questionnaire still being written may lack one language
    of a text, a section may have no questions yet and a choice question fewer than two options.
    Everything else is checked as strictly as for a file. `translations=False` accepts a text in
    one language only, for callers that report translation parity themselves.
    """

    def __init__(self, draft: bool = False, translations: bool | None = None) -> None:
        self.draft = draft
        self.translations = not draft if translations is None else translations
        self.problems: list[tuple[str, str]] = []

    @property
    def errors(self) -> list[str]:
        return [f"{where}: {message}" for where, message in self.problems]

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def error(self) -> DefinitionError:
        return DefinitionError(self.errors, list(self.problems))

    def keys(self, where: str, node: Any, allowed: set[str]) -> bool:
        if not isinstance(node, dict):
            self.fail(where, _("expected a mapping"))
            return False
        for key in sorted(set(node) - allowed, key=str):
            self.fail(where, _("unknown key “%(key)s”") % {"key": key})
        return True

    def text(self, where: str, node: Any, required: bool = True) -> tuple[str, str]:
        if node is None and not required:
            return "", ""
        if not isinstance(node, dict) or set(node) - {"kk", "ru"}:
            self.fail(where, _("expected {kk: ..., ru: ...}"))
            return "", ""
        kk, ru = (str(node.get(lang) or "").strip() for lang in ("kk", "ru"))
        if not self.translations:
            if required and not (kk or ru):
                self.fail(where, _("a text in Kazakh or Russian is required"))
        elif required or kk or ru:
            if not kk:
                self.fail(where, _("the Kazakh text is missing"))
            if not ru:
                self.fail(where, _("the Russian text is missing"))
        return kk, ru

    def code(self, where: str, value: Any, seen: set[str]) -> str:
        code = str(value or "")
        if not CODE.match(code):
            self.fail(where, _("“%(code)s” is not a valid code") % {"code": code})
        elif code in seen:
            self.fail(where, _("the code “%(code)s” is used twice") % {"code": code})
        seen.add(code)
        return code

    def integer(self, where: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, _("expected a whole number"))
            return None
        return value

    def decimal(self, where: str, value: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, _("expected a number"))
            return None
        try:
            return decimal_parse(value)
        except DecimalUnreadable:
            self.fail(where, _("expected a number"))
            return None


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time.min))
    return datetime.fromisoformat(str(value))


def definition_check(
    *, data: dict[str, Any], draft: bool = False, translations: bool | None = None
) -> None:
    """Raise DefinitionError listing every problem of a definition mapping (see `_Checker`)."""
    _check(data, draft=draft, translations=translations)


def _check(data: dict[str, Any], draft: bool = False, translations: bool | None = None) -> None:
    """Raise DefinitionError listing every problem; the models are only written from clean data."""
    c = _Checker(draft, translations)
    c.keys("survey", data, SURVEY_KEYS)
    if not SLUG.match(str(data.get("slug") or "")):
        c.fail("slug", _("a slug of lowercase letters, digits and hyphens is required"))
    if data.get("default_language", "kk") not in ("kk", "ru"):
        c.fail("default_language", _("must be kk or ru"))
    if data.get("status", "draft") not in Survey.Status.values:
        c.fail("status", _("must be one of draft, open, closed"))
    c.text("title", data.get("title"))
    c.text("intro", data.get("intro"), required=False)
    k = c.integer("min_cell_size", data.get("min_cell_size"))
    if k is not None and k < 1:
        c.fail("min_cell_size", _("must be at least 1"))
    for key in ("opens_at", "closes_at"):
        try:
            as_datetime(data.get(key))
        except (TypeError, ValueError):
            c.fail(key, _("expected a date and time such as 2022-11-09T00:00:00+06:00"))
    sections = data.get("sections")
    if draft and sections == []:
        pass
    elif not isinstance(sections, list) or not sections:
        c.fail("sections", _("at least one section is required"))
        raise c.error()
    section_codes: set[str] = set()
    earlier: dict[str, dict[str, Any]] = {}
    for i, section in enumerate(sections):
        where = f"sections[{i}]"
        if not c.keys(where, section, SECTION_KEYS):
            continue
        c.code(f"{where}.code", section.get("code"), section_codes)
        c.text(f"{where}.title", section.get("title"))
        c.text(f"{where}.description", section.get("description"), required=False)
        _check_condition(c, f"{where}.show_if", section.get("show_if"), earlier)
        questions = section.get("questions")
        if c.draft and questions == []:
            continue
        if not isinstance(questions, list) or not questions:
            c.fail(f"{where}.questions", _("at least one question is required"))
            continue
        for j, question in enumerate(questions):
            _check_question(c, f"{where}.questions[{j}]", question, earlier)
    if c.problems:
        raise c.error()


def _check_condition(c: _Checker, where: str, node: Any, earlier: dict[str, dict]) -> None:
    if node is None or not c.keys(where, node, {"question", "options"}):
        return
    target = earlier.get(str(node.get("question")))
    if target is None or target.get("type") not in CHOICE_TYPES:
        c.fail(where, _("must name an earlier single or multiple choice question"))
        return
    codes = {str(o.get("code")) for o in target.get("options") or [] if isinstance(o, dict)}
    options = node.get("options")
    if not isinstance(options, list) or not options:
        c.fail(where, _("lists no options"))
        return
    for code in options:
        if str(code) not in codes:
            c.fail(
                where,
                _("“%(code)s” is not an option of “%(question)s”")
                % {"code": code, "question": node.get("question")},
            )


def _check_question(c: _Checker, where: str, q: Any, earlier: dict[str, dict]) -> None:
    if not isinstance(q, dict):
        c.fail(where, _("expected a mapping"))
        return
    qtype = q.get("type")
    if qtype not in TYPE_KEYS:
        c.fail(f"{where}.type", _("must be one of %(types)s") % {"types": ", ".join(TYPE_KEYS)})
        return
    c.keys(where, q, COMMON_KEYS | TYPE_KEYS[qtype])
    code = c.code(f"{where}.code", q.get("code"), set(earlier))
    c.text(f"{where}.text", q.get("text"))
    c.text(f"{where}.help", q.get("help"), required=False)
    if not isinstance(q.get("required", True), bool):
        c.fail(f"{where}.required", _("must be true or false"))
    _check_condition(c, f"{where}.show_if", q.get("show_if"), earlier)
    if qtype in CHOICE_TYPES:
        _check_options(c, where, q)
    if qtype == "single" and q.get("widget", "radio") not in Question.Widget.values:
        c.fail(f"{where}.widget", _("must be radio or dropdown"))
    if qtype == "matrix":
        rows = q.get("rows")
        if c.draft and rows == []:
            pass
        elif not isinstance(rows, list) or not rows:
            c.fail(f"{where}.rows", _("a matrix needs at least one row"))
        else:
            seen: set[str] = set()
            for k, row in enumerate(rows):
                if c.keys(f"{where}.rows[{k}]", row, {"code", "label"}):
                    c.code(f"{where}.rows[{k}].code", row.get("code"), seen)
                    c.text(f"{where}.rows[{k}].label", row.get("label"))
    if qtype in SCALED_TYPES:
        _check_scale(c, f"{where}.scale", q.get("scale"))
    if qtype == "number":
        low, high = c.integer(f"{where}.min", q.get("min")), c.integer(f"{where}.max", q.get("max"))
        if low is not None and high is not None and low > high:
            c.fail(where, _("min is greater than max"))
    if qtype == "decimal":
        _check_decimal(c, where, q)
    if qtype == "note" and q.get("required"):
        c.fail(f"{where}.required", _("a note takes no answer, so it cannot be required"))
    earlier[code] = q


def _check_decimal(c: _Checker, where: str, q: dict[str, Any]) -> None:
    places = c.integer(f"{where}.decimals", q.get("decimals", DECIMALS_DEFAULT))
    if places is not None and not 1 <= places <= DECIMAL_PLACES_MAX:
        c.fail(
            f"{where}.decimals",
            _("must be from 1 to %(max)d") % {"max": DECIMAL_PLACES_MAX},
        )
        places = None
    low, high = c.decimal(f"{where}.min", q.get("min")), c.decimal(f"{where}.max", q.get("max"))
    for key, bound in (("min", low), ("max", high)):
        if bound is not None and places is not None and decimal_places(bound) > places:
            c.fail(
                f"{where}.{key}",
                _("has more decimal places than the question's %(places)d") % {"places": places},
            )
    if low is not None and high is not None and low > high:
        c.fail(where, _("min is greater than max"))


def _check_options(c: _Checker, where: str, q: dict[str, Any]) -> None:
    options = q.get("options")
    if c.draft and isinstance(options, list) and len(options) < 2:
        pass
    elif not isinstance(options, list) or len(options) < 2:
        c.fail(f"{where}.options", _("a choice question needs at least two options"))
        return
    seen: set[str] = set()
    others = 0
    for k, option in enumerate(options):
        at = f"{where}.options[{k}]"
        if not c.keys(at, option, OPTION_KEYS):
            continue
        c.code(f"{at}.code", option.get("code"), seen)
        c.text(f"{at}.label", option.get("label"))
        others += bool(option.get("other"))
        if option.get("exclusive") and q.get("type") != "multiple":
            c.fail(at, _("only a multiple choice option can be exclusive"))
    if others > 1:
        c.fail(f"{where}.options", _("at most one option can be “other”"))
    low = c.integer(f"{where}.min_choices", q.get("min_choices"))
    high = c.integer(f"{where}.max_choices", q.get("max_choices"))
    if low is not None and low < 1:
        c.fail(f"{where}.min_choices", _("must be at least 1"))
    # A draft may set the limit before its options are written; publishing checks it in full.
    if high is not None and not 1 <= high <= (high if c.draft else len(options)):
        c.fail(f"{where}.max_choices", _("must be between 1 and the number of options"))
    if low is not None and high is not None and low > high:
        c.fail(where, _("min_choices is greater than max_choices"))


def _check_scale(c: _Checker, where: str, scale: Any) -> None:
    if not c.keys(where, scale, SCALE_KEYS):
        return
    low, high = (
        c.integer(f"{where}.min", scale.get("min")),
        c.integer(f"{where}.max", scale.get("max")),
    )
    if low is None or high is None or low >= high:
        c.fail(where, _("needs whole numbers min < max"))
        return
    na = scale.get("na", False)
    if na and low <= 0:
        c.fail(f"{where}.na", _("0 cannot mean “cannot assess” on a scale that includes 0"))
    points = set(range(low, high + 1)) | ({0} if na else set())
    labels = scale.get("labels") or {}
    if not isinstance(labels, dict):
        c.fail(f"{where}.labels", _("expected a mapping of points to texts"))
        return
    for value, label in labels.items():
        if value not in points:
            c.fail(f"{where}.labels", _("%(value)s is not a point of the scale") % {"value": value})
        c.text(f"{where}.labels[{value}]", label)
