"""The weighting schemes page of a survey: microdata users (its researchers) only. Thin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.selectors import survey_schema_get

from ..views import _language, _microdata_survey
from .models import WeightingScheme
from .selectors import refusal_text, weighting_schemes_list
from .services import (
    SchemeError,
    targets_csv_parse,
    weighting_scheme_delete,
    weighting_scheme_save,
)

CSV_LIMIT = 200_000  # bytes: a few hundred lines of totals


@login_required
def weighting_list(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _microdata_survey(request, slug)
    schemes = [
        {"scheme": s, "refusal": refusal_text(s) if s.status == s.Status.ERROR else ""}
        for s in weighting_schemes_list(survey=survey)
    ]
    context = {"survey": survey, "lang": _language(), "schemes": schemes}
    return render(request, "analytics/weighting.html", context)


def _questions(survey: Any, language: str, targets: dict[str, dict[str, float]]) -> list[dict]:
    schema = survey_schema_get(survey=survey)
    return [
        {
            "code": q.code,
            "text": q.text.get(language),
            "active": q.code in targets,
            "options": [
                (o.code, o.label.get(language), targets.get(q.code, {}).get(o.code, ""))
                for o in q.options
            ],
        }
        for q in schema.ordered_questions()
        if q.type == "single"
    ]


def _typed_targets(request: HttpRequest) -> dict[str, dict[str, str]]:
    """`t:<question>:<option>` fields; a question whose every field is empty is not used."""
    raw: dict[str, dict[str, str]] = {}
    for key, value in request.POST.items():
        if key.startswith("t:") and value.strip():
            _prefix, code, option = key.split(":", 2)
            raw.setdefault(code, {})[option] = value.strip().replace(" ", "").replace(",", ".")
    return raw


@login_required
def weighting_edit(request: HttpRequest, slug: str, name: str | None = None) -> HttpResponse:
    survey = _microdata_survey(request, slug)
    language = _language()
    scheme = get_object_or_404(WeightingScheme, survey=survey, name=name) if name else None
    errors: list[str] = []
    values = {
        "name": scheme.name if scheme else "",
        "label": scheme.label if scheme else "",
        "trim_low": scheme.trim_low if scheme and scheme.trim_low is not None else "",
        "trim_high": scheme.trim_high if scheme and scheme.trim_high is not None else "",
    }
    targets: dict[str, Any] = dict(scheme.targets) if scheme else {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        targets = _typed_targets(request)
        try:
            validate_slug(values["name"])
        except ValidationError:
            errors.append(_("The name may hold only Latin letters, digits, “-” and “_”."))
        upload = request.FILES.get("csv")
        if upload is not None:
            if upload.size > CSV_LIMIT:
                errors.append(_("The CSV file is too large."))
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                    for code, cells in targets_csv_parse(text=text).items():
                        targets.setdefault(code, {}).update(cells)
                except UnicodeDecodeError:
                    errors.append(_("The CSV file must be UTF-8 text."))
                except SchemeError as error:
                    errors += error.messages
        if not errors:
            try:
                saved = weighting_scheme_save(
                    survey=survey,
                    name=values["name"],
                    label=values["label"],
                    targets=targets,
                    trim_low=values["trim_low"],
                    trim_high=values["trim_high"],
                    user=request.user,
                    scheme=scheme,
                )
                target = reverse("analytics:weighting", args=[survey.slug])
                return redirect(f"{target}#scheme-{saved.name}")
            except SchemeError as error:
                errors += error.messages
    context = {
        "survey": survey,
        "lang": language,
        "scheme": scheme,
        "values": values,
        "errors": errors,
        "questions": _questions(survey, language, targets),
    }
    return render(request, "analytics/weighting_form.html", context, status=400 if errors else 200)


@login_required
@require_POST
def weighting_delete(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    survey = _microdata_survey(request, slug)
    scheme = get_object_or_404(WeightingScheme, survey=survey, name=name)
    weighting_scheme_delete(scheme=scheme)
    return redirect("analytics:weighting", slug=slug)
