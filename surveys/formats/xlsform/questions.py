"""The rows of an XLSForm survey sheet that become questions: texts, conditions, choices,
"other", matrix rows. Mixed into the reader's walk (`surveys.formats.xlsform.read`), which keeps
the groups, the sections and the problems found.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.decimals import decimal_number
from surveys.formats.xlsform.expr import (
    ExpressionError,
    bounds_parse,
    decimal_bounds_parse,
    decimals_parse,
    relevant_parse,
    yes_no_parse,
)
from surveys.formats.xlsform.sheets import (
    CHOICES,
    OTHER_LABEL,
    SURVEY,
    SheetReader,
    scale_point,
)

Node = dict[str, Any]
# Spliced into a translated message, so translated too; the expressions stay XLSForm.
RELEVANT_FORMS = gettext_lazy(
    "“${q} = 'x'”, “selected(${q}, 'x')”, or several of those on one question joined by “or”"
)


def code_of(row: Node) -> str:
    """A row's code: its name, unless `saualnama_code` says otherwise (the export's way out
    when a code is no valid XLSForm name there, such as `meta` or a name used twice)."""
    return str(row.get("saualnama_code") or row.get("name") or "")


class QuestionRows:
    """The question-level half of the walk; `_Walk` provides `r`, `fail`, `seen`, `rows`..."""

    r: SheetReader
    left_rows: dict[str, int]

    def refuse(self, row: Node, message: str, block: bool = False) -> bool: ...

    def texts(self, row: Node, column: str) -> dict[str, str]:
        return self.r.texts(SURVEY, row["__row"], row.get(column), column)

    def na(self, row: Node, number: int) -> bool:
        try:
            return yes_no_parse(row.get("saualnama_na"))
        except ExpressionError:
            self.fail(number, _("saualnama_na must be yes or no"))
            return False

    def required(self, row: Node, number: int) -> bool:
        try:
            return yes_no_parse((row.get("bind") or {}).get("required"))
        except ExpressionError:
            self.fail(number, _("required must be yes or no; conditions are not supported"))
            return False

    def condition_set(self, node: Node, row: Node, number: int, name: str) -> bool:
        """The row's display condition; False when a partial import left the row out for it:
        dropping only the condition would show the row to everyone, silently."""
        expr = (row.get("bind") or {}).get("relevant")
        if not expr:
            return True
        try:
            relevance = relevant_parse(str(expr))
        except ExpressionError:
            message = _("relevant “%(expr)s” is not supported; use %(forms)s") % {
                "expr": expr,
                "forms": RELEVANT_FORMS,
            }
            return not self.refuse(row, message)
        q = relevance.question
        target = self.r.earlier.get(q)
        if q in self.r.failed:
            return True  # that row's own problem is reported
        if q in self.left_rows:
            message = _(
                "relevant refers to “%(q)s” (row %(row)d), which is left out: left out with it"
            ) % {"q": q, "row": self.left_rows[q]}
            return not self.refuse(row, message)
        if q == name:
            self.fail(number, _("relevant: a question cannot depend on itself"))
        elif target is None and q in self.seen:
            self.fail(number, _("relevant: “%(q)s” is not a choice question") % {"q": q})
        elif target is None and q in self.names_all:
            self.fail(
                number,
                _("relevant refers to “%(q)s”, which comes later: only earlier questions count")
                % {"q": q},
            )
        elif target is None:
            self.fail(number, _("relevant refers to an unknown question “%(q)s”") % {"q": q})
        elif target["type"] not in ("single", "multiple"):
            self.fail(number, _("relevant: “%(q)s” is not a choice question") % {"q": q})
        elif relevance.uses_equals and target["type"] == "multiple":
            self.fail(
                number,
                _("relevant: “%(q)s” is a multiple choice; use selected(${%(q)s}, 'x')") % {"q": q},
            )
        else:
            node["show_if"] = {"question": target["code"], "options": relevance.options}
        return True

    def choice_list(self, number: int, name: str, list_name: str | None) -> list[Node] | None:
        items = self.r.lists.get(str(list_name))
        self.used_lists.add(str(list_name))
        if items is None:
            self.fail(
                number,
                _("the choice list “%(list)s” is not on the choices sheet") % {"list": list_name},
                name,
            )
        return items

    def question(
        self, row: Node, number: int, name: str, kind: str, list_name: str | None, or_other: bool
    ) -> Node | None:
        bind, control = row.get("bind") or {}, row.get("control") or {}
        appearance, constraint = control.get("appearance"), bind.get("constraint")
        if kind == "short_text" and self.other_follow_up(row, name):
            return None
        node: Node = {"code": code_of(row), "type": kind, "text": self.texts(row, "label")}
        if help_text := self.texts(row, "hint"):
            node["help"] = help_text
        node["required"] = self.required(row, number)
        if not self.condition_set(node, row, number, name):
            return None
        node["_place"] = (SURVEY, number)
        items = None
        if kind in ("select_one", "select_multiple"):
            items = self.choice_list(number, name, list_name)
            if items is None:
                return None
        is_scale = bool(items) and all(scale_point(i["name"]) is not None for i in items)
        accepted: tuple[str | None, ...] = (None,)
        if kind == "select_one" and is_scale:
            node["type"], accepted = "rating", (None, "likert")
            node["scale"] = self.r.scale(str(list_name), self.na(row, number), number)
        elif kind in ("select_one", "select_multiple"):
            node["type"] = "single" if kind == "select_one" else "multiple"
            node["options"] = [
                {"code": i["name"], "label": dict(i["label"]), "_place": (CHOICES, i["row"])}
                for i in items or []
            ]
            if or_other:
                self.other_add(node, number)
            if kind == "select_one":
                accepted = (None, "minimal")
                if appearance == "minimal":
                    node["widget"] = "dropdown"
            elif constraint:
                self.r.limits_set(node, str(constraint), number)
                constraint = None
        elif kind == "number" and constraint:
            try:
                low, high = bounds_parse(str(constraint))
            except ExpressionError:
                self.r.leave_out(
                    SURVEY,
                    number,
                    _("constraint “%(c)s” is not supported; use bounds such as . >= 0 and . <= 50")
                    % {"c": constraint},
                )
            else:
                node.update({k: v for k, v in (("min", low), ("max", high)) if v is not None})
            constraint = None
        elif kind == "decimal":
            self.decimal_set(node, row, number, constraint)
            constraint = None
        elif kind == "short_text":
            accepted = (None, "multiline")
            if appearance == "multiline":
                node["type"] = "long_text"
        # A partial import leaves these out of a question it keeps: a check or a look, not who
        # is asked.
        if constraint:
            self.r.leave_out(
                SURVEY,
                number,
                _("constraint “%(c)s” is not supported on this question") % {"c": constraint},
            )
        if appearance not in accepted:
            self.r.leave_out(
                SURVEY, number, _("appearance “%(a)s” is not supported here") % {"a": appearance}
            )
        if "saualnama_na" in row and node["type"] != "rating":
            self.fail(number, _("saualnama_na is only for a rating or a matrix"))
        if or_other and node["type"] not in ("single", "multiple"):
            self.fail(number, _("or_other is only for a choice question"))
        if row.get("parameters") and node["type"] != "decimal":
            self.fail(number, _("parameters are read only on a decimal (decimals=N)"))
        if kind == "note":
            # A note takes no answer: `required` on it is dropped rather than refused, as
            # XLSForm tools ignore it there too.
            node.pop("required")
        return node

    def decimal_set(self, node: Node, row: Node, number: int, constraint: Any) -> None:
        """A decimal's places from `parameters` (decimals=N; 2 without), bounds from its
        constraint (`. >= 0.5 and . <= 99.99`)."""
        if row.get("parameters"):
            try:
                node["decimals"] = decimals_parse(str(row["parameters"]))
            except ExpressionError:
                self.fail(
                    number,
                    _("parameters “%(p)s” is not supported; use decimals=N (1 to 6)")
                    % {"p": row["parameters"]},
                )
        if not constraint:
            return
        try:
            low, high = decimal_bounds_parse(str(constraint))
        except ExpressionError:
            self.fail(
                number,
                _("constraint “%(c)s” is not supported; use bounds such as . >= 0 and . <= 9.5")
                % {"c": constraint},
            )
            return
        node.update(
            {k: decimal_number(v) for k, v in (("min", low), ("max", high)) if v is not None}
        )

    def other_add(self, node: Node, number: int) -> None:
        other = next((o for o in node["options"] if o["code"] == "other"), None)
        if other is None:
            other = {"code": "other", "label": dict(OTHER_LABEL), "_place": (SURVEY, number)}
            node["options"].append(other)
        other["other"] = True

    def other_follow_up(self, row: Node, name: str) -> bool:
        """`<q>_other`, a text right after choice question q, shown when one option of q is
        chosen: that option becomes q's "other (specify)" option instead of a question."""
        last, last_name = self.last, self.last_name
        expr = (row.get("bind") or {}).get("relevant")
        # `<q>_other_2` too: the export's name when `<q>_other` is another question's code.
        follows = re.fullmatch(rf"{re.escape(last_name)}_other(_\d+)?", name) is not None
        if last is None or "options" not in last or not follows or not expr:
            return False
        try:
            relevance = relevant_parse(str(expr))
        except ExpressionError:
            return False
        if relevance.question != last_name or len(relevance.options) != 1:
            return False
        option = next((o for o in last["options"] if o["code"] == relevance.options[0]), None)
        if option is None:
            return False
        option["other"] = True
        return True

    def matrix_row(
        self, row: Node, number: int, name: str, kind: str, list_name: str | None
    ) -> None:
        matrix = self.stack[-1][1]
        assert matrix is not None
        if kind != "select_one":
            self.fail(number, _("a matrix (table-list group) holds only select_one rows"), name)
            return
        bind, control = row.get("bind") or {}, row.get("control") or {}
        for column, value in (
            ("hint", row.get("hint")),
            ("relevant", bind.get("relevant")),
            ("constraint", bind.get("constraint")),
            ("appearance", control.get("appearance")),
            ("saualnama_na", row.get("saualnama_na")),
        ):
            if value:
                self.fail(
                    number, _("%(column)s is not supported on a matrix row") % {"column": column}
                )
        if self.choice_list(number, name, list_name) is None:
            return
        if matrix["_list"] is None:
            matrix["_list"] = str(list_name)
        elif matrix["_list"] != list_name:
            self.fail(number, _("every row of a matrix must use the same choice list"))
        prefix = f"{matrix['_name']}_"
        code = name[len(prefix) :] if name.startswith(prefix) and name != prefix else name
        code = str(row.get("saualnama_code") or code)
        matrix["rows"].append(
            {"code": code, "label": self.texts(row, "label"), "_place": (SURVEY, number)}
        )
        matrix["_required"].add(self.required(row, number))
