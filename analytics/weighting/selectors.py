"""Reads of weighting: a survey's schemes, one by name, a response's weights."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from surveys.models import Survey

from ..selectors import FilterError
from .models import ResponseWeight, WeightingScheme
from .raking import EMPTY_CELL, NO_CONVERGENCE


class WeightingUnknown(FilterError):
    """A request names a scheme the survey does not have, or one that has no weights.

    A FilterError, so every results view answers it as it answers a bad filter (400)."""


def weighting_schemes_list(*, survey: Survey) -> QuerySet[WeightingScheme]:
    return WeightingScheme.objects.filter(survey=survey).order_by("name")


def weighting_scheme_get(*, survey: Survey, name: str | None) -> WeightingScheme | None:
    """The scheme called `name` (None for none asked); WeightingUnknown if there is none."""
    if not name:
        return None
    scheme = WeightingScheme.objects.filter(survey=survey, name=name).first()
    if scheme is None:
        raise WeightingUnknown(
            _("This survey has no weighting scheme named “%(name)s”.") % {"name": name}
        )
    return scheme


def weighting_usable_check(*, scheme: WeightingScheme) -> None:
    """Raise WeightingUnknown with the reason when the scheme (its weights current) was refused."""
    if scheme.status == WeightingScheme.Status.ERROR:
        raise WeightingUnknown(
            _("The weighting scheme “%(name)s” has no weights: %(reason)s")
            % {"name": scheme.name, "reason": refusal_text(scheme)}
        )


def response_weights_get(*, scheme: WeightingScheme, response_ids: list[int]) -> dict[int, float]:
    rows = ResponseWeight.objects.filter(scheme=scheme, response_id__in=response_ids)
    return dict(rows.values_list("response_id", "weight"))


def refusal_text(scheme: WeightingScheme) -> str:
    """Why a scheme has no weights, in the active language."""
    detail = (scheme.summary or {}).get("refusal") or {}
    reason = detail.get("reason")
    if reason == EMPTY_CELL:
        return _(
            "No respondent answered “%(option)s” to “%(question)s”, which has a positive "
            "population total: no weight can make up for them. Merge the option with another "
            "or set its total to 0."
        ) % {"option": detail.get("option"), "question": detail.get("question")}
    if reason == NO_CONVERGENCE:
        return _(
            "The raking did not reach the totals within %(iterations)d iterations: the totals "
            "of the questions contradict each other (check that each question's totals add up "
            "to the same population)."
        ) % {"iterations": detail.get("iterations", 0)}
    if reason:
        return _("No complete response answered every question of the scheme.")
    return scheme.error
