"""Questionnaire definition files (YAML) <-> models. The format is in docs/definition-format.md.

The rules a definition obeys are in `definition_checks`; this module loads and exports.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from surveys.decimals import decimal_number, decimal_parse
from surveys.formats.definition_checks import (
    CHOICE_TYPES,
    DECIMALS_DEFAULT,
    SCALED_TYPES,
    DefinitionError,
    as_datetime,
    definition_check,
)
from surveys.models import Option, Question, Row, ScaleLabel, Section, Survey

__all__ = [
    "DefinitionError",
    "definition_check",
    "definition_dump",
    "definition_parse",
    "questionnaire_export",
    "questionnaire_load",
]


def definition_parse(*, text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(
            [_("The file is not valid YAML: %(error)s") % {"error": exc}]
        ) from exc
    if not isinstance(data, dict):
        raise DefinitionError([_("The file must describe one survey as a mapping.")])
    return data


def _texts(node: dict[str, Any] | None, field: str) -> dict[str, str]:
    node = node or {}
    return {
        f"{field}_kk": str(node.get("kk") or "").strip(),
        f"{field}_ru": str(node.get("ru") or "").strip(),
    }


def questionnaire_load(*, data: dict[str, Any], draft: bool = False) -> Survey:
    """Create the survey, or rebuild it in place while it has no responses.

    `draft` accepts an unfinished questionnaire (see `_Checker`), as the builder keeps one.
    """
    definition_check(data=data, draft=draft)
    slug = data["slug"]
    fields = {
        "status": data.get("status", Survey.Status.DRAFT),
        "default_language": data.get("default_language", "kk"),
        "min_cell_size": data.get("min_cell_size", 5),
        "opens_at": as_datetime(data.get("opens_at")),
        "closes_at": as_datetime(data.get("closes_at")),
        **_texts(data.get("title"), "title"),
        **_texts(data.get("intro"), "intro"),
    }
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(slug=slug).first()
        if survey is not None:
            answered = survey.responses.count()
            if answered:
                raise DefinitionError(
                    [
                        _(
                            "The survey “%(slug)s” already has %(count)d responses, so its "
                            "questionnaire cannot be replaced. Load it under a new slug instead."
                        )
                        % {"slug": slug, "count": answered}
                    ]
                )
            survey.sections.all().delete()
            for key, value in fields.items():
                setattr(survey, key, value)
            survey.save()
        else:
            survey = Survey.objects.create(slug=slug, **fields)
        _create_structure(survey, data["sections"])
    return survey


def _create_structure(survey: Survey, sections: list[dict[str, Any]]) -> None:
    options: dict[tuple[str, str], Option] = {}
    for s_pos, s in enumerate(sections, start=1):
        section = Section.objects.create(
            survey=survey,
            position=s_pos,
            code=s["code"],
            **_texts(s.get("title"), "title"),
            **_texts(s.get("description"), "description"),
        )
        _link_condition(section, s.get("show_if"), options)
        for q_pos, q in enumerate(s["questions"], start=1):
            scale = q.get("scale") or {}
            decimal = q["type"] == "decimal"
            question = Question.objects.create(
                survey=survey,
                section=section,
                position=q_pos,
                code=q["code"],
                type=q["type"],
                # A note takes no answer: never required, whatever the default.
                required=q.get("required", True) and q["type"] != "note",
                widget=q.get("widget", "radio"),
                min_choices=q.get("min_choices"),
                max_choices=q.get("max_choices"),
                scale_min=scale.get("min"),
                scale_max=scale.get("max"),
                scale_na=scale.get("na", False),
                number_min=None if decimal else q.get("min"),
                number_max=None if decimal else q.get("max"),
                decimals=q.get("decimals", DECIMALS_DEFAULT) if decimal else None,
                decimal_min=decimal_parse(q.get("min")) if decimal else None,
                decimal_max=decimal_parse(q.get("max")) if decimal else None,
                **_texts(q.get("text"), "text"),
                **_texts(q.get("help"), "help"),
            )
            _link_condition(question, q.get("show_if"), options)
            for pos, o in enumerate(q.get("options") or [], start=1):
                options[(q["code"], o["code"])] = Option.objects.create(
                    question=question,
                    position=pos,
                    code=o["code"],
                    is_other=o.get("other", False),
                    is_exclusive=o.get("exclusive", False),
                    **_texts(o.get("label"), "label"),
                )
            Row.objects.bulk_create(
                Row(question=question, position=pos, code=r["code"], **_texts(r["label"], "label"))
                for pos, r in enumerate(q.get("rows") or [], start=1)
            )
            ScaleLabel.objects.bulk_create(
                ScaleLabel(question=question, value=value, **_texts(label, "label"))
                for value, label in (scale.get("labels") or {}).items()
            )


def _link_condition(
    owner: Section | Question, show_if: dict | None, options: dict[tuple[str, str], Option]
) -> None:
    if show_if:
        owner.show_if_options.set(options[(show_if["question"], o)] for o in show_if["options"])


def _text(obj: object, field: str) -> dict[str, str]:
    return {"kk": getattr(obj, f"{field}_kk"), "ru": getattr(obj, f"{field}_ru")}


def _condition(owner: Section | Question) -> dict[str, Any] | None:
    # Prefetched by questionnaire_export (CONDITIONS): one query for all, not one per owner.
    chosen = sorted(owner.show_if_options.all(), key=lambda o: (o.position, o.pk))
    if not chosen:
        return None
    return {"question": chosen[0].question.code, "options": [o.code for o in chosen]}


CONDITIONS = Prefetch("show_if_options", queryset=Option.objects.select_related("question"))


def questionnaire_export(*, survey: Survey) -> dict[str, Any]:
    """The survey as a definition mapping, keys in the documented order, defaults omitted."""
    out: dict[str, Any] = {
        "slug": survey.slug,
        # str(): an instance just saved may hold a TextChoices member, which YAML cannot dump.
        "default_language": str(survey.default_language),
        "status": str(survey.status),
    }
    if survey.opens_at:
        out["opens_at"] = survey.opens_at
    if survey.closes_at:
        out["closes_at"] = survey.closes_at
    if survey.min_cell_size != 5:
        out["min_cell_size"] = survey.min_cell_size
    out["title"] = _text(survey, "title")
    if survey.intro_kk or survey.intro_ru:
        out["intro"] = _text(survey, "intro")
    out["sections"] = []
    questions = survey.questions.prefetch_related("options", "rows", "scale_labels", CONDITIONS)
    by_section: dict[int, list[Question]] = {}
    for q in questions.order_by("position", "id"):
        by_section.setdefault(q.section_id, []).append(q)
    for section in survey.sections.prefetch_related(CONDITIONS).order_by("position", "id"):
        node: dict[str, Any] = {"code": section.code, "title": _text(section, "title")}
        if section.description_kk or section.description_ru:
            node["description"] = _text(section, "description")
        if (condition := _condition(section)) is not None:
            node["show_if"] = condition
        node["questions"] = [_question_export(q) for q in by_section.get(section.id, [])]
        out["sections"].append(node)
    return out


def _question_export(q: Question) -> dict[str, Any]:
    node: dict[str, Any] = {"code": q.code, "type": str(q.type), "text": _text(q, "text")}
    if q.help_kk or q.help_ru:
        node["help"] = _text(q, "help")
    if not q.required and q.type != "note":
        node["required"] = False
    if (condition := _condition(q)) is not None:
        node["show_if"] = condition
    if q.type == "single" and q.widget != Question.Widget.RADIO:
        node["widget"] = str(q.widget)
    if q.type == "multiple":
        for key in ("min_choices", "max_choices"):
            if getattr(q, key) is not None:
                node[key] = getattr(q, key)
    if q.type in CHOICE_TYPES:
        node["options"] = []
        for o in q.options.all():
            option: dict[str, Any] = {"code": o.code, "label": _text(o, "label")}
            if o.is_other:
                option["other"] = True
            if o.is_exclusive:
                option["exclusive"] = True
            node["options"].append(option)
    if q.type == "matrix":
        node["rows"] = [{"code": r.code, "label": _text(r, "label")} for r in q.rows.all()]
    if q.type in SCALED_TYPES:
        scale: dict[str, Any] = {"min": q.scale_min, "max": q.scale_max}
        if q.scale_na:
            scale["na"] = True
        labels = {s.value: _text(s, "label") for s in q.scale_labels.all()}
        if labels:
            scale["labels"] = labels
        node["scale"] = scale
    if q.type == "number":
        for key, value in (("min", q.number_min), ("max", q.number_max)):
            if value is not None:
                node[key] = value
    if q.type == "decimal":
        node["decimals"] = q.decimals or DECIMALS_DEFAULT
        for key, bound in (("min", q.decimal_min), ("max", q.decimal_max)):
            if bound is not None:
                node[key] = decimal_number(bound)
    return node


def definition_dump(*, data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
