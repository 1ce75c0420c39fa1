"""Writes: every response reaches the database through here, after `response_validate`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from surveys.answers import Answers, answers_to_wide
from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.validation import ValidationResult, response_validate

BATCH_SIZE = 5000


def day_of(moment: datetime) -> datetime:
    """Midnight, in the project's time zone (TIME_ZONE), of the day `moment` falls on.

    Anonymous surveys keep only the day of a response's times: an exact time could be matched
    with the moment an invitation was used, or with a server log. The project's zone, not UTC, so
    that the day is the one the respondent and the exports (which print local time) see.
    """
    zone = timezone.get_default_timezone()
    return datetime.combine(timezone.localtime(moment, zone).date(), time.min, tzinfo=zone)


def _times_kept(survey: Survey, moment: datetime | None) -> datetime | None:
    """The time to store: to the day in an anonymous survey, else as given."""
    if moment is None or not survey.anonymous:
        return moment
    return day_of(moment)


class ResponseInvalid(Exception):
    """The answers break a rule of the questionnaire; `result.errors` says which and why."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(f"{len(result.errors)} question(s) failed validation")
        self.result = result


@dataclass(frozen=True)
class NewResponse:
    """A response ready to store: only a valid `ValidationResult` can make one."""

    language: str
    result: ValidationResult
    submitted_at: datetime | None = None
    complete: bool = True
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.result.is_valid:
            raise ResponseInvalid(self.result)


def answer_rows_build(*, schema: SurveySchema, response_id: int, answers: Answers) -> list[Answer]:
    """One row per chosen option, per matrix cell, per number or text (a note has none: the
    validation layer refuses any value for it). The first row of each question carries
    `marks_respondent`, which the results count as the question's respondents."""
    rows: list[Answer] = []
    for code, answer in answers.items():
        first = len(rows)
        question = schema.questions[code]
        if question.is_choice:
            for option_code in answer.options:
                option = question.option_by_code[option_code]
                rows.append(
                    Answer(
                        response_id=response_id,
                        question_id=question.id,
                        option_id=option.id,
                        value_text=answer.other_text if option.is_other else "",
                    )
                )
        elif question.type == "matrix":
            rows.extend(
                Answer(
                    response_id=response_id,
                    question_id=question.id,
                    row_id=question.row_by_code[row_code].id,
                    value_int=value,
                )
                for row_code, value in answer.cells
            )
        elif question.type in ("rating", "number"):
            rows.append(
                Answer(response_id=response_id, question_id=question.id, value_int=answer.number)
            )
        elif question.type == "decimal":
            rows.append(
                Answer(
                    response_id=response_id, question_id=question.id, value_decimal=answer.decimal
                )
            )
        else:
            rows.append(
                Answer(response_id=response_id, question_id=question.id, value_text=answer.text)
            )
        if len(rows) > first:
            rows[first].marks_respondent = True
    return rows


def responses_bulk_create(
    *, survey: Survey, schema: SurveySchema, items: Iterable[NewResponse], source: str
) -> int:
    """Store many validated responses in one transaction, in batches; returns how many."""
    now = timezone.now()
    count = 0
    batch: list[NewResponse] = []
    with transaction.atomic():
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH_SIZE // 10:
                count += _store_batch(survey, schema, batch, source, now)
                batch = []
        if batch:
            count += _store_batch(survey, schema, batch, source, now)
    return count


def _imported(survey: Survey, item: NewResponse, source: str, now: datetime) -> Response:
    """An imported response: a complete one has no resume key (nobody resumes it) and, in an
    anonymous survey, its times to the day like a response completed on the web."""
    submitted = (item.submitted_at or now) if item.complete else None
    # Without a known start, a historic response is taken to start when submitted.
    started = item.started_at or item.submitted_at or now
    response = Response(
        survey=survey,
        language=item.language,
        source=source,
        status=Response.Status.COMPLETE if item.complete else Response.Status.DRAFT,
        submitted_at=_times_kept(survey, submitted),
        started_at=_times_kept(survey, started) if item.complete else started,
    )
    if item.complete:
        response.key = None
    return response


def _store_batch(
    survey: Survey, schema: SurveySchema, batch: list[NewResponse], source: str, now: datetime
) -> int:
    built = [_imported(survey, item, source, now) for item in batch]
    responses = Response.objects.bulk_create(built)
    if survey.anonymous:
        # bulk_create stamps updated_at (auto_now) with the exact time; keep the day only.
        complete = [r.pk for r in responses if r.status == Response.Status.COMPLETE]
        Response.objects.filter(pk__in=complete).update(updated_at=day_of(now))
    rows: list[Answer] = []
    for response, item in zip(responses, batch, strict=True):
        rows.extend(
            answer_rows_build(schema=schema, response_id=response.id, answers=item.result.answers)
        )
    Answer.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(responses)


