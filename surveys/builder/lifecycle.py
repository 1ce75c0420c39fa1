"""The survey's lifecycle (draft -> open <-> closed) and "duplicate as a new version".

Publishing and reopening are gated: every respondent-visible text in both languages (the
parity report) and a structure that passes the definition checker in full.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from surveys.builder.checks import ALL, BuilderError, Problems, fail, slug_check, structure_check
from surveys.builder.edit import edit_begin, owner_of
from surveys.builder.selectors import survey_parity_get
from surveys.formats.definitions import DefinitionError, questionnaire_export, questionnaire_load
from surveys.models import Survey

User = AbstractBaseUser


def _publish_gate(survey: Survey) -> None:
    """Every respondent-visible text in both languages, and a complete structure."""
    problems = Problems()
    for item in survey_parity_get(survey=survey).items:
        for language in item.missing:
            problems.add(ALL, f"parity_missing_{language}", where=item.where)
    try:
        structure_check(survey=survey, strict=True, translations=False)
    except BuilderError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                problems.add_message(field, "structure", message)
    problems.raise_if_any()


def _status_set(survey: Survey, user: User, allowed: tuple[str, ...], code: str, gate: bool):
    with transaction.atomic():
        edit_begin(survey=survey, user=user)
        survey.refresh_from_db()
        if survey.status not in allowed:
            raise fail(ALL, code)
        if gate:
            _publish_gate(survey)
        survey.status = (
            Survey.Status.CLOSED.value
            if survey.status == Survey.Status.OPEN
            else Survey.Status.OPEN.value
        )
        survey.save(update_fields=["status", "updated_at"])
    return survey


def survey_publish(*, survey: Survey, user: User) -> Survey:
    """Draft or closed -> open, if every text has both languages and the structure is complete."""
    return _status_set(
        survey, user, (Survey.Status.DRAFT, Survey.Status.CLOSED), "already_open", gate=True
    )


def survey_close(*, survey: Survey, user: User) -> Survey:
    return _status_set(survey, user, (Survey.Status.OPEN,), "not_open", gate=False)


def survey_reopen(*, survey: Survey, user: User) -> Survey:
    return _status_set(survey, user, (Survey.Status.CLOSED,), "not_closed", gate=True)


def survey_duplicate(*, survey: Survey, user: User, slug: str) -> Survey:
    """A draft copy for the next wave: every text, setting and code, no responses, owner `user`.

    The opening and closing times belong to the old wave and are not copied.
    """
    problems = Problems()
    slug = (slug or "").strip()
    slug_check(problems, slug)
    problems.raise_if_any()
    data = questionnaire_export(survey=survey)
    data.update(slug=slug, status=Survey.Status.DRAFT.value)
    data.pop("opens_at", None)
    data.pop("closes_at", None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                # Claim the slug first: the loader rebuilds an existing survey in place, and
                # the row created here is certainly this call's own.
                Survey.objects.create(slug=slug, title_kk=survey.title_kk, title_ru=survey.title_ru)
        except IntegrityError:
            raise fail("slug", "slug_taken", slug=slug) from None
        try:
            copy = questionnaire_load(data=data, draft=True)
        except DefinitionError as exc:
            raise BuilderError(
                {ALL: exc.errors}, codes={ALL: ["structure"] * len(exc.errors)}
            ) from exc
        copy.owner = owner_of(user)
        copy.previous_version = survey
        copy.access, copy.anonymous = survey.access, survey.anonymous
        copy.save()
    return copy
