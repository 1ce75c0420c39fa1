"""The sheets of an XLSForm workbook as pyxform reads them: settings, choice lists, survey rows.

pyxform reads the sheets and normalises their headers (aliases, `label::lang` grouping), so the
workbook means here what it means to every XLSForm tool. Every problem is kept with its sheet and
row; `Reading.locate` does the same for the problems of `surveys.formats.definitions`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pyxform import aliases
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey as PyxformSurvey
from pyxform.xls2json import RE_SELECT, dealias_types

from surveys.formats.languages import PLAIN, language_code
from surveys.formats.xlsform.expr import ExpressionError, choice_constraint_parse, yes_no_parse

# Reading is re-exported: it was defined here, and callers and tests import it from here.
from surveys.formats.xlsform.problems import CHOICES, SETTINGS, SURVEY, Problem
from surveys.formats.xlsform.problems import Reading as Reading
from surveys.formats.xlsform.quotes import dealias_keeping_quotes
from surveys.formats.xlsform.texts import text_items
from surveys.models import Survey

LANGUAGE_NAMES = {"kk": "Kazakh (kk)", "ru": "Russian (ru)"}
# Texts pyxform would give an `or_other` choice, in our two languages.
OTHER_LABEL = {"kk": "Басқа", "ru": "Другое"}

# Columns (after pyxform's grouping) that a row may carry; anything else is refused by name.
SURVEY_KEYS = {
    "type", "name", "label", "hint", "bind", "control", "saualnama_na", "saualnama_code", "__row",
    "parameters",
}  # fmt: skip
BIND_KEYS = {"required", "relevant", "constraint", "jr:constraintMsg", "jr:requiredMsg"}
CONTROL_KEYS = {"appearance"}
CHOICE_KEYS = {"list name", "name", "label", "__row"}  # pyxform reads list_name so
SETTINGS_KEYS = {
    "id_string", "title", "default_language", "version", "style", "namespaces", "clean_text_values",
    "saualnama_title", "saualnama_intro", "saualnama_opens_at", "saualnama_closes_at",
    "saualnama_min_cell_size",
}  # fmt: skip
COLUMN_NAMES = {
    "bind.calculate": "calculation", "bind.readonly": "read_only", "control.jr:count":
    "repeat_count", "bind.jr:noAppErrorString": "no_app_error_string",
}  # fmt: skip
STAND_IN_SCALE = {"min": 1, "max": 2}
SIMPLE_TYPES = {
    "integer": "number", "int": "number", "text": "short_text", "string": "short_text",
    "decimal": "decimal", "note": "note",
}  # fmt: skip


def _language(key: str) -> str | None:
    """ "kk" or "ru" when a settings' default_language names one of them."""
    code = language_code(key)
    return code if code in LANGUAGE_NAMES else None


