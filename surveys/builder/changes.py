"""The record of text changes: what the builder writes for every edit, and what it says is stale.

A translation is stale when the other language's text changed in meaning after this one was last
written or confirmed. The record is replayed in order rather than comparing two timestamps, so
that bringing a stale translation up to date does not in turn make the original look stale:

- an edit of both languages at once leaves both current;
- an edit of a stale language brings it up to date (the translation followed the original);
- any other edit of a written text makes the other language stale; filling an empty text is a
  translation being written, and emptying one leaves it missing, not stale;
- a confirmation ("this translation is still right") makes that language current.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from surveys.models import LANGUAGES, Option, Question, Row, ScaleLabel, Section, Survey, TextChange

Kind = TextChange.Kind

# The respondent-visible texts of each kind of object; the optional ones count only when written.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.SURVEY: ("title", "intro"),
    Kind.SECTION: ("title", "description"),
    Kind.QUESTION: ("text", "help"),
    Kind.OPTION: ("label",),
    Kind.ROW: ("label",),
    Kind.SCALE_LABEL: ("label",),
}
OPTIONAL_TEXTS = {(Kind.SURVEY, "intro"), (Kind.SECTION, "description"), (Kind.QUESTION, "help")}
_KIND_OF: dict[type[models.Model], str] = {
    Survey: Kind.SURVEY,
    Section: Kind.SECTION,
    Question: Kind.QUESTION,
    Option: Kind.OPTION,
    Row: Kind.ROW,
    ScaleLabel: Kind.SCALE_LABEL,
}


def kind_of(obj: models.Model) -> str:
    return _KIND_OF[type(obj)]


def texts_snapshot(obj: models.Model) -> dict[str, str]:
    """Every text column of `obj` ("label_kk": ...), to compare with after an edit."""
    return {
        f"{field}_{lang}": getattr(obj, f"{field}_{lang}")
        for field in TEXT_FIELDS[kind_of(obj)]
        for lang in LANGUAGES
    }


def texts_record(
    *,
    survey: Survey,
    obj: models.Model,
    user: AbstractBaseUser | None,
    before: dict[str, str],
    locked: bool,
    now: datetime,
) -> list[TextChange]:
    """One TextChange per text that differs from `before` (empty for a new object)."""
    changes = []
    for key, new in texts_snapshot(obj).items():
        old = before.get(key, "")
        if old != new:
            field, lang = key.rsplit("_", 1)
            changes.append(
                TextChange(
                    survey=survey,
                    kind=kind_of(obj),
                    object_id=obj.pk,
                    field=field,
                    language=lang,
                    old=old,
                    new=new,
                    wording_fix=locked,
                    user=user if user is not None and user.pk else None,
                    changed_at=now,
                )
            )
    return TextChange.objects.bulk_create(changes)


def stale_languages(changes: Iterable[TextChange]) -> dict[tuple[str, int, str], set[str]]:
    """(kind, object id, field) -> languages whose text is stale, replaying the record in order."""
    by_text: dict[tuple[str, int, str], list[TextChange]] = defaultdict(list)
    for change in changes:
        by_text[(change.kind, change.object_id, change.field)].append(change)
    result: dict[tuple[str, int, str], set[str]] = {}
    for key, rows in by_text.items():
        rows.sort(key=lambda c: (c.changed_at, c.pk or 0))
        stale: set[str] = set()
        # The changes of one service call share one timestamp: they happened together.
        groups: dict[datetime, list[TextChange]] = defaultdict(list)
        for row in rows:
            groups[row.changed_at].append(row)
        for group in groups.values():
            edits = {c.language: c for c in group if c.action == TextChange.Action.EDIT}
            for c in group:
                if c.action == TextChange.Action.CONFIRM:
                    stale.discard(c.language)
            if len(edits) == len(LANGUAGES):
                stale.clear()
            elif edits:
                ((lang, edit),) = edits.items()
                if lang in stale:
                    stale.discard(lang)
                elif edit.old.strip() and edit.new.strip():
                    stale.add("ru" if lang == "kk" else "kk")
        if stale:
            result[key] = stale
    return result
