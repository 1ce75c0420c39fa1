"""A coded question as the rows of a cross-tabulation: `?q=<question>.coded&by=<single choice>`.

The coded entries (options plus coded "other", or the codes of a text question) become the rows
of a stand-in question, and the counts come as the same `PairCounts` the crosstab reads, record
keys included: `analytics.crosstab` then computes, protects and tests them as any other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from django.utils import translation

from analytics.selectors import Filters, PairCounts, responses_selected
from surveys.models import Answer, Survey
from surveys.schema import OptionSpec, QuestionSpec, SurveySchema, Text

from .models import OpenCode
from .results import SUFFIX, coded_label
from .selectors import coded_inputs_get, question_is_open
from .tables import respondent_entries


def _coded_text(question: QuestionSpec) -> Text:
    words = {}
    for language in ("kk", "ru"):
        with translation.override(language):
            words[language] = f"{question.text.get(language)} ({coded_label()})"
    return Text(kk=words["kk"], ru=words["ru"])


def coded_pairs_get(
    *, survey: Survey, schema: SurveySchema, filters: Filters, question: str, by: str, language: str
) -> tuple[QuestionSpec, PairCounts] | None:
    """The stand-in question and its pair counts, or None when `question` is not a coded one."""
    if not question.endswith(SUFFIX):
        return None
    spec = schema.questions.get(question.removesuffix(SUFFIX))
    group_by = schema.questions.get(by)
    if spec is None or not question_is_open(spec) or group_by is None:
        return None
    if group_by.type != "single" or group_by.code == spec.code:
        return None
    if not OpenCode.objects.filter(survey=survey, question_code=spec.code).exists():
        return None
    inputs = coded_inputs_get(
        survey=survey, schema=schema, question=spec, filters=filters, language=language
    )
    codes = [code for code, _label in inputs.options] + [c for c, _l in inputs.new_codes]
    entries = respondent_entries(
        question_type=inputs.question_type,
        known=codes,
        other=inputs.other,
        chosen=inputs.chosen,
        coded=inputs.coded,
    )
    single = spec.type == "single" and all(len(e) <= 1 for e, _added in entries.values())
    stand_in = replace(
        spec,
        code=question,
        type="single" if single else "multiple",
        text=_coded_text(spec),
        options=tuple(
            OptionSpec(id=0, code=code, label=Text(*inputs.labels.get(code, (code, code))))
            for code in dict.fromkeys(codes)
        ),
        condition=None,
    )
    selected = responses_selected(survey=survey, schema=schema, filters=filters)
    keys = dict(selected.values_list("pk", "record_key"))
    option_of = {o.id: o.code for o in group_by.options}
    group_of: dict[int, str] = {}
    for response_id, option_id in Answer.objects.filter(
        response__in=selected.values("pk"), question_id=group_by.id, option__isnull=False
    ).values_list("response_id", "option_id"):
        group_of.setdefault(response_id, option_of[option_id])
    cells: dict[tuple[str, str], int] = defaultdict(int)
    cell_keys: dict[tuple[str, str], int] = defaultdict(int)
    sizes: dict[str, int] = defaultdict(int)
    size_keys: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    total_keys: dict[str, int] = defaultdict(int)
    for response_id, group in group_of.items():
        totals[group] += 1
        total_keys[group] += keys.get(response_id, 0)
    both = 0
    both_key = 0
    for response_id, (found, _added) in entries.items():
        group = group_of.get(response_id)
        if group is None or not found:
            continue
        key = keys.get(response_id, 0)
        both, both_key = both + 1, both_key + key
        sizes[group] += 1
        size_keys[group] += key
        for entry in found:
            cells[(entry, group)] += 1
            cell_keys[(entry, group)] += key
    pairs = PairCounts(
        cells=dict(cells),
        group_sizes=dict(sizes),
        respondents=both,
        cell_keys=dict(cell_keys),
        group_keys=dict(size_keys),
        respondents_key=both_key,
        group_totals=dict(totals),
        group_total_keys=dict(total_keys),
    )
    return stand_in, pairs
