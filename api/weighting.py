"""The `weights=NAME` parameter of the API: a weighting scheme with current weights, or a 400."""

from __future__ import annotations

from collections.abc import Mapping

from analytics.weighting.models import WeightingScheme
from analytics.weighting.selectors import (
    WeightingUnknown,
    weighting_scheme_get,
    weighting_usable_check,
)
from analytics.weighting.services import weights_compute
from surveys.models import Survey

from .errors import ApiError


def weighting_get(*, survey: Survey, params: Mapping[str, str]) -> WeightingScheme | None:
    try:
        scheme = weighting_scheme_get(survey=survey, name=params.get("weights"))
        if scheme is not None:
            scheme = weights_compute(scheme_id=scheme.pk)
            weighting_usable_check(scheme=scheme)
    except WeightingUnknown as error:
        raise ApiError(code="invalid_weights", message=str(error)) from error
    return scheme
