"""An XLSForm workbook -> a questionnaire definition mapping (docs/xlsform.md has the mapping).

This module decides what each survey row is in our model: a section, a question, a matrix row,
or something refused with its row number. The structural rules (codes, both languages, option
counts, conditions on earlier questions) are not repeated here: `surveys.formats.definitions`
checks the resulting mapping, and `Reading.locate` puts its problems back at their sheet and row.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json import RE_SELECT
from pyxform.xls2json_backends import get_xlsform

from surveys.formats.xlsform.questions import QuestionRows, code_of
from surveys.formats.xlsform.sheets import (
    SETTINGS,
    STAND_IN_SCALE,
    SURVEY,
    SURVEY_KEYS,
    Problem,
    Reading,
    SheetReader,
    survey_rows,
    type_parse,
)
from surveys.formats.xlsform.texts import (
    language_label,
    languages_count,
    languages_ignored,
    languages_map,
)

Node = dict[str, Any]
# Rows the platform records itself (the respondent's times, device, user) or that a device
# collects by itself: in XLSForm's own spellings, spaces and underscores alike.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "device id", "imei", "subscriberid", "subscriber id",
    "simserial", "sim id", "phonenumber", "phone number", "username", "email", "audit",
    "start-geopoint", "background-audio", "background-geopoint", "start time", "end time",
    "get start time", "get end time", "get today", "get device id", "get subscriber id",
    "get sim id", "get phone number", "uri:deviceid", "uri:email", "uri:phonenumber",
    "uri:simserial", "uri:subscriberid", "uri:username",
}  # fmt: skip


class _Walk(QuestionRows):
    """One pass over the survey sheet, keeping the open groups on a stack."""

    def __init__(self, reader: SheetReader, title: dict[str, str], rows: list[Node]) -> None:
        self.r = reader
        self.title = title
        self.rows = rows
        self.names_all = {str(row["name"]) for row in rows if row.get("name")}
        self.seen: set[str] = set()
        self.sections: list[Node] = []
        self.stack: list[tuple[str, Node | None, int]] = []  # (section|matrix|other, node, row)
        self.default: Node | None = None  # the open default section for top-level questions
        self.last: Node | None = None  # the last question, for an "other, specify" follow-up
        self.last_name = ""
        self.used_lists: set[str] = set()
        self.left_rows: dict[str, int] = {}  # names of rows left out (partial, metadata) -> row

    def fail(self, row: int, message: str, name: str = "") -> None:
        self.r.fail(SURVEY, row, message)
        if name:
            self.r.failed.add(name)

    def refuse(self, row: Node, message: str, block: bool = False) -> bool:
        """Refuse the row, or in a partial import leave it out (a group or repeat `block` with
        everything in it). True when it was left out."""
        number, name = row["__row"], str(row.get("name") or "")
        left = self.r.leave_out(SURVEY, number, message)
        if left:
            self.forget(row)
        elif name:
            self.r.failed.add(name)
        if block:
            self.stack.append(("left" if left else "other", None, number))
        return left

    def forget(self, row: Node) -> None:
        """A row left out: conditions on it cannot hold, its choice list is not unused."""
        if name := str(row.get("name") or ""):
            self.left_rows[name] = row["__row"]
        if match := RE_SELECT.match(" ".join(str(row.get("type") or "").split())):
            self.used_lists.add(str(match.group("list_name")))

    def left_block(self, row: Node, lowered: str) -> None:
        """A row inside a group or repeat left out: left out with it, and said so."""
        begin = self.stack[-1][2]
        if lowered.startswith("end_"):
            self.stack.pop()
            return
        if lowered.startswith("begin_"):
            self.stack.append(("left", None, row["__row"]))
        message = _("inside the group or repeat left out at row %(row)d") % {"row": begin}
        self.r.left_out.append(Problem(SURVEY, row["__row"], message))
        self.forget(row)

    def run(self) -> list[Node]:
        for row in self.rows:
            if len(row) == 1:
                continue  # an empty row: pyxform keeps it so that row numbers stay right
            before = len(self.r.problems)
            self.row(row)
            if len(self.r.problems) > before and (container := self.container(create=False)):
                container["_failed"] = True
        for _kind, _node, number in self.stack:
            self.fail(number, _("this begin_group has no end_group"))
        return [s for s in self.sections if s["questions"] or not s.get("_failed")]

    # -- structure ------------------------------------------------------------------------------

    def frame(self) -> str | None:
        return self.stack[-1][0] if self.stack else None

    def container(self, create: bool = True) -> Node | None:
        for kind, node, _number in reversed(self.stack):
            if kind == "section":
                return node
        if self.default is None and create:
            code, n = "main", 1
            while code in self.names_all:
                n += 1
                code = f"main_{n}"
            self.names_all.add(code)
            self.default = {"code": code, "title": dict(self.title), "questions": []}
            self.default["_place"] = (SETTINGS, 2)
            self.sections.append(self.default)
        return self.default

    def row(self, row: Node) -> None:
        number, name = row["__row"], str(row.get("name") or "")
        raw_type = str(row.get("type") or "")
        if not raw_type:
            self.fail(number, _("the row has no type"), name)
            return
        kind, list_name, or_other = type_parse(raw_type)
        lowered = "_".join(raw_type.lower().split())
        if self.frame() == "left":
            self.left_block(row, lowered)
            return
        if " ".join(raw_type.lower().replace("_", " ").split()) in METADATA_TYPES:
            message = _("“%(type)s” is metadata, which the platform records itself: left out")
            self.r.warnings.append(Problem(SURVEY, number, message % {"type": raw_type}))
            self.forget(row)
            return
        if self.r.partial and row.get("choice_filter"):
            self.refuse(row, _("choice_filter (choices filtered by an answer) is not supported"))
            return
        self.r.unknown_columns(SURVEY, row, SURVEY_KEYS)
        if kind == "begin_group":
            self.group_begin(row, number, name)
        elif kind == "end_group":
            self.group_end(number)
        elif not kind:
            self.unsupported(row, raw_type)
        elif self.frame() == "matrix":
            self.matrix_row(row, number, name, kind, list_name)
        else:
            question = self.question(row, number, name, kind, list_name, or_other)
            if question is not None:
                self.container()["questions"].append(question)
                self.r.earlier[name] = question
                self.last, self.last_name = question, name
        self.seen.add(name)

    def unsupported(self, row: Node, raw_type: str) -> None:
        lowered = "_".join(raw_type.lower().split())
        if lowered.startswith("end_") and self.frame() == "other":
            self.stack.pop()  # the end of a refused block (a repeat): its begin is reported
            return
        message = _("type “%(type)s” is not supported") % {"type": raw_type}
        self.refuse(row, message, block=lowered.startswith("begin_"))

    def group_begin(self, row: Node, number: int, name: str) -> None:
        appearance = (row.get("control") or {}).get("appearance")
        in_section = any(kind == "section" for kind, _n, _r in self.stack)
        if "required" in (row.get("bind") or {}):
            self.fail(number, _("required is not supported on a group: set it on its questions"))
        if (row.get("bind") or {}).get("constraint"):
            self.fail(number, _("constraint is not supported on a group"))
        if self.frame() in ("matrix", "other"):
            self.refuse(row, _("a group cannot be nested here"), block=True)
        elif appearance == "table-list" or (appearance == "field-list" and in_section):
            matrix: Node = {
                "code": code_of(row),
                "type": "matrix",
                "text": self.texts(row, "label"),
            }
            if help_text := self.texts(row, "hint"):
                matrix["help"] = help_text
            if not self.condition_set(matrix, row, number, name):
                self.stack.append(("left", None, number))
                return
            matrix.update(_place=(SURVEY, number), rows=[], _list=None, _required=set(), _name=name)
            matrix["_na"] = self.na(row, number)
            self.stack.append(("matrix", matrix, number))
        elif in_section:
            self.refuse(
                row,
                _("a group inside a group is read only as a matrix (appearance table-list)"),
                block=True,
            )
        else:
            if appearance not in (None, "field-list"):
                self.fail(number, _("appearance “%(a)s” is not supported") % {"a": appearance})
            if "saualnama_na" in row:
                self.fail(number, _("saualnama_na is only for a rating or a matrix"))
            section: Node = {"code": code_of(row), "title": self.texts(row, "label")}
            if description := self.texts(row, "hint"):
                section["description"] = description
            if not self.condition_set(section, row, number, name):
                self.stack.append(("left", None, number))
                return
            section.update(questions=[], _place=(SURVEY, number))
            self.sections.append(section)
            self.stack.append(("section", section, number))
            self.default = None
        self.last = None

    def group_end(self, number: int) -> None:
        if not self.stack:
            self.fail(number, _("this end_group has no begin_group"))
            return
        kind, node, _begin = self.stack.pop()
        self.last = None
        if kind != "matrix" or node is None:
            return
        required = node.pop("_required")
        if len(required) > 1:
            self.fail(node["_place"][1], _("the rows of a matrix must all be required or not"))
        node["required"] = bool(required) and required.pop()
        list_name, na = node.pop("_list"), node.pop("_na")
        # Without a list (its problem is reported) a stand-in keeps the checker quiet.
        node["scale"] = (
            self.r.scale(list_name, na, node["_place"][1]) if list_name else dict(STAND_IN_SCALE)
        )
        self.container()["questions"].append(node)
        self.r.earlier[node.pop("_name")] = node

    # -- questions ------------------------------------------------------------------------------


def _finish(sections: list[Node], places: dict[str, tuple[str, int | None]]) -> None:
    """Record where each node came from, then drop the private keys the checker would refuse."""
    for i, section in enumerate(sections):
        at = f"sections[{i}]"
        places[at] = section.pop("_place")
        section.pop("_failed", None)
        for j, question in enumerate(section["questions"]):
            q_at = f"{at}.questions[{j}]"
            places[q_at] = question.pop("_place")
            for key in ("options", "rows"):
                for k, item in enumerate(question.get(key) or []):
                    places[f"{q_at}.{key}[{k}]"] = item.pop("_place")
            for value, place in (question.get("scale") or {}).pop("_places", {}).items():
                places[f"{q_at}.scale.labels[{value}]"] = place


def workbook_read(
    *,
    content: bytes,
    fallback_slug: str,
    slug: str | None = None,
    languages: dict[str, str | None] | None = None,
    partial: bool = False,
) -> Reading:
    """Read every sheet, collecting every problem; the mapping holds what could be read.

    `languages` chooses the file's languages for kk and ru (see `texts.languages_map`; None: the
    guess). `partial` leaves out, and lists in `left_out`, what a refusal would otherwise name.
    """
    try:
        book = get_xlsform(xlsform=BytesIO(content), file_type=".xlsx")
    except (PyXFormError, ValueError, KeyError, OSError) as exc:
        message = _("the file cannot be read as an XLSForm: %(error)s") % {"error": exc}
        return Reading(data={}, problems=[Problem("workbook", None, message)])
    reader = SheetReader(book, fallback_slug, slug, partial=partial)
    places: dict[str, tuple[str, int | None]] = {
        key: (SETTINGS, 2) for key in ("slug", "title", "intro", "default_language")
    }
    try:
        settings = reader.settings()
        choice_rows = reader.choice_rows()
        rows = survey_rows(reader)
        counts = languages_count(
            settings=settings, rows=[*rows, *choice_rows], plain=reader.plain_name
        )
        reading = Reading(data={}, languages=counts, plain=reader.plain_name)
        reader.names = list(counts)
        try:
            mapping = languages_map(
                names=reader.names,
                default=reader.default_language,
                plain=reader.plain_name,
                chosen=languages,
            )
        except ValueError as exc:
            message = _(
                "“%(language)s” is not a language of this workbook, or is chosen for both "
                "Kazakh and Russian; its languages: %(names)s"
            ) % {"language": exc, "names": ", ".join(language_label(n) for n in counts)}
            reading.problems = [Problem("workbook", None, message)]
            return reading
        reading.mapping = mapping
        reader.language_of = {name: code for code, name in mapping.items() if name is not None}
        reader.warnings += languages_ignored(counts=counts, mapping=mapping)
        data = reader.survey_fields(settings)
        reader.choices(choice_rows)
        walk = _Walk(reader, data["title"], rows)
        data["sections"] = walk.run()
        reader.unused_lists(walk.used_lists)
    except PyXFormError as exc:
        # A header pyxform cannot read (a duplicate or clashing column): nothing more to say.
        reader.fail(SURVEY, 1, _("XLSForm check: %(message)s") % {"message": exc})
        return Reading(data={}, problems=reader.problems)
    _finish(data["sections"], places)
    reading.data, reading.problems, reading.places = data, reader.problems, places
    reading.warnings, reading.left_out = reader.warnings, reader.left_out
    return reading
