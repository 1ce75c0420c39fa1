"""Writes of weighting: a scheme checked against the questionnaire, and its weights."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get

from ..selectors import filter_key, responses_watermark
from .models import ResponseWeight, WeightingScheme
from .raking import RakingError, rake
from .selectors import weighting_usable_check

Targets = dict[str, dict[str, float]]


class SchemeError(ValueError):
    """A scheme that cannot be saved: one message per problem, in the active language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def targets_check(*, schema: SurveySchema, raw: Mapping[str, Mapping[str, Any]]) -> Targets:
    """Targets with codes of single-choice questions and positive (or zero) numeric totals."""
    errors: list[str] = []
    targets: Targets = {}
    for code, cells in raw.items():
        question = schema.questions.get(code)
        if question is None or question.type != "single":
            errors.append(
                _("“%(code)s” is not a single-choice question of this survey.") % {"code": code}
            )
            continue
        checked: dict[str, float] = {}
        for option, value in (cells or {}).items():
            if option not in question.option_by_code:
                errors.append(
                    _("“%(value)s” is not an option of “%(code)s”.")
                    % {"value": option, "code": code}
                )
                continue
            try:
                total = float(value)
            except (TypeError, ValueError):
                total = math.nan
            if not math.isfinite(total) or total < 0:
                errors.append(
                    _("The total of “%(option)s” in “%(code)s” must be a number, 0 or more.")
                    % {"option": option, "code": code}
                )
                continue
            checked[option] = total
        if checked and not any(total > 0 for total in checked.values()):
            errors.append(_("“%(code)s” needs at least one positive total.") % {"code": code})
        if checked:
            targets[code] = dict(sorted(checked.items()))
    if not targets and not errors:
        errors.append(_("Give the population totals of at least one question."))
    if errors:
        raise SchemeError(errors)
    return dict(sorted(targets.items()))


def targets_csv_parse(*, text: str) -> dict[str, dict[str, str]]:
    """`question,option,total` lines (a header line with those names is optional)."""
    errors: list[str] = []
    raw: dict[str, dict[str, str]] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells] == ["question", "option", "total"]:
            continue
        if len(cells) != 3:
            errors.append(
                _("Line %(line)d: write three values, question,option,total.") % {"line": number}
            )
            continue
        code, option, total = cells
        try:
            value = float(total.replace(" ", "").replace(",", "."))
        except ValueError:
            errors.append(
                _("Line %(line)d: “%(total)s” is not a number.") % {"line": number, "total": total}
            )
            continue
        if option in raw.get(code, {}):
            errors.append(
                _("Line %(line)d: “%(option)s” of “%(code)s” is given twice.")
                % {"line": number, "option": option, "code": code}
            )
            continue
        raw.setdefault(code, {})[option] = str(value)
    if errors:
        raise SchemeError(errors)
    return raw


