"""The coded table under a question's table on the results page (coding/_coded_table.html).

The results view is shared by the whole results page; the coded tables come in through this tag,
computed once per request for every coded question (exact for microdata users, protected for the
others, as the page's `microdata` flag says) and then picked out per question.
"""

from __future__ import annotations

from typing import Any

from django import template

from surveys.selectors import survey_schema_get

from ..selectors import coded_tables_get, question_is_open

register = template.Library()
CACHE = "_coded_tables"


def _schema(context: template.Context, survey: Any) -> Any:
    """The questionnaire, read once per request however many tables the page has."""
    request = context.get("request")
    cached = getattr(request, "_coding_schema", None)
    if cached is None or cached.survey_id != survey.pk:
        cached = survey_schema_get(survey=survey)
        if request is not None:
            request._coding_schema = cached
    return cached


@register.simple_tag(takes_context=True)
def coded_table_for(context: template.Context, code: str) -> dict[str, Any] | None:
    survey, request = context.get("survey"), context.get("request")
    if survey is None or context.get("refusal"):
        return None
    exact = bool(context.get("microdata"))
    language = context.get("lang") or "kk"
    filters = context.get("filters") or {}
    key = (survey.pk, repr(filters), language, exact)
    cache = getattr(request, CACHE, None) if request is not None else None
    if cache is None or cache[0] != key:
        tables = coded_tables_get(
            survey=survey,
            schema=_schema(context, survey),
            filters=filters,
            language=language,
            exact=exact,
        )
        cache = (key, tables)
        if request is not None:
            setattr(request, CACHE, cache)
    return cache[1].get(code)


@register.simple_tag(takes_context=True)
def open_question(context: template.Context, code: str) -> bool:
    """Whether the question has texts to code: the page links a researcher to its coding."""
    survey = context.get("survey")
    if survey is None:
        return False
    question = _schema(context, survey).questions.get(code)
    return question is not None and question_is_open(question)
