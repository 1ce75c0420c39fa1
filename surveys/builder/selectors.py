"""The builder's reads: translation parity, the structure lock, condition candidates, changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext, pgettext

from surveys.builder.changes import OPTIONAL_TEXTS, TEXT_FIELDS, stale_languages
from surveys.models import (
    LANGUAGES,
    Answer,
    Option,
    Question,
    Response,
    Row,
    ScaleLabel,
    Section,
    Survey,
    TextChange,
)

Kind = TextChange.Kind
CHOICE_TYPES = (Question.Type.SINGLE, Question.Type.MULTIPLE)


@dataclass(frozen=True)
class ParityItem:
    """One respondent-visible text and which of its languages is missing or out of date."""

    kind: str  # survey|section|question|option|row|scale_label
    object_id: int
    question_code: str | None
    section_code: str | None
    field: str  # title|intro|description|text|help|label
    missing: tuple[str, ...]  # languages with no text
    stale: tuple[str, ...]  # languages older than a later change of the other
    code: str = ""  # the option's or row's code, or the scale point

    @property
    def where(self) -> str:
        """Where the text is, for messages: "two › barriers › other › label"."""
        names = {
            "title": pgettext("text of", "title"),
            "intro": pgettext("text of", "introduction"),
            "description": pgettext("text of", "description"),
            "text": pgettext("text of", "question text"),
            "help": pgettext("text of", "help"),
            "label": pgettext("text of", "label"),
        }
        if self.kind == Kind.SURVEY:
            parts = [gettext("survey")]
        else:
            parts = [p for p in (self.section_code, self.question_code, self.code) if p]
        return " › ".join([*parts, names.get(self.field, self.field)])


@dataclass(frozen=True)
class ParityReport:
    items: list[ParityItem] = field(default_factory=list)

    def for_question(self, code: str) -> list[ParityItem]:
        """The question's own texts and those of its options, rows and scale labels."""
        return [item for item in self.items if item.question_code == code]

    def for_section(self, code: str) -> list[ParityItem]:
        """The section's title and description (not its questions)."""
        return [i for i in self.items if i.kind == Kind.SECTION and i.section_code == code]

    def for_survey(self) -> list[ParityItem]:
        return [item for item in self.items if item.kind == Kind.SURVEY]

    @property
    def problems(self) -> list[ParityItem]:
        return [item for item in self.items if item.missing or item.stale]

    @property
    def missing_count(self) -> int:
        return sum(len(item.missing) for item in self.items)

    @property
    def stale_count(self) -> int:
        return sum(len(item.stale) for item in self.items)

    @property
    def complete(self) -> bool:
        return self.missing_count == 0


def _items(
    obj: object,
    kind: str,
    stale: dict[tuple[str, int, str], set[str]],
    section_code: str | None,
    question_code: str | None,
    code: str = "",
) -> list[ParityItem]:
    items = []
    for name in TEXT_FIELDS[kind]:
        texts = {lang: (getattr(obj, f"{name}_{lang}") or "").strip() for lang in LANGUAGES}
        if (kind, name) in OPTIONAL_TEXTS and not any(texts.values()):
            continue
        missing = tuple(lang for lang in LANGUAGES if not texts[lang])
        # Stale only means something while both languages have a text to compare.
        old = () if missing else tuple(sorted(stale.get((kind, obj.pk, name), ())))
        items.append(
            ParityItem(kind, obj.pk, question_code, section_code, name, missing, old, code)
        )
    return items


def survey_parity_get(*, survey: Survey) -> ParityReport:
    """Every respondent-visible text of the survey, in questionnaire order, in six queries."""
    stale = stale_languages(TextChange.objects.filter(survey=survey))
    sections = list(Section.objects.filter(survey=survey).order_by("position", "id"))
    questions = list(Question.objects.filter(survey=survey).order_by("position", "id"))
    children: dict[int, list[tuple[str, object, str]]] = {q.pk: [] for q in questions}
    for o in Option.objects.filter(question__survey=survey).order_by("position", "id"):
        children[o.question_id].append((Kind.OPTION, o, o.code))
    for r in Row.objects.filter(question__survey=survey).order_by("position", "id"):
        children[r.question_id].append((Kind.ROW, r, r.code))
    for s in ScaleLabel.objects.filter(question__survey=survey).order_by("value"):
        children[s.question_id].append((Kind.SCALE_LABEL, s, str(s.value)))
    by_section: dict[int, list[Question]] = {s.pk: [] for s in sections}
    for q in questions:
        by_section[q.section_id].append(q)

    items = _items(survey, Kind.SURVEY, stale, None, None)
    for section in sections:
        items += _items(section, Kind.SECTION, stale, section.code, None)
        for q in by_section[section.pk]:
            items += _items(q, Kind.QUESTION, stale, section.code, q.code)
            for kind, child, code in children[q.pk]:
                items += _items(child, kind, stale, section.code, q.code, code)
    return ParityReport(items)


def survey_locked(*, survey: Survey) -> bool:
    """A survey with any response keeps the structure its answers refer to."""
    return Response.objects.filter(survey=survey).exists()


def question_locked(*, question: Question) -> bool:
    return Answer.objects.filter(question=question).exists()


def option_locked(*, option: Option) -> bool:
    return Answer.objects.filter(option=option).exists()


def row_locked(*, row: Row) -> bool:
    return Answer.objects.filter(row=row).exists()


def answered_ids_get(*, survey: Survey) -> dict[str, set[int]]:
    """Ids of the survey's answered questions, options and rows, for marking a whole page."""
    rows = Answer.objects.filter(question__survey=survey)
    return {
        "question": set(rows.values_list("question_id", flat=True).distinct()),
        "option": set(rows.exclude(option=None).values_list("option_id", flat=True).distinct()),
        "row": set(rows.exclude(row=None).values_list("row_id", flat=True).distinct()),
    }


def condition_candidates(*, target: Section | Question) -> list[Question]:
    """Earlier single and multiple choice questions, in order: what `target` may depend on.

    A section may depend on questions of earlier sections; a question also on earlier questions
    of its own section.
    """
    survey_id = target.survey_id
    rank = {
        pk: i
        for i, pk in enumerate(
            Section.objects.filter(survey_id=survey_id)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
    }
    questions = sorted(
        Question.objects.filter(survey_id=survey_id).prefetch_related("options"),
        key=lambda q: (rank[q.section_id], q.position, q.pk),
    )
    if isinstance(target, Section):
        earlier = [q for q in questions if rank[q.section_id] < rank[target.pk]]
    else:
        at = next(i for i, q in enumerate(questions) if q.pk == target.pk)
        earlier = questions[:at]
    return [q for q in earlier if q.type in CHOICE_TYPES]


def survey_changes_get(*, survey: Survey, wording_fixes_only: bool = False) -> QuerySet[TextChange]:
    """The recorded text edits (not confirmations), newest first; optionally only the wording
    fixes made after the survey had responses."""
    changes = TextChange.objects.filter(survey=survey, action=TextChange.Action.EDIT)
    if wording_fixes_only:
        changes = changes.filter(wording_fix=True)
    return changes.select_related("user").order_by("-changed_at", "-id")
