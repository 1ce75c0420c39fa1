"""The SPSS .sav variables of a questionnaire: their names and their labels in one language.

Pure of data and of files: `analytics.spss` writes the .sav from these, and the codebook
(`surveys.formats.codebook`) names, for each wide column, the variables it becomes, so the two
cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.answers import OTHER_SUFFIX
from surveys.formats.io.columns import SUBMITTED_AT
from surveys.schema import QuestionSpec, SurveySchema

SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
SPSS_NAME_BYTES = 64


@dataclass(frozen=True)
class SavVariable:
    """One SPSS variable and the wide column it is read from.

    `kind`: "code" (a single choice's option code as 1..n), "dummy" (1 when `option` is among the
    chosen codes), "number" (a whole number: matrix cell, rating, number; or a decimal, with
    its `decimals` places), "text" or "datetime".
    """

    name: str
    label: str
    column: str
    kind: str
    option: str = ""
    codes: Mapping[str, int] = field(default_factory=dict)
    value_labels: Mapping[Any, str] = field(default_factory=dict)
    measure: str = "nominal"
    missing: tuple[int, ...] = ()
    decimals: int = 0


def sav_variables(*, schema: SurveySchema, language: str) -> list[SavVariable]:
    """The .sav variables of a survey, in questionnaire order, labelled in `language`.

    Names follow the wide columns with "." as "_" (`channels.meeting` -> `channels_meeting`); a
    multiple choice becomes one 0/1 variable per option, `<question>_<option>`; the text of an
    "other" option is `<question>_<option>_text` (beside its 0/1 variable, whose name it would
    otherwise take). Names are cut to 64 bytes, SPSS keywords get a "_", and clashes are numbered
    in order (`_2`, `_3`...), so one questionnaire always gives the same names.
    """
    found: list[SavVariable] = []

    def add(name: str, label: str, kind: str, column: str = "", **more: Any) -> None:
        more.setdefault("measure", "scale" if kind in ("number", "datetime") else "nominal")
        found.append(SavVariable(name, label, column or name, kind, **more))

    with translation.override(language):
        zone = timezone.get_default_timezone()
        chosen = {0: _("not chosen"), 1: _("chosen")}
        languages = {"kk": _("Kazakh"), "ru": _("Russian")}
        add("language", _("Language of the response"), "text", value_labels=languages)
        add(SUBMITTED_AT, _("Submitted at (%(zone)s)") % {"zone": zone}, "datetime")
        for q in schema.ordered_questions():
            text = q.text.get(language)
            if q.type == "single":
                codes = {o.code: i for i, o in enumerate(q.options, start=1)}
                labels = {codes[o.code]: o.label.get(language) for o in q.options}
                add(q.code, text, "code", codes=codes, value_labels=labels)
            elif q.type == "multiple":
                for o in q.options:
                    label = f"{text} — {o.label.get(language)}"
                    add(
                        f"{q.code}_{o.code}",
                        label,
                        "dummy",
                        q.code,
                        option=o.code,
                        value_labels=chosen,
                    )
            elif q.is_scaled:
                labels = scale_value_labels(question=q, language=language)
                scale = {"value_labels": labels, "measure": "ordinal"}
                scale["missing"] = (0,) if q.scale_na else ()
                cells = [
                    (f"{q.code}.{r.code}", f"{text} — {r.label.get(language)}") for r in q.rows
                ]
                for column, label in cells if q.type == "matrix" else [(q.code, text)]:
                    add(column, label, "number", **scale)
            elif q.type == "decimal":
                add(q.code, text, "number", decimals=q.decimals or 0)
            else:
                add(q.code, text, "number" if q.type == "number" else "text")
            if q.is_choice and (other := q.other_option) is not None:
                label = f"{text} — {other.label.get(language)}"
                add(f"{q.code}_{other.code}_text", label, "text", f"{q.code}.{OTHER_SUFFIX}")
    used: set[str] = set()
    return [replace(v, name=_spss_name(v.name, used)) for v in found]


def scale_value_labels(*, question: QuestionSpec, language: str) -> dict[int, str]:
    """The labelled points of a scale in `language`, "cannot assess" (0) named even where the
    questionnaire leaves it unlabelled."""
    labels = {value: text.get(language) for value, text in question.scale_labels}
    if question.scale_na and not labels.get(0):
        with translation.override(language):
            labels[0] = _("Cannot assess")
    return dict(sorted(labels.items()))


def _spss_name(wanted: str, used: set[str]) -> str:
    """A valid SPSS name, unique among `used` (SPSS ignores case), which it joins."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
    if not (name[:1].isascii() and name[:1].isalpha()):
        name = f"v_{name}"
    if name.lower() in SPSS_RESERVED:
        name += "_"
    name = base = name[:SPSS_NAME_BYTES]
    number = 1
    while name.lower() in used:
        number += 1
        name = f"{base[: SPSS_NAME_BYTES - len(str(number)) - 1]}_{number}"
    used.add(name.lower())
    return name
