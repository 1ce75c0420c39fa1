"""Another tool's response export read as the wide format: each source column becomes a wide column.

A `ColumnMapping` is planned once from the header (`columns_map`) and then turns each source row
into a wide row before validation. The plan comes from, in this order: the researcher's explicit
renames (`--mapping`), the conventions of the source (`surveys.formats.io.sources`: Kobo's group
paths and 0/1 columns, LimeSurvey's `Q1[SQ001]`), and the wide column names themselves. Row numbers
are left alone and every wide column remembers its source columns, so a row error names the row
and the column of the file the researcher has in hand.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.answers import wide_columns
from surveys.formats.io.columns import LANGUAGE, SUBMITTED_AT
from surveys.formats.io.sources import PRESETS, Rule, SourceContext
from surveys.schema import SurveySchema

SKIP = "skip"
WIDE = "wide"
SOURCES = (WIDE, *PRESETS)
# `barriers[perception]`: the yes/no column of one option of a multiple choice, in a mapping file.
TICK_TARGET = re.compile(r"^(?P<question>[^\[\]]+)\[(?P<option>[^\[\]]+)\]$")
TICKED = frozenset({"1", "y", "yes", "true"})
UNTICKED = frozenset({"", "0", "n", "no", "false"})
INVALID_TICK = gettext_lazy(
    "“%(value)s” does not say whether the option was chosen: write 1 or Y if it was, 0 or "
    "nothing if not."
)


@dataclass(frozen=True)
class CellProblem:
    """A cell the mapping could not turn into a wide value: reported as a row error."""

    column: str  # the wide key the error belongs to (a question code)
    source: str
    code: str
    message: str


@dataclass(frozen=True)
class MappedRow:
    number: int
    cells: dict[str, str]
    problems: list[CellProblem]
    incomplete: bool  # the source says the respondent never submitted (LimeSurvey's submitdate)
    source: Mapping[str, str]  # the row as the file has it


@dataclass
class ColumnMapping:
    """The plan for one header: `errors` refuse the file; otherwise `rows` maps every row."""

    rules: list[Rule]
    errors: list[str]
    language: str | None = None  # the language of rows the source gives none for
    origins: dict[str, list[str]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        targets = [rule.target for rule in self.rules if rule.target]
        if self.language is not None:
            targets.append(LANGUAGE)
        return list(dict.fromkeys(targets))

    def rows(self, rows: Iterable[tuple[int, Mapping[str, str]]]) -> Iterator[MappedRow]:
        completion = [rule.source for rule in self.rules if rule.completion]
        for number, cells in rows:
            out: dict[str, str] = {}
            problems: list[CellProblem] = []
            ticks: dict[str, list[str]] = defaultdict(list)
            for rule in self.rules:
                if not rule.target:
                    continue
                value = cells.get(rule.source, "")
                if rule.option is not None:
                    ticked = value.strip().lower()
                    if ticked in TICKED:
                        ticks[rule.target].append(rule.option)
                    elif ticked not in UNTICKED:
                        message = str(INVALID_TICK % {"value": value.strip()})
                        problems.append(CellProblem(rule.target, rule.source, "invalid", message))
                    continue
                out[rule.target] = rule.convert(value) if rule.convert else value
                if rule.implies is not None and value.strip():
                    question, option = rule.implies
                    ticks[question].append(option)
            for question, options in ticks.items():
                chosen = out.get(question, "").split()
                out[question] = " ".join(dict.fromkeys([*chosen, *options]))
            if self.language is not None:
                out[LANGUAGE] = self.language
            incomplete = any(not cells.get(source, "").strip() for source in completion)
            yield MappedRow(number, out, problems, incomplete, cells)

    def source_of(self, key: str, cells: Mapping[str, str] | None = None) -> str:
        """The source columns behind a wide key, for a row error ("" when they are the key).

        A question fed by several columns (a multiple choice's option columns, a matrix's rows)
        names those of them holding a value in the row, as those are what the researcher fixes.
        """
        sources = self.origins.get(key, [])
        if all(s == key or s.startswith(f"{key}.") for s in sources):
            return ""  # the wide format's own columns
        if cells is not None and len(sources) > 1:
            sources = [s for s in sources if cells.get(s, "").strip()] or sources
        return ", ".join(sources)


def columns_map(
    *,
    schema: SurveySchema,
    header: Sequence[str],
    source: str = WIDE,
    renames: Mapping[str, str] | None = None,
    default_language: str,
) -> ColumnMapping:
    """Plan how the columns of `header` become wide columns; header problems go to `errors`."""
    renames = dict(renames or {})
    wide = {LANGUAGE, SUBMITTED_AT, *wide_columns(schema)}
    context = SourceContext(schema=schema, default_language=default_language)
    preset: Callable[[str, SourceContext], Rule | None] | None = PRESETS.get(source)
    errors: list[str] = []
    blank = [str(i) for i, name in enumerate(header, start=1) if not name]
    if blank:
        errors.append(_("Columns without a name: %(numbers)s.") % {"numbers": ", ".join(blank)})
    rules: list[Rule] = []
    explicit: set[str] = set()
    unknown: list[str] = []
    notes = [name for name in dict.fromkeys(header) if _is_note(schema, name)]
    if notes:
        errors.append(
            _("Columns named after notes, which take no answers: %(columns)s. Leave them out of "
              "the file.") % {"columns": ", ".join(notes)}
        )  # fmt: skip
    for name in dict.fromkeys(n for n in header if n and n not in notes):
        if name in renames:
            rule = _renamed(name, renames[name], schema, wide, context, preset)
            if rule is None:
                errors.append(
                    _(
                        "The mapping makes %(column)s “%(target)s”, which is not a column of this "
                        "survey."
                    )
                    % {"column": name, "target": renames[name]}
                )
                continue
            explicit.add(rule.target)
        else:
            rule = preset(name, context) if preset else None
            if rule is None and name in wide:
                rule = Rule(name, name)
        if rule is None:
            unknown.append(name)
        else:
            rules.append(rule)
    # The explicit mapping is applied on top: the column a preset reads the time or language
    # from (Kobo's `_submission_time`) steps aside when one is mapped there. Two columns for one
    # answer are still refused below: leaving one out unasked would lose data.
    rules = [
        Rule(r.source, "")
        if r.target in (SUBMITTED_AT, LANGUAGE) and r.target in explicit and r.source not in renames
        else r
        for r in rules
    ]
    rules = _single_columns_win(rules, schema)
    if unknown:
        if source == WIDE and not renames:
            message = _(
                "Unknown columns: %(columns)s. A column is language, submitted_at or a question "
                "column of this survey; export_responses writes the full header."
            )
        else:
            message = _(
                "Unknown columns: %(columns)s. Map each to a column of this survey, or to skip, "
                "in a mapping file (--mapping)."
            )
        errors.append(message % {"columns": ", ".join(unknown)})
    duplicated = [name for name, n in Counter(header).items() if name and n > 1]
    if duplicated:
        errors.append(
            _("Columns given more than once: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    errors.extend(_target_clashes(rules))
    mapping = ColumnMapping(rules=rules, errors=errors)
    if LANGUAGE not in mapping.columns:
        if preset is None:
            errors.append(_("The column “language” is missing."))
        else:
            mapping.language = default_language
    mapping.origins = _origins(rules, schema)
    return mapping


def _is_note(schema: SurveySchema, column: str) -> bool:
    question = schema.questions.get(column)
    return question is not None and question.is_note


def _renamed(
    name: str,
    target: str,
    schema: SurveySchema,
    wide: set[str],
    context: SourceContext,
    preset: Callable[[str, SourceContext], Rule | None] | None,
) -> Rule | None:
    target = target.strip()
    if target == SKIP:
        return Rule(name, "")
    if match := TICK_TARGET.match(target):
        question = schema.questions.get(match["question"])
        if question and question.type == "multiple" and match["option"] in question.option_by_code:
            return Rule(name, question.code, option=match["option"])
        return None
    if target not in wide:
        return None
    # The source's value conventions still hold for a renamed column (LimeSurvey's `-oth-`,
    # answer codes in capitals): ask the preset what it would make of the target's own name.
    converted = preset(target, context) if preset else None
    if converted is not None and converted.target == target:
        return Rule(name, target, convert=converted.convert, implies=converted.implies)
    return Rule(name, target)


def _single_columns_win(rules: list[Rule], schema: SurveySchema) -> list[Rule]:
    """Kobo's "both" export gives a multiple choice as one column and as one 0/1 column per
    option: the same answer twice. The single column is read; the others are left out."""
    single = {r.target for r in rules if r.target and r.option is None}
    return [Rule(r.source, "") if r.option is not None and r.target in single else r for r in rules]


def _target_clashes(rules: list[Rule]) -> list[str]:
    by_target: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for rule in rules:
        if rule.target:
            by_target[(rule.target, rule.option)].append(rule.source)
    return [
        _("Columns %(columns)s all become %(target)s; keep one and map the others to skip.")
        % {"columns": ", ".join(sources), "target": f"{target}[{option}]" if option else target}
        for (target, option), sources in by_target.items()
        if len(sources) > 1
    ]


def _origins(rules: list[Rule], schema: SurveySchema) -> dict[str, list[str]]:
    """Wide column and question code -> the source columns feeding them."""
    origins: dict[str, list[str]] = defaultdict(list)
    for rule in rules:
        if not rule.target:
            continue
        origins[rule.target].append(rule.source)
        question = rule.target.split(".", 1)[0]
        if question != rule.target and question in schema.questions:
            origins[question].append(rule.source)
        if rule.implies is not None and rule.implies[0] != question:
            origins[rule.implies[0]].append(rule.source)
    return dict(origins)


def mapping_file_read(*, path: Path) -> dict[str, str]:
    """The renames of a mapping file: YAML, `columns:` then `source column: wide column or skip`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingFileError(
            _("The mapping file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    columns = data.get("columns") if isinstance(data, dict) and set(data) == {"columns"} else None
    if not isinstance(columns, dict) or not all(
        isinstance(target, str) and target.strip() for target in columns.values()
    ):
        raise MappingFileError(
            _(
                "The mapping file must hold “columns:” and under it one line per source column, "
                "“source column: column of the survey” or “source column: skip”."
            )
        )
    return {str(name).strip(): target.strip() for name, target in columns.items()}


class MappingFileError(Exception):
    pass
