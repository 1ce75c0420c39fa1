"""What a report shows, gathered once: the tables a reader may see, in one language.

`report_content` is the seam between the results and the document: it picks the exact tables
for microdata users and the protected ones (analytics.disclosure) for everybody else, localizes
them, draws their charts as the pages do and adds the method's facts. The document builder
(`analytics.report.document`) only lays out what it is given, so it never decides what a reader
may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Invitation, InvitationUse
from surveys.formats.codebook import codebook_rows
from surveys.models import Response, Survey
from surveys.schema import SurveySchema

from .. import charts
from ..crosstab import crosstab_compute
from ..disclosure import ViewerResults, protection_note, refusal_message, viewer_results
from ..models import JobStatus, ResultSnapshot
from ..presentation import (
    COMPOSITION,
    LEADING,
    composition_from_tables,
    question_title,
    scale_labels,
    tables_localize,
)
from ..selectors import FilterError, Filters
from ..snapshots import snapshot_compute
from ..weighting.selectors import weighting_scheme_get
from ..weighting.services import snapshot_key_for

# The breakdowns a report crosses its leading questions by, when the survey has them.
BREAKDOWNS = ("region", "body_level")
# An aggregates-only reader sees the response rate to the nearest 5 points: the exact rate of a
# known number of invitations would give the exact count of responses, which no other figure
# of theirs does.
RATE_STEP_PROTECTED = 5


class ReportError(ValueError):
    """A report cannot be made as asked (its message is in the active language)."""


@dataclass(frozen=True)
class Invitations:
    sent: int
    used: int | None  # None for an aggregates-only reader
    rate: float  # percent


@dataclass(frozen=True)
class Block:
    """One closed question: its title, localized table, chart (SVG) and scale words."""

    code: str
    title: str
    table: dict[str, Any]
    svg: str
    scale_labels: dict[str, str]
    max_choices: int | None = None


@dataclass(frozen=True)
class ReportContent:
    slug: str
    title: str
    language: str
    exact: bool
    generated: date
    filters: list[tuple[str, str]]  # (question, chosen options), in words
    respondents: int | None
    refusal: str | None = None
    fieldwork: tuple[date | None, date | None] = (None, None)
    invitations: Invitations | None = None
    weighting: str | None = None
    protection: str | None = None
    k: int = 0
    composition: dict[str, Any] | None = None
    blocks: list[Block] = field(default_factory=list)
    crosstabs: list[dict[str, Any]] = field(default_factory=list)
    codebook: list[dict[str, Any]] = field(default_factory=list)


def report_tables(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    exact: bool,
    weights: str | None,
) -> ViewerResults:
    """The tables the report shows, as this reader may see them: exact, protected or refused.

    From the current snapshot of the filter, computed here when it is not current. `schema`
    is unused; `weights`: the weighting scheme's name, whose weighted snapshot is used (an
    unknown name, or a scheme without weights, is a ReportError with the reason).
    """
    try:
        scheme = weighting_scheme_get(survey=survey, name=weights)
        key, extra = snapshot_key_for(filters=filters, weighting=scheme)
    except FilterError as exc:
        raise ReportError(str(exc)) from exc
    with transaction.atomic():
        snapshot, _created = ResultSnapshot.objects.select_for_update().get_or_create(
            survey=survey,
            filter_key=key,
            defaults={"filters": filters, "requested_at": timezone.now(), **extra},
        )
        # Asked for now: the purge of snapshots nobody asks for leaves it alone.
        ResultSnapshot.objects.filter(pk=snapshot.pk).update(requested_at=timezone.now())
    # The work a results worker does, done here: it returns at once when the snapshot is
    # current and protected, and a worker racing it computes the same tables. Not through
    # services.results_request, which queues a task: the report runs inside one already.
    snapshot_compute(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    if snapshot.status != JobStatus.COMPLETE:
        raise ReportError(
            _("The results could not be computed: %(error)s") % {"error": snapshot.error}
        )
    return viewer_results(snapshot=snapshot, exact=exact, k=survey.min_cell_size)


def report_content(
    *,
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    language: str,
    exact: bool,
    weights: str | None = None,
) -> ReportContent:
    """Everything the document shows, in `language`; protected figures unless `exact`."""
    shown = report_tables(
        survey=survey, schema=schema, filters=filters, exact=exact, weights=weights
    )
    # Found again, already checked by report_tables: the crosstabs are weighted by it too.
    scheme = weighting_scheme_get(survey=survey, name=weights)
    k = survey.min_cell_size
    with translation.override(language):
        base = {
            "slug": survey.slug,
            "title": survey.title_kk if language == "kk" else survey.title_ru,
            "language": language,
            "exact": exact,
            "generated": timezone.localdate(),
            "filters": _filters_in_words(schema, filters, language),
            "respondents": shown.respondents,
            "fieldwork": _fieldwork(survey, exact),
            "invitations": _invitations(survey, exact),
            "protection": protection_note(shown.parameters),
            "k": k,
            "weighting": (scheme.label or scheme.name) if scheme is not None else None,
        }
        if shown.refused:
            return ReportContent(**base, refusal=refusal_message(shown.refused, k=k))
        tables = tables_localize(shown.tables or {}, schema, language)
        closed = {c: t for c, t in tables.items() if t.get("type") != "number"}
        words = charts.chart_words(min_cell_size=k)
        blocks = [_block(schema, code, table, language, words) for code, table in closed.items()]
        crosstabs = _crosstabs(survey, schema, filters, language, exact, scheme)
    return ReportContent(
        **base,
        composition=composition_from_tables(tables, schema, language, shown.respondents),
        blocks=blocks,
        crosstabs=crosstabs,
        codebook=codebook_rows(schema=schema),
    )


def report_steps(*, schema: SurveySchema) -> int:
    """How many steps a report's progress counts: its closed questions and a few fixed parts."""
    closed = [
        q
        for q in schema.ordered_questions()
        if q.type in ("single", "multiple", "matrix", "rating")
    ]
    return len(closed) + 4