def response_create(
    *,
    survey: Survey,
    data: Mapping[str, Any],
    language: str,
    source: str,
    complete: bool = True,
    submitted_at: datetime | None = None,
    partial: bool = False,
    schema: SurveySchema | None = None,
) -> Response:
    """Validate one set of wide answers and store it; raises ResponseInvalid on any broken rule."""
    schema = schema or survey_schema_get(survey=survey)
    result = response_validate(schema=schema, data=data, partial=partial or not complete)
    item = NewResponse(
        language=language, result=result, submitted_at=submitted_at, complete=complete
    )
    with transaction.atomic():
        response = _imported(survey, item, source, timezone.now())
        response.save()
        if complete and survey.anonymous:
            # save() stamps updated_at (auto_now) with the exact time; keep the day only.
            response.updated_at = day_of(response.updated_at)
            Response.objects.filter(pk=response.pk).update(updated_at=response.updated_at)
        Answer.objects.bulk_create(
            answer_rows_build(schema=schema, response_id=response.id, answers=item.result.answers)
        )
    return response


# The respondent's flow: a draft saved page by page, completed exactly once.


class ResponseClosed(Exception):
    """The response is complete; a respondent can no longer change it."""


def response_start(*, survey: Survey, language: str, invitation_tag: str = "") -> Response:
    """A new draft; `invitation_tag` (surveys.drafts.invitation_tag_for) binds it to the invitation
    it was started with, so that only a session holding that invitation opens it."""
    return Response.objects.create(
        survey=survey,
        language=language,
        source=Response.Source.WEB,
        invitation_tag=invitation_tag,
    )


@dataclass
class PageSaved(ValidationResult):
    """A section's validation, and the answers the response holds once the section is saved."""

    held: dict[str, Any] = field(default_factory=dict)


def response_save_page(
    *,
    response: Response,
    schema: SurveySchema,
    section: str,
    data: Mapping[str, Any],
    language: str,
    enforce_required: bool,
    held: Mapping[str, Any] | None = None,
) -> PageSaved:
    """Validate one section against the answers already held, and keep every valid answer.

    Valid answers are stored even when others on the page fail, so that closing the browser on
    an error page loses nothing; answers to questions that a changed answer now hides are dropped.
    The result also carries every answer the response holds after the save (`held`), which the
    caller needs to find the next page, without reading them again.

    `held` is what the caller read of the answers after reading `response`. The save first stamps
    the row on the condition that its `updated_at` is still the one read (every save and the
    completion change it): that one statement both locks the row and proves nobody saved in
    between, so `held` is current and is not read again. Otherwise (another tab saved, or no
    `held`) the row is locked and the answers are read under the lock, as before.
    """
    page = set(schema.section_by_code[section].questions)
    with transaction.atomic():
        stamp = {"language": language, "updated_at": timezone.now()}
        unchanged = held is not None and bool(
            Response.objects.filter(pk=response.pk, updated_at=response.updated_at)
            .exclude(status=Response.Status.COMPLETE)
            .update(**stamp)
        )
        if not unchanged or held is None:
            locked = Response.objects.select_for_update().get(pk=response.pk)
            if locked.status == Response.Status.COMPLETE:
                raise ResponseClosed
            held = response_answers_get(response=locked, schema=schema)
            Response.objects.filter(pk=response.pk).update(**stamp)
        context = {code: answer for code, answer in held.items() if code not in page}
        result = response_validate(
            schema=schema, data=data, only=page, context=context, partial=not enforce_required
        )
        merged = {**context, **result.answers}
        shown = schema.visible_questions(merged)
        kept = {code: answer for code, answer in merged.items() if code in shown}
        stale = [schema.questions[c].id for c in held if c in page or c not in shown]
        Answer.objects.filter(response_id=response.pk, question_id__in=stale).delete()
        fresh = {c: a for c, a in kept.items() if c in page}
        Answer.objects.bulk_create(
            answer_rows_build(schema=schema, response_id=response.pk, answers=fresh)
        )
    response.language = language
    response.updated_at = stamp["updated_at"]
    return PageSaved(answers=result.answers, errors=result.errors, held=kept)


def response_complete(
    *,
    response: Response,
    schema: SurveySchema,
    on_complete: Callable[[], object] | None = None,
) -> Response:
    """Mark the response complete after checking it whole; a repeated call changes nothing.

    `on_complete` runs inside the completing transaction, only when this call completes the
    response; whatever it raises rolls the completion back (an invitation used twice, say).

    The same transaction clears the resume key and the invitation tag: a kept key would let
    whoever saw the link read the answers, a kept tag would tie them to the invitation. In an
    anonymous survey the start, last save and submission are kept to the day.
    """
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status == Response.Status.COMPLETE:
            return locked
        held = response_answers_get(response=locked, schema=schema)
        result = response_validate(schema=schema, data=answers_to_wide(schema, held))
        if not result.is_valid:
            raise ResponseInvalid(result)
        if on_complete is not None:
            on_complete()
        now = timezone.now()
        survey = response.survey  # already read by the caller: no query
        changes = {
            "status": Response.Status.COMPLETE,
            "key": None,
            "invitation_tag": "",
            "submitted_at": _times_kept(survey, now),
            "updated_at": _times_kept(survey, now),
            "started_at": _times_kept(survey, locked.started_at),
        }
        # update(), not save(): save() would stamp updated_at (auto_now) with the exact time.
        Response.objects.filter(pk=locked.pk).update(**changes)
        for field, value in changes.items():
            setattr(locked, field, value)
    return locked
