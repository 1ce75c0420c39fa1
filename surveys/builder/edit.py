"""What every builder write does around its own change: lock, record, touch, check."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Max
from django.utils import timezone

from surveys.builder.changes import texts_record
from surveys.builder.checks import Problems, structure_check
from surveys.models import Option, Question, Response, Section, Survey


def owner_of(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The user to store as owner or author: None for an anonymous or unsaved one."""
    return user if user is not None and user.pk else None


@dataclass
class Edit:
    """One builder write in progress, inside its transaction."""

    survey: Survey
    user: AbstractBaseUser | None
    locked: bool
    now: datetime

    def record(self, obj: models.Model, before: dict[str, str] | None = None) -> None:
        texts_record(
            survey=self.survey,
            obj=obj,
            user=owner_of(self.user),
            before=before or {},
            locked=self.locked,
            now=self.now,
        )

    def finish(self, focus: tuple[str, ...] = ()) -> None:
        """Touch the survey (the schema cache is keyed on it) and check the whole structure."""
        structure_check(survey=self.survey, focus=focus)
        Survey.objects.filter(pk=self.survey.pk).update(updated_at=self.now)
        self.survey.updated_at = self.now


@contextmanager
def restoring(obj: models.Model) -> Iterator[None]:
    """On a refusal, give the caller's object back its stored values (enter before atomic)."""
    try:
        yield
    except Exception:
        if obj.pk is not None:
            obj.refresh_from_db()
        raise


def edit_begin(*, survey: Survey, user: AbstractBaseUser | None) -> Edit:
    """Serialise writes to one survey (positions, codes) and note whether it has responses."""
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    locked = Response.objects.filter(survey_id=survey.pk).exists()
    return Edit(survey=survey, user=user, locked=locked, now=timezone.now())


def next_position(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def positions_set(items: Sequence[models.Model], **extra: object) -> None:
    """Number `items` 1, 2, ... in the given order (and set `extra` fields on each)."""
    for position, item in enumerate(items, start=1):
        item.position = position
        for key, value in extra.items():
            setattr(item, key, value)
    if items:
        type(items[0]).objects.bulk_update(items, ["position", *extra])


def conditions_using_check(
    problems: Problems,
    *,
    options: models.QuerySet[Option],
    leaving: Iterable[models.Model] = (),
    field: str = "__all__",
) -> None:
    """Refuse removing options that a display condition elsewhere names.

    Deleting them would silently turn the condition off (or narrow it) for whoever it governs.
    `leaving` are the objects removed together with the options, whose own conditions do not count.
    """
    gone_questions = {o.pk for o in leaving if isinstance(o, Question)}
    gone_sections = {o.pk for o in leaving if isinstance(o, Section)}
    found: set[tuple[str, str]] = set()
    for link in (
        Question.show_if_options.through.objects.filter(option__in=options)
        .exclude(question_id__in=gone_questions)
        .select_related("question", "option__question")
    ):
        found.add((link.option.question.code, link.question.code))
    for link in (
        Section.show_if_options.through.objects.filter(option__in=options)
        .exclude(section_id__in=gone_sections)
        .select_related("section", "option__question")
    ):
        found.add((link.option.question.code, link.section.code))
    for question, target in sorted(found):
        problems.add(field, "option_in_condition", question=question, target=target)
