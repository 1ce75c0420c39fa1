"""The builder's refusals: its error type, its messages, input coercion and the structure check.

Every builder service validates its own input first (clear messages on the form's fields), then
writes, then checks the whole questionnaire with the definition files' checker before the
transaction commits, so the builder can never store what a definition file could not express.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.decimals import DecimalUnreadable, decimal_parse
from surveys.formats.definitions import DefinitionError, definition_check, questionnaire_export
from surveys.models import Survey, code_validator

ALL = "__all__"
RESERVED_SLUGS = frozenset({"new", "import"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MESSAGES = {
    "required": _("This field is required."),
    "text_required": _("Write this text in Kazakh, in Russian or in both."),
    "code_taken": _("The code “%(code)s” is already used here."),
    "code_long": _("A code has at most 64 characters."),
    "too_long": _("At most %(limit)d characters."),
    "invalid_datetime": _("Enter a date and time."),
    "slug_invalid": _("Use lowercase Latin letters, digits and hyphens, at most 100 characters."),
    "slug_taken": _("A survey with the slug “%(slug)s” already exists."),
    "slug_reserved": _("“%(slug)s” is reserved by the builder; choose another slug."),
    "invalid_choice": _("“%(value)s” is not one of the available choices."),
    "not_integer": _("Enter a whole number."),
    "not_decimal": _("Enter a number, such as 2.5."),
    "decimal_places": _("This bound has more decimal places than the question allows."),
    "min_one": _("Must be at least 1."),
    "min_gt_max": _("The minimum is greater than the maximum."),
    "scale_bounds": _("A scale needs a whole-number minimum below its maximum."),
    "scale_span": _("A scale has at most %(limit)d points."),
    "out_of_range": _("Enter a number between %(low)d and %(high)d."),
    "scale_na_zero": _("0 cannot mean “cannot assess” on a scale that includes 0."),
    "not_on_scale": _("%(value)s is not a point of this question's scale."),
    "one_other": _("At most one option of a question can be “other”."),
    "exclusive_single": _("Only an option of a multiple choice question can be exclusive."),
    "no_options": _("Only single and multiple choice questions have options."),
    "no_rows": _("Only matrix questions have rows."),
    "no_scale": _("Only matrix and rating questions have a scale."),
    "closes_before_opens": _("The closing time must be after the opening time."),
    "condition_not_earlier": _(
        "A display condition can only refer to an earlier single or multiple choice question."
    ),
    "condition_no_options": _("Choose at least one option of “%(question)s”."),
    "condition_unknown_option": _("“%(code)s” is not an option of “%(question)s”."),
    "option_in_condition": _(
        "An option of “%(question)s” is used in the display condition of “%(target)s”; "
        "change that condition first."
    ),
    "reorder_sections": _("List every section of the survey exactly once."),
    "reorder_questions": _(
        "List every question of this section exactly once; other codes must be questions of "
        "this survey."
    ),
    "reorder_items": _("List every item of this question exactly once."),
    "already_open": _("The survey is already open."),
    "not_open": _("Only an open survey can be closed."),
    "not_closed": _("Only a closed survey can be reopened."),
    "parity_missing_kk": _("%(where)s: the Kazakh text is missing."),
    "parity_missing_ru": _("%(where)s: the Russian text is missing."),
    "structure": _("%(where)s: %(message)s"),
    "open_must_stay_complete": _(
        "The survey is open, so every change must leave it complete in both languages; close "
        "it to make larger changes."
    ),
    "confirm_field": _("“%(field)s” is not a text of this object."),
    "confirm_missing_kk": _("There is no Kazakh text to confirm."),
    "confirm_missing_ru": _("There is no Russian text to confirm."),
    "invalid_language": _("The language must be kk or ru."),
    # The structure lock: the survey has responses.
    "locked_question_delete": _("The question “%(question)s” has answers and cannot be deleted."),
    "locked_question_code": _("The question “%(question)s” has answers; its code cannot change."),
    "locked_question_type": _("The question “%(question)s” has answers; its type cannot change."),
    "locked_question_narrow": _(
        "The question “%(question)s” has answers; its scale, bounds and choice limits can only "
        "be widened."
    ),
    "locked_option_delete": _(
        "The option “%(option)s” of “%(question)s” has been chosen and cannot be deleted."
    ),
    "locked_option_code": _(
        "The option “%(option)s” of “%(question)s” has been chosen; its code cannot change."
    ),
    "locked_option_other": _(
        "The option “%(option)s” of “%(question)s” has been chosen; whether it asks for text "
        "cannot change."
    ),
    "locked_row_delete": _(
        "The row “%(row)s” of “%(question)s” has answers and cannot be deleted."
    ),
    "locked_row_code": _(
        "The row “%(row)s” of “%(question)s” has answers; its code cannot change."
    ),
    "locked_section_delete": _(
        "The section “%(section)s” holds answered questions (%(questions)s) and cannot be deleted."
    ),
}


class BuilderError(Exception):
    """A refused builder write: translated messages by form field name, or "__all__"."""

    def __init__(
        self,
        errors: Mapping[str, Sequence[str]] | None = None,
        *,
        codes: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.errors: dict[str, list[str]] = {
            k: [str(m) for m in v] for k, v in (errors or {}).items()
        }
        self.codes: dict[str, list[str]] = {k: list(v) for k, v in (codes or {}).items()}
        super().__init__("; ".join(f"{k}: {m}" for k, ms in self.errors.items() for m in ms))

    def add_to_form(self, form: Any) -> None:
        """Attach the messages to a bound Django form: on its fields where it has them."""
        for field, messages in self.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)


class StructureLocked(BuilderError):
    """Refused because the survey has responses and the change would alter what they mean."""


class Problems:
    """Collects every refusal of one call, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.codes: dict[str, list[str]] = {}
        self.locked = False

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, field: str, error: str, /, **params: Any) -> None:
        message = str(MESSAGES[error])
        self.add_message(field, error, message % params if params else message)
        self.locked |= error.startswith("locked_")

    def add_message(self, field: str, code: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)
        self.codes.setdefault(field, []).append(code)

    def raise_if_any(self) -> None:
        if self.errors:
            cls = StructureLocked if self.locked else BuilderError
            raise cls(self.errors, codes=self.codes)


