"""The entity type's properties: each wide column under a name that OData accepts, with its type.

OData names a property with a SimpleIdentifier (a letter or `_`, then letters, digits and `_`):
the wide format's `channels.meeting` is not one. The name is the column's with `.` written `__`
(`channels__meeting`), which reads back by the reverse replacement. Two columns could then meet
under one name (a question coded `channels__meeting` beside that matrix cell): the later one in
questionnaire order gets `_2` (then `_3`...) appended, so the names depend on the questionnaire
alone and never change from one request to the next. A column that would still not be an
identifier (codes are checked to be, but imported data may not have been) gets `_` for each
other character and `_` in front of a leading digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT
from surveys.formats.io.pages import RESPONSE_ID, column_kinds, wide_columns_all
from surveys.schema import QuestionSpec, SurveySchema, Text

INT64, STRING, DATETIME = "Edm.Int64", "Edm.String", "Edm.DateTimeOffset"
# Edm.Decimal, not Edm.Double: python-odata reads it as a Decimal (a Double it leaves a string),
# and Excel and Power BI as a fixed decimal number; its scale is the question's places.
DECIMAL = "Edm.Decimal"
_IDENTIFIER = re.compile(r"[^\W\d]\w{0,127}")
_OTHER = Text("басқа (мәтін)", "другое (текст)")


@dataclass(frozen=True)
class EntityProperty:
    name: str  # the OData property name
    column: str  # the wide column (`_id` for the key)
    kind: str  # as surveys.formats.io.pages.column_kinds says; "key" for `_id`
    edm_type: str
    question: QuestionSpec | None = None
    text: Text | None = None  # what the column holds, for the metadata's descriptions

    @property
    def filterable(self) -> bool:
        return self.kind in ("single", "datetime")


def property_name_for(*, column: str) -> str:
    """The SimpleIdentifier for a wide column, before any disambiguation."""
    name = re.sub(r"\W", "_", column.replace(".", "__"))
    return name if _IDENTIFIER.fullmatch(name) else f"_{name}"[:128]


def entity_properties(*, schema: SurveySchema) -> list[EntityProperty]:
    """`_id`, `language`, `submitted_at`, then every wide column in questionnaire order."""
    kinds = column_kinds(schema=schema)
    found = [EntityProperty(RESPONSE_ID, RESPONSE_ID, "key", STRING)]
    taken = {RESPONSE_ID}
    for column in wide_columns_all(schema=schema):
        base = property_name_for(column=column)
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        kind = kinds[column]
        edm = {"integer": INT64, "datetime": DATETIME, "decimal": DECIMAL}.get(kind, STRING)
        question, text = _described(schema, column)
        found.append(EntityProperty(name, column, kind, edm, question, text))
    return found


def _described(schema: SurveySchema, column: str) -> tuple[QuestionSpec | None, Text | None]:
    if column in (LANGUAGE, SUBMITTED_AT):
        return None, None
    code, _dot, part = column.partition(".")
    question = schema.questions[code]
    if not part:
        return question, question.text
    row = question.row_by_code.get(part)
    label = row.label if row is not None else _OTHER
    return question, Text(
        f"{question.text.get('kk')}: {label.get('kk')}",
        f"{question.text.get('ru')}: {label.get('ru')}",
    )


def properties_by_name(*, properties: list[EntityProperty]) -> dict[str, EntityProperty]:
    return {p.name: p for p in properties}
