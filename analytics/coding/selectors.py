"""Reads of the coding: the open texts of a question, its code book, its coded tables.

Texts are grouped by their normalised text (`models.text_hash`): a code is given to a text, and
every respondent who wrote it carries the code. Only microdata views call the text selectors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from analytics.disclosure import group_refusal
from analytics.selectors import Filters, responses_selected, responses_watermark
from surveys.models import Answer, Survey
from surveys.schema import QuestionSpec, SurveySchema

from .models import OpenCode, OpenCoding, text_hash, text_normalize
from .protect import coded_table_protect
from .tables import CodedCells, Table, coded_cells, coded_table

TEXT_TYPES = ("short_text", "long_text")


def question_is_open(question: QuestionSpec) -> bool:
    """A question with texts to code: an "other (specify)" option, or a text question."""
    return question.type in TEXT_TYPES or (question.is_choice and question.other_option is not None)


def open_questions_list(*, schema: SurveySchema) -> list[QuestionSpec]:
    return [q for q in schema.ordered_questions() if question_is_open(q)]


def open_codes_list(*, survey: Survey, question_code: str) -> list[OpenCode]:
    return list(OpenCode.objects.filter(survey=survey, question_code=question_code))


def _text_rows(
    *, survey: Survey, schema: SurveySchema, question: QuestionSpec, filters: Filters
) -> QuerySet:
    """(response, language, text, record key) of the question's open texts, selected responses."""
    selected = responses_selected(survey=survey, schema=schema, filters=filters).values("pk")
    rows = Answer.objects.filter(response__in=selected, question_id=question.id).exclude(
        value_text=""
    )
    if question.is_choice:
        other = question.other_option
        rows = rows.filter(option_id=other.id if other else -1)
    return rows.values_list(
        "response_id", "response__language", "value_text", "response__record_key"
    ).order_by("response_id")


@dataclass
class OpenText:
    """One distinct text of a question and the respondents who wrote it."""

    hash: str
    text: str
    respondents: int = 0
    languages: set[str] = field(default_factory=set)
    codes: list[OpenCode] = field(default_factory=list)

    @property
    def coded(self) -> bool:
        return bool(self.codes)

    @property
    def language(self) -> str:
        """The language it was answered in, when every respondent who wrote it used one."""
        return next(iter(self.languages)) if len(self.languages) == 1 else ""


@dataclass(frozen=True)
class OpenTexts:
    texts: list[OpenText]  # those matching the search, language and "uncoded only"
    total: int  # distinct texts of the selection
    coded: int  # of them, with at least one code


def _codes_by_hash(*, survey: Survey, question_code: str) -> dict[str, list[OpenCode]]:
    by_hash: dict[str, list[OpenCode]] = defaultdict(list)
    codings = OpenCoding.objects.filter(survey=survey, question_code=question_code).select_related(
        "code"
    )
    for coding in codings.order_by("code_id"):
        by_hash[coding.text_hash].append(coding.code)
    return by_hash


def open_texts_list(
    *,
    survey: Survey,
    schema: SurveySchema,
    question: QuestionSpec,
    filters: Filters,
    search: str = "",
    language: str = "",
    uncoded_only: bool = False,
    code_id: int | None = None,
) -> OpenTexts:
    """The distinct texts of `question` among the selected responses, most frequent first.

    `search` (case-insensitive, in the text), `language` (the language the respondent answered
    in), `uncoded_only` and `code_id` (texts carrying that code) narrow the list, not the counts.
    """
    texts: dict[str, OpenText] = {}
    for _response, answered_in, value, _key in _text_rows(
        survey=survey, schema=schema, question=question, filters=filters
    ):
        normal = text_normalize(value)
        if not normal:
            continue
        digest = text_hash(normal)
        item = texts.setdefault(digest, OpenText(hash=digest, text=normal))
        item.respondents += 1
        item.languages.add(answered_in)
    codes = _codes_by_hash(survey=survey, question_code=question.code)
    for digest, item in texts.items():
        item.codes = codes.get(digest, [])
    every = sorted(texts.values(), key=lambda t: (-t.respondents, t.text.casefold()))
    needle = search.strip().casefold()
    shown = [
        item
        for item in every
        if (not needle or needle in item.text.casefold())
        and (not language or language in item.languages)
        and (not uncoded_only or not item.coded)
        and (code_id is None or any(code.pk == code_id for code in item.codes))
    ]
    return OpenTexts(texts=shown, total=len(every), coded=sum(1 for t in every if t.coded))


# Coded tables -----------------------------------------------------------------------------


def coded_questions(*, survey: Survey, schema: SurveySchema) -> list[QuestionSpec]:
    """The open questions that have a code book, in questionnaire order."""
    with_codes = set(OpenCode.objects.filter(survey=survey).values_list("question_code", flat=True))
    return [q for q in open_questions_list(schema=schema) if q.code in with_codes]


@dataclass(frozen=True)
class CodedInputs:
    """What a coded table or crosstab is counted from (`analytics.coding.tables`)."""

    question_type: str
    options: list[tuple[str, str]]
    other: str | None
    chosen: dict[int, set[str]]  # respondent who answered -> options chosen
    coded: dict[int, set[str]]  # respondent -> entries their text is coded to
    new_codes: list[tuple[str, str]]
    keys: dict[int, int]  # respondent -> record key
    labels: dict[str, tuple[str, str]]  # entry -> (kk, ru)