class SheetReader:
    """Reads the settings and choices sheets and the texts of any row; collects every problem."""

    def __init__(
        self, book: Any, fallback_slug: str, slug: str | None, partial: bool = False
    ) -> None:
        self.book = book
        self.problems: list[Problem] = []
        # With `partial`, what we do not support is left out and listed here instead of refused.
        self.partial = partial
        self.left_out: list[Problem] = []
        self.warnings: list[Problem] = []
        # A language of the file (PLAIN: the plain `label` column) -> "kk"/"ru"; others ignored.
        self.language_of: dict[str, str] = {}
        self.names: list[str] = []  # every language of the file's texts
        self.fallback_slug = fallback_slug
        self.slug = slug
        self.default_language = "kk"
        self.raw_default_language: str | None = None
        self.columns_refused: set[tuple[str, str]] = set()
        self.clean_text_values = True
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.earlier: dict[str, dict[str, Any]] = {}  # XLSForm name -> question read so far
        self.failed: set[str] = set()  # names of rows refused: conditions on them are dropped

    @property
    def plain_name(self) -> str:
        return self.raw_default_language or PLAIN

    def fail(self, sheet: str, row: int | None, message: str) -> None:
        self.problems.append(Problem(sheet, row, message))

    def texts(self, sheet: str, row: int | None, value: Any, column: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, text in text_items(value, self.plain_name):
            lang = self.language_of.get(name)
            if lang is None:
                continue  # a language not mapped: said once for the workbook (convert)
            out[lang] = text
            if "${" in text:
                self.fail(
                    sheet,
                    row,
                    _("%(column)s: a text cannot show an answer (${...}); write it in full")
                    % {"column": column},
                )
        return out

    def leave_out(self, sheet: str, row: int | None, message: str) -> bool:
        """With `partial`, record `message` as left out and say so; else refuse with it."""
        if self.partial:
            self.left_out.append(Problem(sheet, row, message))
            return True
        self.fail(sheet, row, message)
        return False

    def unknown_columns(self, sheet: str, row: dict[str, Any], allowed: set[str]) -> None:
        names = []
        for key, value in row.items():
            if key in ("bind", "control") and key in allowed and isinstance(value, dict):
                known = BIND_KEYS if key == "bind" else CONTROL_KEYS
                names += [COLUMN_NAMES.get(f"{key}.{k}", k) for k in value if k not in known]
            elif key not in allowed:
                names.append(COLUMN_NAMES.get(key, key))
        # Said once per column, at the first row that fills it.
        for name in names:
            if (sheet, name) not in self.columns_refused:
                self.columns_refused.add((sheet, name))
                message = _("the column “%(column)s” is not supported") % {"column": name}
                if self.partial:
                    message = _("the column “%(column)s” is not supported: left out") % {
                        "column": name
                    }
                self.leave_out(sheet, row.get("__row"), message)

    # -- settings and choices -------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        rows = self.book.settings or []
        header = self.book.settings_header or []
        settings: dict[str, Any] = {}
        if rows:
            settings = dealias_keeping_quotes(
                sheet_name=SETTINGS,
                sheet_data=rows,
                sheet_header=header,
                header_aliases=aliases.settings_header,
                header_columns=set(PyxformSurvey.get_slot_names()),
            ).data[0]
        settings["__row"] = 2
        self.unknown_columns(SETTINGS, settings, SETTINGS_KEYS | {"__row"})
        language = settings.get("default_language")
        # Another language (English) is the file's, not the survey's: the survey's is then kk.
        if language and (code := _language(str(language))):
            self.default_language = code
        self.raw_default_language = str(language) if language else None
        try:
            self.clean_text_values = yes_no_parse(settings.get("clean_text_values") or "yes")
        except ExpressionError:
            self.fail(SETTINGS, 2, _("clean_text_values must be yes or no"))
        return settings

    def survey_fields(self, settings: dict[str, Any]) -> dict[str, Any]:
        if self.slug:
            slug = self.slug
        else:
            # form_id "Civil_Service 2022" -> "civil-service-2022"; the file name if none.
            raw = str(settings.get("id_string") or "") or self.fallback_slug
            slug = slugify(raw.replace("_", "-"))
            slug = re.sub(r"-+", "-", slug)[: Survey._meta.get_field("slug").max_length]
            slug = slug.strip("-") or "xlsform"
        title = self.texts(SETTINGS, 2, settings.get("saualnama_title"), "saualnama_title")
        if settings.get("title"):
            self.form_title(title, str(settings["title"]).strip())
        data: dict[str, Any] = {
            "slug": slug,
            "default_language": self.default_language,
            "status": "draft",
            "title": title,
        }
        intro = self.texts(SETTINGS, 2, settings.get("saualnama_intro"), "saualnama_intro")
        if intro:
            data["intro"] = intro
        for key in ("opens_at", "closes_at"):
            value = settings.get(f"saualnama_{key}")
            if value:
                try:
                    moment = datetime.fromisoformat(str(value))
                except ValueError:
                    self.fail(
                        SETTINGS,
                        2,
                        _(
                            "saualnama_%(key)s: expected a date and time such as "
                            "2022-11-09T00:00:00+06:00"
                        )
                        % {"key": key},
                    )
                    continue
                data[key] = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        if settings.get("saualnama_min_cell_size"):
            try:
                data["min_cell_size"] = int(str(settings["saualnama_min_cell_size"]))
            except ValueError:
                self.fail(SETTINGS, 2, _("saualnama_min_cell_size: expected a whole number"))
        return data

    def form_title(self, title: dict[str, str], text: str) -> None:
        """form_title is in the file's default language (a plain column's): where that goes."""
        name = self.plain_name
        lang = self.language_of.get(name)
        if lang is not None:
            title.setdefault(lang, text)
        elif not title:
            # A survey needs a title: kept, in the survey's language, rather than refused. Said
            # unless some column of the file fills that language: the title is then likely in it,
            # else (a Russian-and-English form) it may well be English standing as Kazakh.
            title[self.default_language] = text
            if self.default_language not in self.language_of.values():
                self.warnings.append(
                    Problem(
                        SETTINGS,
                        2,
                        _(
                            "form_title: its language is not imported; it is kept as the title "
                            "for now, translate it in the builder"
                        ),
                    )
                )

    def choice_rows(self) -> list[dict[str, Any]]:
        if not self.book.choices:
            return []
        return list(
            dealias_keeping_quotes(
                sheet_name=CHOICES,
                sheet_data=self.book.choices,
                sheet_header=self.book.choices_header,
                header_aliases=aliases.list_header,
                header_columns=set(Option.get_slot_names()),
                default_language="default",
                add_row_number=True,
            ).data
        )

    def choices(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            if len(row) == 1:
                continue  # an empty row, kept by pyxform so that row numbers stay right
            self.unknown_columns(CHOICES, row, CHOICE_KEYS)
            number = row["__row"]
            list_name, name = row.get("list name"), row.get("name")
            if not list_name or not name:
                self.fail(CHOICES, number, _("a choice needs a list_name and a name"))
                continue
            items = self.lists.setdefault(str(list_name), [])
            if any(item["name"] == str(name) for item in items):
                self.fail(
                    CHOICES,
                    number,
                    _("the name “%(name)s” is used twice in the list “%(list)s”")
                    % {"name": name, "list": list_name},
                )
                continue
            label = self.texts(CHOICES, number, row.get("label"), "label")
            items.append({"name": str(name), "label": label, "row": number})

    def limits_set(self, node: dict[str, Any], constraint: str, number: int) -> None:
        """min/max choices and exclusive options of a select_multiple, from its constraint."""
        try:
            limits = choice_constraint_parse(constraint)
        except ExpressionError:
            self.fail(
                SURVEY,
                number,
                _(
                    "constraint “%(c)s” is not supported; use count-selected(.) <= N, "
                    "count-selected(.) >= N and not(selected(., 'x') and "
                    "count-selected(.) > 1), joined by and"
                )
                % {"c": constraint},
            )
            return
        for key in ("min_choices", "max_choices"):
            if getattr(limits, key) is not None:
                node[key] = getattr(limits, key)
        codes = {o["code"]: o for o in node["options"]}
        for code in limits.exclusive:
            if code in codes:
                codes[code]["exclusive"] = True
            else:
                self.fail(
                    SURVEY,
                    number,
                    _("constraint: “%(code)s” is not a choice of this question") % {"code": code},
                )

    def scale(self, list_name: str, na: bool, number: int) -> dict[str, Any]:
        """The scale of a list of whole numbers; a stand-in one when the list is not a scale,
        whose problem is already reported, so that the checker does not say it again."""
        items = self.lists[list_name]
        values = [scale_point(i["name"]) for i in items]
        if any(v is None for v in values):
            self.fail(
                SURVEY, number, _("a matrix or rating needs a list of whole-number scale points")
            )
            return dict(STAND_IN_SCALE)
        points = sorted(v for v in values if v is not None)
        if na:
            if 0 not in points:
                self.fail(
                    SURVEY,
                    number,
                    _("saualnama_na: the list “%(list)s” has no point 0") % {"list": list_name},
                )
                return dict(STAND_IN_SCALE)
            points.remove(0)
        if len(points) < 2 or points != list(range(points[0], points[-1] + 1)):
            self.fail(
                SURVEY,
                number,
                _("the scale list “%(list)s” must be consecutive whole numbers")
                % {"list": list_name},
            )
            return dict(STAND_IN_SCALE)
        scale: dict[str, Any] = {"min": points[0], "max": points[-1]}
        if na:
            scale["na"] = True
        labels, places = {}, {}
        for item, value in zip(items, values, strict=True):
            label = item["label"]
            # A point labelled with its own number carries no words.
            if any(text != item["name"] for text in label.values()):
                labels[value], places[value] = dict(label), (CHOICES, item["row"])
        if labels:
            scale["labels"] = dict(sorted(labels.items()))
        scale["_places"] = places
        return scale

    def unused_lists(self, used: set[str]) -> None:
        """A list no question uses is refused: usually a typo in a list_name."""
        for list_name, items in self.lists.items():
            if list_name not in used:
                self.fail(
                    CHOICES,
                    items[0]["row"],
                    _("the choice list “%(list)s” is used by no question (a typo in list_name?)")
                    % {"list": list_name},
                )


def scale_point(name: str) -> int | None:
    return int(name) if re.fullmatch(r"-?\d+", name) else None


def survey_rows(reader: SheetReader) -> list[dict[str, Any]]:
    book = reader.book
    if not book.survey and not book.survey_header:
        reader.fail(SURVEY, None, _("the workbook has no survey sheet"))
        return []
    rows = dealias_keeping_quotes(
        sheet_name=SURVEY,
        sheet_data=book.survey,
        sheet_header=book.survey_header,
        header_aliases=aliases.survey_header,
        header_columns=set(MultipleChoiceQuestion.get_slot_names()),
        headers_required={"type"},
        default_language="default",
        # pyxform collapses runs of spaces and line breaks unless the settings say otherwise.
        strip_whitespace=reader.clean_text_values,
        add_row_number=True,
    ).data
    return list(dealias_types(dict_array=[dict(r) for r in rows]))


def type_parse(value: str) -> tuple[str, str | None, bool]:
    """(kind, list name, or_other) where kind is begin_group, end_group, select_one,
    select_multiple, or our question type; ("", None, False) when not supported."""
    text = " ".join(str(value).split())
    lowered = text.lower()
    if lowered in ("begin_group", "begin group"):
        return "begin_group", None, False
    if lowered in ("end_group", "end group"):
        return "end_group", None, False
    if match := RE_SELECT.match(text):
        typed = match.group("select_command")
        command = aliases.select[typed]
        if command not in ("select one", "select all that apply") or "file" in typed:
            return "", None, False
        kind = "select_one" if command == "select one" else "select_multiple"
        return kind, match.group("list_name"), bool(match.group("specify_other"))
    return SIMPLE_TYPES.get(lowered, ""), None, False
