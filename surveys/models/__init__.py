"""The models of the core, one module per concern; every name is imported from here.

`questionnaire`: the survey and its structure (sections, questions, options, rows, scale labels);
`responses`: a response and its answer rows; `changes`: the record of wording changes.
Migrations name `surveys.models.record_key_new`, so the names stay importable from here.
"""

from surveys.models.changes import TextChange
from surveys.models.questionnaire import (
    LANGUAGES,
    Language,
    Option,
    Question,
    Row,
    ScaleLabel,
    Section,
    Survey,
    code_validator,
    localized,
)
from surveys.models.responses import RECORD_KEY_RANGE, Answer, Response, record_key_new

__all__ = [
    "LANGUAGES",
    "RECORD_KEY_RANGE",
    "Answer",
    "Language",
    "Option",
    "Question",
    "Response",
    "Row",
    "ScaleLabel",
    "Section",
    "Survey",
    "TextChange",
    "code_validator",
    "localized",
    "record_key_new",
]