def coded_inputs_get(
    *,
    survey: Survey,
    schema: SurveySchema,
    question: QuestionSpec,
    filters: Filters,
    language: str,
    codes: Iterable[OpenCode] | None = None,
) -> CodedInputs:
    codes = (
        list(codes)
        if codes is not None
        else open_codes_list(survey=survey, question_code=question.code)
    )
    option_codes = set(question.option_by_code)
    # A code whose option has gone from the questionnaire stays as a new code of its own.
    entry_of = {c.pk: c.option_code if c.option_code in option_codes else c.code for c in codes}
    new_codes = [(c.code, c.label(language)) for c in codes if c.option_code not in option_codes]
    labels = {o.code: (o.label.kk, o.label.ru) for o in question.options}
    labels |= {c.code: (c.label_kk, c.label_ru) for c in codes if c.option_code not in option_codes}
    by_hash: dict[str, set[str]] = defaultdict(set)
    for code_id, digest in OpenCoding.objects.filter(
        survey=survey, question_code=question.code
    ).values_list("code_id", "text_hash"):
        if code_id in entry_of:
            by_hash[digest].add(entry_of[code_id])
    selected = responses_selected(survey=survey, schema=schema, filters=filters).values("pk")
    keys: dict[int, int] = {}
    chosen: dict[int, set[str]] = defaultdict(set)
    if question.is_choice:
        option_of = {o.id: o.code for o in question.options}
        for response_id, option_id, key in Answer.objects.filter(
            response__in=selected, question_id=question.id, option__isnull=False
        ).values_list("response_id", "option_id", "response__record_key"):
            chosen[response_id].add(option_of.get(option_id, ""))
            keys[response_id] = key
    coded: dict[int, set[str]] = {}
    for response_id, _language, value, key in _text_rows(
        survey=survey, schema=schema, question=question, filters=filters
    ):
        if not question.is_choice:
            if not text_normalize(value):
                continue
            chosen[response_id] = set()
            keys[response_id] = key
        found = by_hash.get(text_hash(value))
        if found:
            coded[response_id] = found
    return CodedInputs(
        question_type=question.type,
        options=[(o.code, o.label.get(language)) for o in question.options],
        other=question.other_option.code if question.other_option else None,
        chosen=dict(chosen),
        coded=coded,
        new_codes=new_codes,
        keys=keys,
        labels=labels,
    )


def coded_cells_get(
    *,
    survey: Survey,
    schema: SurveySchema,
    question: QuestionSpec,
    filters: Filters,
    language: str,
    codes: Iterable[OpenCode] | None = None,
) -> CodedCells:
    """The counts of a question's coded table among the selected responses."""
    inputs = coded_inputs_get(
        survey=survey,
        schema=schema,
        question=question,
        filters=filters,
        language=language,
        codes=codes,
    )
    return coded_cells(
        question_type=inputs.question_type,
        options=inputs.options,
        other=inputs.other,
        chosen=inputs.chosen,
        coded=inputs.coded,
        new_codes=inputs.new_codes,
        keys=inputs.keys,
    )


def coded_tables_get(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    language: str,
    exact: bool,
) -> dict[str, Table]:
    """Every coded question's coded table, in `language`; {} when the survey has no codes.

    Exact for microdata users. Anyone else gets the tables from perturbed counts, and nothing
    when the selection fails the group thresholds (`analytics.disclosure.group_refusal`).
    Computed on request from the coding rows, never stored, so a change of the coding shows at
    once and no snapshot holds a coded table that is out of date.
    """
    questions = coded_questions(survey=survey, schema=schema)
    if not questions:
        return {}
    group_key = 0
    if not exact:
        total, _last = responses_watermark(survey=survey)
        selection = responses_selected(survey=survey, schema=schema, filters=filters)
        size = selection.count() if filters else total
        k = survey.min_cell_size
        if group_refusal(size=size, total=total, k=k, whole=not filters):
            return {}
        group_key = sum(selection.values_list("record_key", flat=True))
    tables: dict[str, Table] = {}
    for question in questions:
        cells = coded_cells_get(
            survey=survey, schema=schema, question=question, filters=filters, language=language
        )
        tables[question.code] = (
            coded_table(cells)
            if exact
            else coded_table_protect(cells=cells, k=survey.min_cell_size, group_key_sum=group_key)
        )
    return tables


def codebook_coded_get(
    *, survey: Survey, schema: SurveySchema
) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The entries of every coded variable, for `surveys.formats.codebook.codebook_rows`: the
    options (uncoded texts stay in "other") then the new codes, labelled in both languages."""
    result: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for question in coded_questions(survey=survey, schema=schema):
        codes = open_codes_list(survey=survey, question_code=question.code)
        entries = [(o.code, {"kk": o.label.kk, "ru": o.label.ru}) for o in question.options]
        known = set(question.option_by_code)
        entries += [
            (c.code, {"kk": c.label_kk, "ru": c.label_ru})
            for c in codes
            if c.option_code not in known
        ]
        result[question.code] = entries
    return result
