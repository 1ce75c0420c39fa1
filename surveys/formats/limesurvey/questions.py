"""LimeSurvey questions as definition nodes (docs/definition-format.md), type by type.

What cannot be carried over is said, never dropped in silence: a type we do not have is a
problem (the import is refused, or with `partial` the question is left out); a detail that is
lost while the question itself keeps its meaning (the comments of a "multiple choice with
comments", answer codes renumbered as scale points) is a note in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from surveys.formats.limesurvey.conditions import Variable
from surveys.formats.limesurvey.read import Question, Texts

Languages = dict[str, str | None]  # "kk"/"ru" -> the LimeSurvey language that fills it
_INVALID = re.compile(r"[^a-z0-9_]+")
# The label of LimeSurvey's own "Other" option when the file does not replace it.
OTHER = {"kk": "Басқа", "ru": "Другое"}
MATRIX_POINTS = {"A": 5, "B": 10}
UNSUPPORTED = {
    "1": "array dual scale", "C": "array yes/no/uncertain", "D": "date", "E": "array "
    "increase/same/decrease", "G": "gender", "H": "array by column", "I": "language switch",
    "K": "multiple numerical input", "O": "list with comment", "Q": "multiple short text",
    "R": "ranking", "Y": "yes/no", "|": "file upload", "*": "equation", ":": "array numbers",
    ";": "array texts",
}  # fmt: skip


def code_make(*, raw: str, prefix: str, taken: set[str]) -> str:
    """`raw` as one of our codes (lowercase Latin letters, digits, underscores, a letter first),
    unique among `taken`, which it joins."""
    code = _INVALID.sub("_", raw.strip().lower()).strip("_")
    if not code or not code[0].isalpha():
        code = f"{prefix}{code}"
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}_{n}"
    taken.add(candidate)
    return candidate


def text_map(*, texts: Texts, languages: Languages) -> dict[str, str]:
    return {
        target: (texts.get(source, "") if source is not None else "")
        for target, source in languages.items()
    }


@dataclass
class Built:
    node: dict[str, Any] | None = None
    problem: str = ""  # refuses the file, or leaves the question out with `partial`
    left_out: str = ""  # left out whatever the mode (a hidden question), reported
    notes: list[str] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)


class _Builder:
    def __init__(self, question: Question, code: str, languages: Languages) -> None:
        self.q, self.code, self.languages = question, code, languages
        self.built = Built()

    def text(self, texts: Texts) -> dict[str, str]:
        return text_map(texts=texts, languages=self.languages)

    def renamed(self, raw: str, code: str) -> None:
        if raw.lower() != code:
            self.built.notes.append(
                _("the code “%(raw)s” became “%(code)s”") % {"raw": raw, "code": code}
            )

    def codes(self, items: list, prefix: str, code_of=lambda item: item.title) -> list[str]:
        taken: set[str] = set()
        out = []
        for item in items:
            code = code_make(raw=code_of(item), prefix=prefix, taken=taken)
            self.renamed(code_of(item), code)
            out.append(code)
        return out

    def integer(self, name: str) -> int | None:
        value = self.q.attributes.get(name, "")
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self.built.notes.append(
                _("the attribute %(name)s “%(value)s” is not a whole number and was left out")
                % {"name": name, "value": value}
            )
            return None

    def number(self, name: str) -> int | float | None:
        value = self.q.attributes.get(name, "")
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.built.notes.append(
                _("the attribute %(name)s “%(value)s” is not a number and was left out")
                % {"name": name, "value": value}
            )
            return None
        return int(number) if number == number.to_integral_value() else float(number)

    def other_option(self, taken: set[str]) -> dict[str, Any]:
        replaced = self.q.localized.get("other_replace_text", {})
        label = {
            target: (replaced.get(source) or OTHER[target]) if source is not None else ""
            for target, source in self.languages.items()
        }
        return {
            "code": code_make(raw="other", prefix="a", taken=taken),
            "label": label,
            "other": True,
        }

    def build(self) -> Built:
        q, node = self.q, {"code": self.code}
        if q.attributes.get("hidden") == "1":
            self.built.left_out = _("a hidden question is left out")
            return self.built
        kind = q.type
        if kind in UNSUPPORTED or kind not in "L!MPFAB5NSTUX":
            name = UNSUPPORTED.get(kind, "")
            self.built.problem = _("the question type “%(type)s” (%(name)s) is not supported") % {
                "type": kind,
                "name": name or "?",
            }
            return self.built
        node["type"] = {"L": "single", "!": "single", "M": "multiple", "P": "multiple",
                        "F": "matrix", "A": "matrix", "B": "matrix", "5": "rating",
                        "S": "short_text", "T": "long_text", "U": "long_text",
                        "X": "note"}.get(kind, "number")  # fmt: skip
        node["text"] = self.text(q.text)
        if kind == "X":
            return self._done(node)
        if any(q.help.values()):
            node["help"] = self.text(q.help)
        node["required"] = q.mandatory in ("Y", "S")
        if q.attributes.get("array_filter") or q.attributes.get("array_filter_exclude"):
            self.built.problem = _(
                "array filter (rows shown by the answers to another question) cannot be "
                "expressed by our conditions"
            )
            return self.built
        if any(s.relevance.strip() not in ("", "1") for s in q.subquestions):
            self.built.problem = _("subquestions with their own relevance are not supported")
            return self.built
        handlers = {"L": self._single, "!": self._single, "M": self._multiple,
                    "P": self._multiple, "F": self._array, "A": self._points, "B": self._points,
                    "5": self._rating, "N": self._number}  # fmt: skip
        handlers.get(kind, self._text)(node)
        return self._done(node)

    def _done(self, node: dict[str, Any]) -> Built:
        if not self.built.problem:
            self.built.node = node
        return self.built

    def _single(self, node: dict[str, Any]) -> None:
        answers = [a for a in self.q.answers if a.scale == 0]
        codes = self.codes(answers, "a", lambda a: a.code)
        options = [
            {"code": c, "label": self.text(a.text)} for c, a in zip(codes, answers, strict=True)
        ]
        mapping = {a.code: c for c, a in zip(codes, answers, strict=True)}
        if self.q.other == "Y":
            options.append(self.other_option(set(codes)))
            mapping["-oth-"] = options[-1]["code"]
        if self.q.type == "!":
            node["widget"] = "dropdown"
        node["options"] = options
        self.built.variables[self.q.title] = Variable(self.code, True, options=mapping)

    def _multiple(self, node: dict[str, Any]) -> None:
        subs = [s for s in self.q.subquestions if s.scale == 0]
        codes = self.codes(subs, "a")
        exclusive = set(filter(None, self.q.attributes.get("exclude_all_others", "").split(";")))
        options = []
        for code, sub in zip(codes, subs, strict=True):
            option = {"code": code, "label": self.text(sub.text)}
            if sub.title in exclusive:
                option["exclusive"] = True
            options.append(option)
            self.built.variables[f"{self.q.title}_{sub.title}"] = Variable(
                self.code, False, option=code
            )
        if self.q.other == "Y":
            options.append(self.other_option(set(codes)))
        node["options"] = options
        for ours, theirs in (("min_choices", "min_answers"), ("max_choices", "max_answers")):
            if (value := self.integer(theirs)) is not None and value > 0:
                node[ours] = value
        if self.q.type == "P":
            self.built.notes.append(_("the comments of each option are left out"))

    def _rows(self, node: dict[str, Any]) -> None:
        subs = [s for s in self.q.subquestions if s.scale == 0]
        codes = self.codes(subs, "sq")
        node["rows"] = [
            {"code": c, "label": self.text(s.text)} for c, s in zip(codes, subs, strict=True)
        ]

    def _array(self, node: dict[str, Any]) -> None:
        self._rows(node)
        answers = [a for a in self.q.answers if a.scale == 0]
        if len(answers) < 2:
            self.built.problem = _("an array needs at least two answer options")
            return
        node["scale"] = {
            "min": 1,
            "max": len(answers),
            "labels": {n: self.text(a.text) for n, a in enumerate(answers, start=1)},
        }
        if [a.code for a in answers] != [str(n) for n in range(1, len(answers) + 1)]:
            self.built.notes.append(
                _("the answer codes %(codes)s are stored as the scale points 1 to %(count)d")
                % {"codes": ", ".join(a.code for a in answers), "count": len(answers)}
            )

    def _points(self, node: dict[str, Any]) -> None:
        self._rows(node)
        node["scale"] = {"min": 1, "max": MATRIX_POINTS[self.q.type]}

    def _rating(self, node: dict[str, Any]) -> None:
        node["scale"] = {"min": 1, "max": 5}

    def _number(self, node: dict[str, Any]) -> None:
        whole = self.q.attributes.get("num_value_int_only", "0") == "1"
        if not whole:
            node["type"] = "decimal"
            node["decimals"] = 2
        for ours, theirs in (("min", "min_num_value_n"), ("max", "max_num_value_n")):
            value = self.integer(theirs) if whole else self.number(theirs)
            if value is not None:
                node[ours] = value

    def _text(self, node: dict[str, Any]) -> None:
        pass


def question_build(*, question: Question, code: str, languages: Languages) -> Built:
    """The definition node of `question` under our `code`, or why it is not imported."""
    return _Builder(question, code, languages).build()
