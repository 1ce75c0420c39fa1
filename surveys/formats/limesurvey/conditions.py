"""LimeSurvey relevance equations (ExpressionScript) as our display conditions.

Our condition is one earlier choice question and a set of its options ("shown when the answer
includes one of them"), so only the equations that say exactly that are translated:
`Q1 == "A1"`, `Q1.NAOK == "A1"`, `Q2_SQ001 == "Y"` (an option of a multiple choice chosen),
`!is_empty(Q1)`, and `or` of those about one question (`and` too, for a single choice, where it
is the options both sides allow). Anything else raises Unsupported: a condition is never loosened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|&&|\|\||[()!])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)
ALWAYS = {"", "1", "true"}


class Unsupported(Exception):
    """An equation that our conditions cannot express; the message says why."""


@dataclass
class Variable:
    """What a LimeSurvey variable name stands for in our survey."""

    question: str  # our code of the choice question
    single: bool  # a single choice (its value is an answer code), else one multiple choice option
    options: dict[str, str] = field(default_factory=dict)  # LimeSurvey code -> our option code
    option: str = ""  # a multiple choice option: our code of that option


@dataclass(frozen=True)
class Shown:
    question: str
    options: frozenset[str]


def _tokens(equation: str) -> list[tuple[str, str]]:
    out, at = [], 0
    text = equation.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise Unsupported(_("cannot read “%(part)s”") % {"part": text[at:].strip()[:40]})
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.lower() in ("and", "or", "eq", "ne"):
            kind, value = "op", {"and": "&&", "or": "||", "eq": "==", "ne": "!="}[value.lower()]
        out.append((kind, value))
        at = match.end()
    return out


class _Parser:
    def __init__(self, equation: str, resolve) -> None:
        self.tokens = _tokens(equation)
        self.at = 0
        self.resolve = resolve

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (value is not None and token[1] != value):
            raise Unsupported(_("the equation is not of a supported form"))
        self.at += 1
        return token

    def parse(self) -> Shown:
        shown = self.either()
        if self.peek()[0] != "end":
            raise Unsupported(_("the equation is not of a supported form"))
        return shown

    def either(self) -> Shown:
        parts = [self.both()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.both())
        if len({p.question for p in parts}) > 1:
            raise Unsupported(_("“or” joins conditions on different questions"))
        return Shown(parts[0].question, frozenset().union(*(p.options for p in parts)))

    def both(self) -> Shown:
        parts = [self.atom()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.atom())
        if len(parts) == 1:
            return parts[0]
        if len({p.question for p in parts}) > 1:
            raise Unsupported(_("“and” joins conditions on different questions"))
        variable = self.resolve(parts[0].question, by_code=True)
        if not variable.single:
            raise Unsupported(_("“and” of options of a multiple choice cannot be expressed"))
        common = frozenset.intersection(*(p.options for p in parts))
        if not common:
            raise Unsupported(_("the condition can never be met"))
        return Shown(parts[0].question, common)

    def atom(self) -> Shown:
        kind, value = self.peek()
        if (kind, value) == ("op", "("):
            self.take()
            shown = self.either()
            self.take(")")
            return shown
        if (kind, value) == ("op", "!"):
            self.take()
            self.take("is_empty")
            self.take("(")
            variable = self.variable()
            self.take(")")
            if variable.single:
                return Shown(variable.question, frozenset(variable.options.values()))
            return Shown(variable.question, frozenset({variable.option}))
        if kind == "word":
            left = self.variable()
            self.take("==")
            literal_kind, literal = self.take()
            if literal_kind not in ("string", "word") or not (
                literal_kind == "string" or literal[0].isdigit()
            ):
                raise Unsupported(_("the equation is not of a supported form"))
            code = literal[1:-1] if literal_kind == "string" else literal
            if left.single:
                if code not in left.options:
                    raise Unsupported(
                        _("“%(code)s” is not an answer of the question") % {"code": code}
                    )
                return Shown(left.question, frozenset({left.options[code]}))
            if code != "Y":
                raise Unsupported(_("a multiple choice option is compared to “Y” only"))
            return Shown(left.question, frozenset({left.option}))
        raise Unsupported(_("the equation is not of a supported form"))

    def variable(self) -> Variable:
        kind, name = self.take()
        if kind != "word" or name[0].isdigit():
            raise Unsupported(_("the equation is not of a supported form"))
        base, _dot, suffix = name.partition(".")
        if suffix and suffix != "NAOK":
            raise Unsupported(_("“.%(suffix)s” is not supported") % {"suffix": suffix})
        return self.resolve(base)


def relevance_parse(*, equation: str, resolve) -> Shown | None:
    """None when the equation always holds; else what it shows on. `resolve(name)` gives the
    Variable for a LimeSurvey variable name (raising Unsupported when it cannot be used), and
    `resolve(code, by_code=True)` the one of our question code."""
    text = equation.strip()
    while text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.lower() in ALWAYS:
        return None
    return _Parser(text, resolve).parse()
