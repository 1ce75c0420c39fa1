"""The admin's writes of questionnaire structure, through the builder's services.

The admin is a second editor of the same questionnaire, so it must pass the same rules: the
structure lock after responses, the recorded wording fixes, the parity gate on publishing and the
structure check after each edit. Its forms first run a write in a savepoint that is rolled back
(`dry_run`), so that a refusal becomes a form error and nothing is stored; the admin's save then
runs the same write for real. Positions and a question's section are written directly: the
builder's reorder services take a whole order, the admin edits one number, and the structure
check of the service that follows still sees the new place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils.translation import gettext

from surveys.builder import services as builder
from surveys.builder.checks import ALL, RESERVED_SLUGS, BuilderError, fail
from surveys.builder.questions import QUESTION_FIELDS
from surveys.models import Option, Question, Row, ScaleLabel, Section, Survey

User = AbstractBaseUser
SURVEY_CREATE = ("slug", "title_kk", "title_ru", "intro_kk", "intro_ru", "default_language")
SURVEY_UPDATE = (
    "title_kk",
    "title_ru",
    "intro_kk",
    "intro_ru",
    "default_language",
    "access",
    "min_cell_size",
    "opens_at",
    "closes_at",
)
SURVEY_DIRECT = ("slug", "anonymous", "owner")  # no builder rule governs these
SECTION_FIELDS = ("code", "title_kk", "title_ru", "description_kk", "description_ru")
OPTION_FIELDS = ("code", "label_kk", "label_ru", "is_other", "is_exclusive")
ROW_FIELDS = ("code", "label_kk", "label_ru")
STATUS = Survey.Status
# Where a new section or question goes, and what of it the admin writes directly (_place).
PARENTS = {Section: "survey", Question: "section"}
PLACES = {Section: ("position",), Question: ("section", "position")}


class _RolledBack(Exception):
    """Ends a dry run: its writes are undone."""


def dry_run(write: Callable[[], Any]) -> BuilderError | None:
    """Run `write` in a savepoint that is always rolled back; return its refusal, if any."""
    try:
        with transaction.atomic():
            write()
            raise _RolledBack
    except _RolledBack:
        return None
    except BuilderError as exc:
        return exc


def _data(cleaned: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: cleaned[key] for key in keys if key in cleaned}


def _fresh(obj: models.Model) -> Any:
    """The stored object: the admin's instance already holds the form's new values."""
    return type(obj)._default_manager.get(pk=obj.pk)


def _place(obj: models.Model, cleaned: Mapping[str, Any], *names: str) -> None:
    values = {name: cleaned[name] for name in names if name in cleaned}
    if values and any(getattr(obj, name) != value for name, value in values.items()):
        type(obj)._default_manager.filter(pk=obj.pk).update(**values)
        for name, value in values.items():
            setattr(obj, name, value)


def _condition(target: Section | Question, user: User, cleaned: Mapping[str, Any]) -> None:
    if "show_if_options" not in cleaned:
        return
    chosen = list(cleaned["show_if_options"] or [])
    if {o.pk for o in chosen} == set(target.show_if_options.values_list("pk", flat=True)):
        return
    builder.condition_set(
        target=target,
        user=user,
        question_code=chosen[0].question.code if chosen else None,
        option_codes=[o.code for o in chosen],
    )


def _status(survey: Survey, user: User, status: str | None) -> None:
    if not status or status == survey.status:
        return
    if status == STATUS.OPEN:
        publish = (
            builder.survey_reopen if survey.status == STATUS.CLOSED else builder.survey_publish
        )
        publish(survey=survey, user=user)
    elif status == STATUS.CLOSED and survey.status == STATUS.OPEN:
        builder.survey_close(survey=survey, user=user)
    else:
        message = gettext("A survey goes from draft to open, and between open and closed only.")
        raise BuilderError({"status": [message]})


def survey_save(*, survey: Survey, user: User, cleaned: Mapping[str, Any]) -> Survey:
    with transaction.atomic():
        if survey.pk is None:
            saved = builder.survey_create(user=user, data=_data(cleaned, SURVEY_CREATE))
        else:
            saved = _fresh(survey)
            if cleaned.get("slug", saved.slug) != saved.slug and cleaned["slug"] in RESERVED_SLUGS:
                raise fail("slug", "slug_reserved", slug=cleaned["slug"])
        # "owner" is in the form for superusers only; a researcher's new survey stays theirs.
        _place(saved, cleaned, *SURVEY_DIRECT)
        saved = builder.survey_update(survey=saved, user=user, data=_data(cleaned, SURVEY_UPDATE))
        _status(saved, user, cleaned.get("status"))
    return saved


def _part_save(
    obj: Section | Question, user: User, cleaned: Mapping[str, Any], fields: tuple[str, ...]
) -> Section | Question:
    """A section or question: added to the survey or section the form chose (a new one), its
    place written directly, then updated, so that the update's structure check sees the new
    place; then its display condition."""
    kind, parent = obj._meta.model_name, PARENTS[type(obj)]
    add, update = getattr(builder, f"{kind}_add"), getattr(builder, f"{kind}_update")
    with transaction.atomic():
        data = _data(cleaned, fields)
        if obj.pk is None:
            container = cleaned.get(parent) or getattr(obj, parent)
            saved = add(**{parent: container}, user=user, data=data)
        else:
            saved = _fresh(obj)
        _place(saved, cleaned, *PLACES[type(obj)])
        saved = update(**{kind: saved}, user=user, data=data)
        _condition(saved, user, cleaned)
    return saved


def _item_save(
    obj: Option | Row, user: User, cleaned: Mapping[str, Any], fields: tuple[str, ...]
) -> Option | Row:
    """An option or row: added to its question or updated, then its position written."""
    kind = obj._meta.model_name
    with transaction.atomic():
        data = _data(cleaned, fields)
        if obj.pk is None:
            add = getattr(builder, f"{kind}_add")
            saved = add(question=_fresh(obj.question), user=user, data=data)
        else:
            update = getattr(builder, f"{kind}_update")
            saved = update(**{kind: _fresh(obj)}, user=user, data=data)
        _place(saved, cleaned, "position")
    return saved


def scale_label_save(*, label: ScaleLabel, user: User, cleaned: Mapping[str, Any]) -> ScaleLabel:
    question = _fresh(label.question)
    value = cleaned.get("value", label.value)
    with transaction.atomic():
        if label.pk is not None and _fresh(label).value != value:
            builder.scale_label_delete(question=question, user=user, value=_fresh(label).value)
        return builder.scale_label_set(
            question=question,
            user=user,
            value=value,
            label_kk=cleaned.get("label_kk", label.label_kk),
            label_ru=cleaned.get("label_ru", label.label_ru),
        )


# Per model: how the admin writes it, and the fields it passes to the builder's services.
SAVES: dict[type[models.Model], tuple[Callable[..., Any], tuple[str, ...]]] = {
    Section: (_part_save, SECTION_FIELDS),
    Question: (_part_save, QUESTION_FIELDS),
    Option: (_item_save, OPTION_FIELDS),
    Row: (_item_save, ROW_FIELDS),
}


def structure_save(*, obj: models.Model, user: User, cleaned: Mapping[str, Any]) -> models.Model:
    """Create or update `obj` (an unsaved or stored admin instance) from a form's cleaned data."""
    if isinstance(obj, Survey):
        return survey_save(survey=obj, user=user, cleaned=cleaned)
    if isinstance(obj, ScaleLabel):
        return scale_label_save(label=obj, user=user, cleaned=cleaned)
    save, fields = SAVES[type(obj)]
    return save(obj, user, cleaned, fields)


def structure_delete(*, obj: models.Model, user: User) -> None:
    """Delete a section, question, option, row or scale label as the builder would."""
    fresh = _fresh(obj)
    if isinstance(fresh, Section):
        builder.section_delete(section=fresh, user=user)
    elif isinstance(fresh, Question):
        builder.question_delete(question=fresh, user=user)
    elif isinstance(fresh, Option):
        builder.option_delete(option=fresh, user=user)
    elif isinstance(fresh, Row):
        builder.row_delete(row=fresh, user=user)
    elif isinstance(fresh, ScaleLabel):
        builder.scale_label_delete(question=fresh.question, user=user, value=fresh.value)
    else:
        fresh.delete()


def messages_of(exc: BuilderError) -> list[str]:
    """Every message of a refusal, for a page that has no form field to put them on."""
    return [message for messages in exc.errors.values() for message in messages]


__all__ = ["ALL", "dry_run", "messages_of", "structure_delete", "structure_save"]