def fail(field: str, error: str, /, **params: Any) -> BuilderError:
    problems = Problems()
    problems.add(field, error, **params)
    cls = StructureLocked if problems.locked else BuilderError
    return cls(problems.errors, codes=problems.codes)


# Input coercion: `data` is a form's cleaned_data or any mapping of plain values.


def slug_check(problems: Problems, slug: str) -> None:
    if not slug or len(slug) > 100 or not SLUG.match(slug):
        problems.add("slug", "slug_invalid")
    elif slug in RESERVED_SLUGS:
        problems.add("slug", "slug_reserved", slug=slug)
    elif Survey.objects.filter(slug=slug).exists():
        problems.add("slug", "slug_taken", slug=slug)


def text_of(data: Mapping[str, Any], key: str, current: str = "") -> str:
    return str(data[key] or "").strip() if key in data else current


def texts_check(problems: Problems, values: Mapping[str, str], field: str) -> None:
    """A required text needs at least one language; parity is reported, not enforced, here."""
    if not (values.get(f"{field}_kk") or values.get(f"{field}_ru")):
        problems.add(f"{field}_kk", "text_required")


def lengths_check(problems: Problems, model: type[Model], values: Mapping[str, Any]) -> None:
    """Text columns with a limit: SQLite would keep a longer text, PostgreSQL refuses it."""
    for key, value in values.items():
        limit = getattr(model._meta.get_field(key), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.add(key, "too_long", limit=limit)


def code_check(problems: Problems, code: str, taken: set[str], field: str = "code") -> None:
    if not code:
        problems.add(field, "required")
        return
    try:
        code_validator(code)
    except ValidationError as exc:
        problems.add_message(field, "invalid_code", " ".join(exc.messages))
        return
    if len(code) > 64:
        problems.add(field, "code_long")
    elif code in taken:
        problems.add(field, "code_taken", code=code)


def integer_of(problems: Problems, data: Mapping[str, Any], key: str, current: int | None):
    """The whole number under `key` (None when blank), or `current` when the key is absent."""
    if key not in data:
        return current
    value = data[key]
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems.add(key, "not_integer")
        return current
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        problems.add(key, "not_integer")
        return current


def decimal_of(
    problems: Problems, data: Mapping[str, Any], key: str, current: Decimal | None
) -> Decimal | None:
    """The number under `key` (a point or a comma; None when blank), or `current` if absent."""
    if key not in data:
        return current
    try:
        return decimal_parse(data[key])
    except DecimalUnreadable:
        problems.add(key, "not_decimal")
        return current


def boolean_of(data: Mapping[str, Any], key: str, current: bool) -> bool:
    if key not in data:
        return current
    value = data[key]
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def choice_of(
    problems: Problems, data: Mapping[str, Any], key: str, current: str, choices: Sequence[str]
) -> str:
    if key not in data:
        return current
    value = str(data[key] or "")
    if value not in choices:
        problems.add(key, "invalid_choice", value=value)
        return current
    return value


# The structure check: the questionnaire as a definition mapping, through the file checker.

# Where a checker problem lands on the edited object's form.
_FIELD_BY_SUFFIX = {
    "code": "code",
    "type": "type",
    "text": "text_kk",
    "help": "help_kk",
    "title": "title_kk",
    "intro": "intro_kk",
    "description": "description_kk",
    "label": "label_kk",
    "widget": "widget",
    "required": "required",
    "min_choices": "min_choices",
    "max_choices": "max_choices",
    "min": "number_min",
    "max": "number_max",
    "scale": "scale_min",
    "scale.min": "scale_min",
    "scale.max": "scale_max",
    "scale.na": "scale_na",
    "slug": "slug",
    "default_language": "default_language",
    "min_cell_size": "min_cell_size",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
}
_STEP = re.compile(r"(sections|questions|options|rows)\[(\d+)\]")


def _readable(data: dict[str, Any], where: str) -> tuple[str, str]:
    """("section › question › option", path of that object) for a checker's place."""
    names: list[str] = []
    node: Any = data
    consumed = 0
    for match in _STEP.finditer(where):
        if match.start() not in (consumed, consumed + 1):
            break
        try:
            node = node[match.group(1)][int(match.group(2))]
        except (KeyError, IndexError, TypeError):
            break
        names.append(str(node.get("code", "")) if isinstance(node, dict) else "?")
        consumed = match.end()
    return " › ".join(names), where[:consumed]


def structure_check(
    *,
    survey: Survey,
    focus: tuple[str, ...] = (),
    strict: bool | None = None,
    translations: bool | None = None,
) -> None:
    """Raise BuilderError if the survey, as it now stands, is not a valid definition.

    `focus` names the edited object by codes, ("question", "q1") or ("option", "q1", "yes"), so
    that its own problems land on its form fields. An open survey is checked in full: respondents
    are answering it, so it must stay publishable after every change.
    """
    if strict is None:
        strict = survey.status == Survey.Status.OPEN
    data = questionnaire_export(survey=survey)
    try:
        definition_check(data=data, draft=not strict, translations=translations)
    except DefinitionError as exc:
        problems = Problems()
        for where, message in exc.problems:
            place, path = _readable(data, where)
            suffix = where[len(path) :].lstrip(".")
            if _is_focus(data, path, focus) and (field := _field_for(suffix, focus, message)):
                problems.add_message(field, "structure", message)
            else:
                problems.add(ALL, "structure", where=place or where, message=message)
        if strict and translations is None and survey.status == Survey.Status.OPEN:
            problems.add(ALL, "open_must_stay_complete")
        problems.raise_if_any()


def _field_for(suffix: str, focus: tuple[str, ...], message: str) -> str | None:
    if not suffix:
        return ALL
    if focus and focus[0] == "survey" and suffix.startswith("sections"):
        return None
    field = _FIELD_BY_SUFFIX.get(suffix, ALL)
    # The checker names the missing language in its message; the form has a field for each.
    if field.endswith("_kk") and message == gettext("the Russian text is missing"):
        field = f"{field[:-3]}_ru"
    return field


def _is_focus(data: dict[str, Any], path: str, focus: tuple[str, ...]) -> bool:
    if not focus:
        return False
    if focus[0] == "survey":
        return path == ""
    codes = _readable(data, path)[0].split(" › ") if path else []
    if focus[0] == "section":
        return path.count("[") == 1 and codes == [focus[1]]
    if focus[0] == "question":
        return path.count("[") == 2 and codes[1:] == [focus[1]]
    # Options and rows: (kind, question code, own code)
    return path.count("[") == 3 and codes[1:] == [focus[1], focus[2]]