def _block(
    schema: SurveySchema, code: str, table: dict[str, Any], language: str, words: Any
) -> Block:
    question = schema.questions[code]
    title = question_title(question, language)
    labels = scale_labels(question, language)
    svg = ""
    if table["type"] == "matrix":
        svg = charts.matrix_chart_svg(table, title=title, scale_labels=labels, words=words)
    elif table["type"] == "rating":
        svg = charts.rating_chart_svg(table, title=title, scale_labels=labels, words=words)
    elif table["type"] in ("single", "multiple"):
        key = "percent" if table["type"] == "single" else "percent_of_respondents"
        svg = charts.choice_chart_svg(
            _chart_options(table), title=title, percent_key=key, words=words
        )
    return Block(
        code=code,
        title=title,
        table=table,
        svg=svg,
        scale_labels=labels,
        max_choices=getattr(question, "max_choices", None),
    )


# A long list of options (regions, ministries) is drawn without the ones nobody chose, which a
# filter leaves by the dozen: the table under the chart still lists every option.
LONG_LIST = 10


def _chart_options(table: dict[str, Any]) -> dict[str, Any]:
    options = table.get("options") or []
    if len(options) <= LONG_LIST:
        return table
    return table | {"options": [o for o in options if o.get("count") != 0]}


def _filters_in_words(
    schema: SurveySchema, filters: Filters, language: str
) -> list[tuple[str, str]]:
    words = []
    for code, options in filters.items():
        question = schema.questions[code]
        labels = [question.option_by_code[o].label.get(language) for o in options]
        words.append((question.text.get(language), ", ".join(labels)))
    return words


def _fieldwork(survey: Survey, exact: bool) -> tuple[date | None, date | None]:
    """The survey's announced dates, else (microdata readers) its first and last submissions.

    Not the submissions for an aggregates-only reader: the last day of a quiet survey can be one
    respondent's.
    """
    opened = timezone.localdate(survey.opens_at) if survey.opens_at else None
    closed = timezone.localdate(survey.closes_at) if survey.closes_at else None
    if exact and (opened is None or closed is None):
        span = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).aggregate(
            first=Min("submitted_at"), last=Max("submitted_at")
        )
        opened = opened or (timezone.localdate(span["first"]) if span["first"] else None)
        closed = closed or (timezone.localdate(span["last"]) if span["last"] else None)
    return opened, closed


def _invitations(survey: Survey, exact: bool) -> Invitations | None:
    sent = Invitation.objects.filter(survey=survey).count()
    if not sent:
        return None
    used = InvitationUse.objects.filter(invitation__survey=survey).count()
    rate = 100 * used / sent
    if exact:
        return Invitations(sent=sent, used=used, rate=round(rate, 1))
    return Invitations(
        sent=sent, used=None, rate=float(RATE_STEP_PROTECTED * round(rate / RATE_STEP_PROTECTED))
    )


def _crosstabs(
    survey: Survey,
    schema: SurveySchema,
    filters: Filters,
    language: str,
    exact: bool,
    scheme: Any = None,
) -> list[dict[str, Any]]:
    """The leading choice questions by region and body level (or, lacking both, by the first
    profile question the survey has), each with its chi-square test."""
    singles = [q.code for q in schema.ordered_questions() if q.type == "single"]
    by = [c for c in BREAKDOWNS if c in singles] or [c for c in COMPOSITION if c in singles][:1]
    if not by and singles:
        by = singles[:1]
    leading = [c for c in LEADING if c in schema.questions and schema.questions[c].is_choice]
    tables = []
    for question in leading:
        for group in by:
            # A filter down to one group leaves nothing to compare.
            if group == question or len(filters.get(group, ())) == 1:
                continue
            table = crosstab_compute(
                survey=survey,
                schema=schema,
                filters=filters,
                question=question,
                by=group,
                language=language,
                exact=exact,
                weighting=scheme,
            )
            if table is not None:
                tables.append(table)
    return tables
