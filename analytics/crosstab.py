"""A cross-tabulation of one closed question by a single-choice question, with its test."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.coding.crosstab import coded_pairs_get
from surveys.models import Survey
from surveys.schema import SurveySchema

from . import tables as t
from .disclosure import crosstab_protect
from .inference import ci_annotate, crosstab_letters
from .selectors import (
    FilterError,
    Filters,
    pair_counts_get,
    responses_selected,
    responses_watermark,
)
from .weighting.results import crosstab_weights_add
from .weighting.selectors import weighting_usable_check
from .weighting.services import weights_compute

NOTES = {
    "dropped_empty": gettext_lazy("Empty rows or columns were left out of the test."),
    "degenerate": gettext_lazy("The table has too few non-empty rows or columns for a test."),
    "sparse": gettext_lazy(
        "More than a fifth of the expected counts are below 5: the test is unreliable."
    ),
    "multiple_response": gettext_lazy(
        "A multiple choice question: respondents count once per option chosen, so the test is "
        "an approximation."
    ),
    "suppressed": gettext_lazy(
        "Some cells are withheld; the exact statistic is not shown, only its significance band."
    ),
    "small_table": gettext_lazy("Too few respondents for a test."),
}


def crosstab_compute(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    question: str,
    by: str,
    language: str,
    exact: bool,
    ci: float | None = None,
    weighting: Any = None,
) -> dict[str, Any] | None:
    """The table in `language`, or None until both questions are chosen.

    `exact` for microdata users; anyone else gets `disclosure.crosstab_protect`'s table, which
    may be a refusal (``{"refused": ...}``). Column letters always; intervals at level `ci`.
    """
    if not question or not by:
        return None
    coded = coded_pairs_get(
        survey=survey, schema=schema, filters=filters, question=question, by=by, language=language
    )
    q = coded[0] if coded else schema.questions.get(question)
    b = schema.questions.get(by)
    if q is None or not q.is_choice:
        raise FilterError(
            _("“%(code)s” is not a choice question of this survey.") % {"code": question}
        )
    if b is None or b.type != "single" or b.code == q.code:
        raise FilterError(
            _("“%(code)s” cannot split the respondents: choose another single choice question.")
            % {"code": by}
        )
    if coded:
        # A coded question is counted from the coding rows, unweighted (docs/coding.md).
        pairs, weighting = coded[1], None
    elif weighting is not None:
        weighting = weights_compute(scheme_id=weighting.pk)
        weighting_usable_check(scheme=weighting)
        pairs = pair_counts_get(
            survey=survey,
            schema=schema,
            filters=filters,
            question=question,
            by=by,
            weighting=weighting.pk,
        )
    else:
        pairs = pair_counts_get(
            survey=survey, schema=schema, filters=filters, question=question, by=by
        )
    if exact:
        table = t.crosstab_from_counts(
            question=q.code,
            question_type=q.type,
            options=[(o.code, o.label.get(language)) for o in q.options],
            by=b.code,
            by_options=[(o.code, o.label.get(language)) for o in b.options],
            cells=pairs.cells,
            group_sizes=pairs.group_sizes,
            respondents=pairs.respondents,
            k=None,
        )
        if weighting is not None:
            table = crosstab_weights_add(table=table, pairs=pairs, name=weighting.name)
    else:
        total, _last = responses_watermark(survey=survey)
        selection = (
            responses_selected(survey=survey, schema=schema, filters=filters).count()
            if filters
            else total
        )
        table = crosstab_protect(
            question=q,
            by=b,
            pairs=pairs,
            selection=selection,
            total=total,
            k=survey.min_cell_size,
            filtered=bool(filters),
            language=language,
            **(
                {"weighting": weighting.name, "design_effect": weighting.design_effect}
                if weighting is not None
                else {}
            ),
        )
        if table.get("refused"):
            return table
    # From the figures the viewer sees: perturbed counts for an aggregates-only viewer.
    table = crosstab_letters(table)
    if ci is not None:
        table = ci_annotate(table, level=ci)
    test = table.get("test") or {}
    test["notes"] = [str(NOTES[code]) for code in test.get("note_codes", []) if code in NOTES]
    for row in table.get("rows", []):
        lows = row.get("ci_lows") or [None] * len(row["counts"])
        highs = row.get("ci_highs") or [None] * len(row["counts"])
        row["cells"] = [
            {"count": count, "percent": percent, "sig": sig, "ci_low": low, "ci_high": high}
            for count, percent, sig, low, high in zip(
                row["counts"], row["percents"], row["sig"], lows, highs, strict=True
            )
        ]
    table["question_text"] = q.text.get(language)
    table["by_text"] = b.text.get(language)
    return table