def _bound(value: Any, message: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        bound = float(value)
    except (TypeError, ValueError):
        bound = math.nan
    if not math.isfinite(bound) or bound <= 0:
        raise SchemeError([message])
    return bound


def weighting_scheme_save(
    *,
    survey: Survey,
    name: str,
    label: str,
    targets: Mapping[str, Mapping[str, Any]],
    trim_low: Any = None,
    trim_high: Any = None,
    user: Any = None,
    scheme: WeightingScheme | None = None,
) -> WeightingScheme:
    """Create or change a scheme; its weights are computed at once (a refusal is kept on it)."""
    schema = survey_schema_get(survey=survey)
    checked = targets_check(schema=schema, raw=targets)
    low = _bound(trim_low, _("The lower trimming bound must be a positive number."))
    high = _bound(trim_high, _("The upper trimming bound must be a positive number."))
    if low is not None and low >= 1:
        raise SchemeError([_("The lower trimming bound must be below 1 (the mean weight).")])
    if high is not None and high <= 1:
        raise SchemeError([_("The upper trimming bound must be above 1 (the mean weight).")])
    clash = WeightingScheme.objects.filter(survey=survey, name=name)
    if scheme is not None:
        clash = clash.exclude(pk=scheme.pk)
    if clash.exists():
        raise SchemeError(
            [_("This survey already has a scheme named “%(name)s”.") % {"name": name}]
        )
    with transaction.atomic():
        if scheme is None:
            scheme = WeightingScheme(
                survey=survey, created_by=user if getattr(user, "pk", None) else None
            )
        scheme.name, scheme.label, scheme.targets = name, label, checked
        scheme.trim_low, scheme.trim_high = low, high
        # Whatever changed, the weights are computed again.
        scheme.status, scheme.source_count, scheme.source_last = (
            WeightingScheme.Status.PENDING,
            None,
            None,
        )
        scheme.version = (scheme.version or 0) + 1
        scheme.save()
    weights_compute(scheme_id=scheme.pk)
    scheme.refresh_from_db()
    return scheme


def weighted_filter_key(filters: Mapping[str, list[str]], scheme: WeightingScheme) -> str:
    """A weighted snapshot's key: the filter, the scheme and what defines its weights (targets,
    trimming), so a changed scheme never serves old figures. Not the weights' own version: they
    follow the responses, as the snapshot does (its watermark), and are raked by its task."""
    document = {
        "filters": filters,
        "weights": scheme.name,
        "targets": scheme.targets,
        "trim": [scheme.trim_low, scheme.trim_high],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def snapshot_key_for(
    *, filters: Mapping[str, list[str]], weighting: WeightingScheme | None
) -> tuple[str, dict[str, Any]]:
    """The key of the snapshot of `filters` under `weighting`, and the fields a new snapshot
    gets. A scheme whose last raking was refused is refused (WeightingUnknown, answered as a bad
    filter). The weights are not raked here, in the request (two minutes at a million
    responses), but by the snapshot's task (`snapshots.snapshot_compute`)."""
    if weighting is None:
        return filter_key(dict(filters)), {}
    weighting_usable_check(scheme=weighting)
    fields = {"weighting": weighting, "weighting_version": weighting.version}
    return weighted_filter_key(filters, weighting), fields


def weighting_scheme_delete(*, scheme: WeightingScheme) -> None:
    scheme.delete()  # its weights and weighted snapshots go with it (cascade)


def _frame(survey: Survey, schema: SurveySchema, questions: list[str]) -> pd.DataFrame:
    """Complete responses (index) by the option code each chose in `questions` (None if none)."""
    ids = list(
        Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    frame = pd.DataFrame(index=pd.Index(ids, name="response"), columns=questions, dtype=object)
    for code in questions:
        question = schema.questions[code]
        options = {o.id: o.code for o in question.options}
        pairs = Answer.objects.filter(
            response__survey=survey,
            response__status=Response.Status.COMPLETE,
            question_id=question.id,
            option__isnull=False,
        ).values_list("response_id", "option_id")
        chosen = {response: options.get(option) for response, option in pairs.iterator()}
        frame[code] = pd.Series(chosen, dtype=object).reindex(frame.index)
    return frame.astype(object).where(frame.notna(), None)


def weights_compute(*, scheme_id: int) -> WeightingScheme:
    """Rake the complete responses to the scheme's totals and store a weight for each.

    Idempotent: nothing is done while the responses (their count and latest submission) are
    those the weights were computed from. A refusal is stored as the scheme's status and reason.
    """
    with transaction.atomic():
        scheme = (
            WeightingScheme.objects.select_for_update().select_related("survey").get(pk=scheme_id)
        )
        count, last = responses_watermark(survey=scheme.survey)
        if scheme.status != WeightingScheme.Status.PENDING and (
            scheme.source_count,
            scheme.source_last,
        ) == (count, last):
            return scheme
        schema = survey_schema_get(survey=scheme.survey)
        frame = _frame(scheme.survey, schema, list(scheme.targets))
        ResponseWeight.objects.filter(scheme=scheme).delete()
        try:
            raked = rake(
                frame, scheme.targets, trim_low=scheme.trim_low, trim_high=scheme.trim_high
            )
        except RakingError as refusal:
            scheme.status = WeightingScheme.Status.ERROR
            scheme.summary = {"refusal": {"reason": refusal.reason, **refusal.detail}}
            scheme.error = refusal.reason
        else:
            ResponseWeight.objects.bulk_create(
                [
                    ResponseWeight(scheme=scheme, response_id=int(rid), weight=float(w))
                    for rid, w in raked.weights.items()
                ],
                batch_size=5000,
            )
            scheme.status, scheme.summary, scheme.error = (
                WeightingScheme.Status.COMPLETE,
                raked.summary,
                "",
            )
        scheme.source_count, scheme.source_last = count, last
        scheme.save(update_fields=["status", "summary", "error", "source_count", "source_last"])
        WeightingScheme.objects.filter(pk=scheme.pk).update(version=F("version") + 1)
    if connection.vendor == "postgresql":
        # A million new weight rows: the counting query's plan needs to know (autovacuum's
        # ANALYZE may come minutes later; with the old statistics it sorted on disk).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ResponseWeight._meta.db_table}")
    scheme.refresh_from_db()
    return scheme
