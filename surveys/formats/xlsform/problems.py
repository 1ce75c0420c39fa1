"""What reading an XLSForm workbook gives: the definition, and each problem at its sheet and row
(`Reading.locate` places the definition checker's problems the same way). Apart from `sheets` so
that the converter and the reader can speak of problems without the sheet reading itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("%(sheet)s sheet: %(message)s") % {
                "sheet": self.sheet,
                "message": self.message,
            }
        return _("%(sheet)s sheet, row %(row)d: %(message)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "message": self.message,
        }


@dataclass
class Reading:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    # Definition places ("sections[0].questions[2].options[1]") -> where they came from.
    places: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    # Imported all the same: metadata rows, languages not imported (and, in convert, texts
    # lacking a translation); and what a partial import left out, each with why.
    warnings: list[Problem] = field(default_factory=list)
    left_out: list[Problem] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)  # language name -> texts
    mapping: dict[str, str | None] = field(default_factory=dict)  # kk/ru -> language name
    plain: str = ""  # the name of the plain `label` column's language

    def locate(self, problems: list[tuple[str, str]]) -> list[Problem]:
        """The definition checker's (place, message) pairs, each at its sheet and row."""
        out = []
        for where, message in problems:
            sheet, row = self._place(where)
            if where.startswith("sections[") and (sheet, row) == (SETTINGS, 2):
                continue  # a default section's title is the survey's, whose problem is reported
            if "." in where or "[" in where:
                column = _COLUMN_OF.get(where.rsplit(".", 1)[-1])
            else:
                column = _SETTINGS_COLUMN_OF.get(where, where)
            out.append(Problem(sheet, row, f"{column}: {message}" if column else message))
        return out

    def _place(self, where: str) -> tuple[str, int | None]:
        key = where
        while key not in self.places:
            shorter = re.sub(r"(\.[^.\[\]]+|\[[^\]]*\])$", "", key)
            if shorter == key:
                return SURVEY, None
            key = shorter
        return self.places[key]


_SETTINGS_COLUMN_OF = {
    "slug": "form_id", "title": "form_title / saualnama_title", "intro": "saualnama_intro",
    "opens_at": "saualnama_opens_at", "closes_at": "saualnama_closes_at",
    "min_cell_size": "saualnama_min_cell_size", "sections": "",
}  # fmt: skip
_COLUMN_OF = {
    "text": "label", "title": "label", "label": "label", "help": "hint", "description": "hint",
    "code": "name", "show_if": "relevant", "min_choices": "constraint",
    "max_choices": "constraint", "min": "constraint", "max": "constraint",
}  # fmt: skip
