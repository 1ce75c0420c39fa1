"""What a LimeSurvey import reports: each finding at the question code (or group, or the file)
it concerns, in the user's language. Apart from the reader and the converter so that both speak
of findings without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Finding:
    # A LimeSurvey question code, a group's name, or "" for the file as a whole.
    where: str
    message: str

    def __str__(self) -> str:
        if not self.where:
            return self.message
        return _("%(where)s: %(message)s") % {"where": self.where, "message": self.message}


class LimeSurveyError(Exception):
    """A file that was not imported; `problems` holds every finding that refused it."""

    def __init__(self, problems: list[Finding], languages: list[str] | None = None) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        # The file's languages when it could be read, so that a page can offer them to map.
        self.languages = languages or []
