"""The responses the OData tests read and the CSV rows they are compared with.

`varied_add` adds responses using every kind of column; `csv_records` reads the CSV export back
as the text each cell held before the export's formula guard; `entity_record` turns an OData
entity into the CSV row it should equal.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from api.odata.properties import entity_properties
from surveys.formats.io import csv_text_restore, responses_export
from surveys.formats.io.pages import column_kinds
from surveys.models import Survey
from surveys.selectors import survey_schema_get
from surveys.services import response_create
from tests.factories import answers_fill

BARRIERS = (["perception", "language"], ["none"], ["language", "other"], ["emotional"])


def varied_add(survey: Survey, count: int = 14, start: int = 0) -> None:
    """`count` complete responses using every kind of column, a day apart from 1 March 2024."""
    schema = survey_schema_get(survey=survey)
    base = datetime(2024, 3, 1, 12, tzinfo=ZoneInfo("Asia/Almaty"))
    for i in range(start, start + count):
        level = "central" if i % 3 else "local"
        barriers = BARRIERS[i % 4]
        data: dict[str, Any] = {
            "level": level,
            "years": str((i * 7) % 40),
            "general": str(1 + i % 5),
            "channels.meeting": str(i % 6),
            "channels.phone": str((i + 2) % 6),
            "barriers": barriers,
            "comment": None if i % 4 == 1 else f"Пікір {i}, «{i}»\nжол",
        }
        if level == "central":
            data["body"] = "other" if i % 2 else "finance"
            if i % 2:
                data["body.other"] = f"Басқа орган {i}"
        if "other" in barriers:
            data["barriers.other"] = f"=1+{i}"  # a formula-like text: the CSV prefixes it
        response_create(
            survey=survey,
            data=answers_fill(schema, **data),
            language=("kk", "ru")[i % 2],
            source="import",
            schema=schema,
            submitted_at=base + timedelta(days=i),
        )


def csv_records(survey: Survey) -> list[dict[str, str]]:
    """The CSV export's rows, each text cell as it was before the export's formula guard."""
    out = io.StringIO(newline="")
    responses_export(survey=survey, fmt="csv", out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"), newline="")))
    kinds = column_kinds(schema=survey_schema_get(survey=survey))
    return [
        {k: v if kinds[k] == "integer" else csv_text_restore(v) for k, v in row.items()}
        for row in rows
    ]


def entity_record(survey: Survey, entity: dict[str, Any]) -> dict[str, str]:
    """An entity as the CSV row it should equal: wide column names, text cells, no `_id`."""
    properties = entity_properties(schema=survey_schema_get(survey=survey))
    return {
        p.column: "" if entity[p.name] is None else str(entity[p.name])
        for p in properties
        if p.kind != "key"
    }
