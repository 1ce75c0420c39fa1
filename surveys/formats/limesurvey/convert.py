"""LimeSurvey survey structure files (.lss) in: the service behind the import page and command.

The file is read into plain records (`read`), each question turned into a definition node
(`questions`), its relevance into our condition (`conditions`), and the whole stored as a draft by
`questionnaire_load`, the service of the definition files, so that every structural rule lives in
one place. Every problem is reported at once by question code; nothing is stored while there is
one, unless `partial` asks to leave those questions out (each reported, and with them every
question whose condition pointed at one: a condition is never loosened).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from surveys.formats.definition_checks import SLUG
from surveys.formats.definitions import DefinitionError, definition_check, questionnaire_load
from surveys.formats.languages import language_code, languages_choose
from surveys.formats.limesurvey.conditions import Unsupported, Variable, relevance_parse
from surveys.formats.limesurvey.problems import Finding, LimeSurveyError
from surveys.formats.limesurvey.questions import Languages, code_make, question_build, text_map
from surveys.formats.limesurvey.read import Group, LssSurvey, Question, lss_read
from surveys.formats.xlsform.convert import RESERVED_SLUGS, slug_free
from surveys.models import Survey

# None is settings.UPLOAD_MAX_BYTES: the whole file is parsed in memory.
MAX_BYTES: int | None = None
MEGABYTE = 1024 * 1024


@dataclass
class _State:
    survey: LssSurvey
    languages: Languages
    partial: bool
    problems: list[Finding] = field(default_factory=list)
    report: list[Finding] = field(default_factory=list)
    # LimeSurvey variable names of the questions imported so far -> what they stand for.
    variables: dict[str, Variable] = field(default_factory=dict)
    by_code: dict[str, Variable] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # LimeSurvey title -> our code
    later: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)  # our question code -> LimeSurvey title
    places: dict[str, str] = field(default_factory=dict)  # definition place -> where to report

    def refuse(self, where: str, message: str) -> None:
        """A problem: the file is refused, or with `partial` the item is left out, reported."""
        if self.partial:
            self.report.append(Finding(where, _("left out: %(why)s") % {"why": message}))
        else:
            self.problems.append(Finding(where, message))

    def resolve(self, name: str, by_code: bool = False) -> Variable:
        if by_code:
            return self.by_code[name]
        if name in self.variables:
            return self.variables[name]
        owner = next(
            (t for t in [*self.left_out, *self.later] if name == t or name.startswith(f"{t}_")),
            None,
        )
        if owner in self.left_out:
            raise Unsupported(
                _("it depends on “%(code)s”, which is not imported") % {"code": owner}
            )
        if owner in self.later:
            raise Unsupported(
                _("it refers to “%(code)s”, which comes later: only earlier questions count")
                % {"code": owner}
            )
        raise Unsupported(
            _("“%(name)s” is not a single choice question or a multiple choice option")
            % {"name": name}
        )

    def condition(self, where: str, equation: str) -> tuple[bool, dict[str, Any] | None]:
        """(whether the item can be shown as LimeSurvey shows it, its show_if)."""
        try:
            shown = relevance_parse(equation=equation, resolve=self.resolve)
        except Unsupported as exc:
            self.refuse(
                where,
                _("the relevance equation “%(equation)s” cannot be imported: %(why)s")
                % {"equation": " ".join(equation.split()), "why": exc},
            )
            return False, None
        if shown is None:
            return True, None
        return True, {"question": shown.question, "options": sorted(shown.options)}


def _group_label(group: Group, position: int) -> str:
    name = next((text for text in group.name.values() if text), "")
    return _("group %(number)d “%(name)s”") % {"number": position, "name": name}


def _section(state: _State, group: Group, position: int, taken: set[str]) -> dict | None:
    where = _group_label(group, position)
    shown, show_if = state.condition(where, group.relevance)
    node: dict[str, Any] = {
        "code": code_make(raw=f"group_{position}", prefix="g", taken=taken),
        "title": text_map(texts=group.name, languages=state.languages),
    }
    if any(group.description.values()):
        node["description"] = text_map(texts=group.description, languages=state.languages)
    if show_if:
        node["show_if"] = show_if
    node["questions"] = []
    for question in group.questions:
        state.later.discard(question.title)
        if not shown:
            state.left_out[question.title] = question.title
            if state.partial:
                state.report.append(
                    Finding(
                        question.title, _("left out with its group %(group)s") % {"group": where}
                    )
                )
            continue
        built = _question(state, question)
        if built is not None:
            place = f"sections[{position - 1}].questions[{len(node['questions'])}]"
            state.places[place] = question.title
            node["questions"].append(built)
    return node if node["questions"] else None


def _question(state: _State, question: Question) -> dict[str, Any] | None:
    code = code_make(raw=question.title, prefix="q", taken=set(state.codes))
    state.codes[code] = question.title
    built = question_build(question=question, code=code, languages=state.languages)
    state.report.extend(Finding(question.title, note) for note in built.notes)
    if code != question.title.lower():
        state.report.append(
            Finding(
                question.title,
                _("the code “%(raw)s” became “%(code)s”") % {"raw": question.title, "code": code},
            )
        )
    if built.left_out:
        state.report.append(Finding(question.title, built.left_out))
    elif built.problem:
        state.refuse(question.title, built.problem)
    if built.node is None or built.left_out:
        state.left_out[question.title] = code
        return None
    shown, show_if = state.condition(question.title, question.relevance)
    if not shown:
        state.left_out[question.title] = code
        return None
    if show_if:
        built.node["show_if"] = show_if
    state.variables.update(built.variables)
    for variable in built.variables.values():
        state.by_code[variable.question] = variable
    return built.node


def _languages(survey: LssSurvey, kk: str | None, ru: str | None) -> tuple[Languages, str]:
    base = survey.languages[0] if survey.languages else ""
    default = "ru" if language_code(base) == "ru" else "kk"
    try:
        chosen = languages_choose(names=survey.languages, default=default, kk=kk, ru=ru)
    except ValueError as exc:
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _(
                        "the language “%(name)s” cannot be used for both Kazakh and Russian, "
                        "or the file has no such language; it has: %(names)s"
                    )
                    % {"name": exc, "names": ", ".join(survey.languages)},
                )
            ],
            survey.languages,
        ) from exc
    if chosen["kk"] is None and chosen["ru"] is None:
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _(
                        "none of the file's languages (%(names)s) is Kazakh or Russian: "
                        "choose which one becomes the Kazakh or the Russian text"
                    )
                    % {"names": ", ".join(survey.languages)},
                )
            ],
            survey.languages,
        )
    return chosen, default


def _language_notes(survey: LssSurvey, languages: Languages) -> list[Finding]:
    missing = {
        "kk": _("no language of the file gives the Kazakh texts: they are left empty, to be "
                "written in the builder"),
        "ru": _("no language of the file gives the Russian texts: they are left empty, to be "
                "written in the builder"),
    }  # fmt: skip
    found = {
        "kk": _("the Kazakh texts are those in “%(source)s”"),
        "ru": _("the Russian texts are those in “%(source)s”"),
    }
    out = [
        Finding("", missing[target] if source is None else found[target] % {"source": source})
        for target, source in languages.items()
    ]
    unused = [name for name in survey.languages if name not in languages.values()]
    if unused:
        out.append(
            Finding("", _("the texts in %(names)s are not imported") % {"names": ", ".join(unused)})
        )
    return out


def _slug(survey: LssSurvey, file: IO[bytes], slug: str | None) -> str:
    if slug:
        return slug
    stem = PurePath(getattr(file, "name", "") or "").stem.lower()
    derived = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:80] or f"limesurvey-{survey.sid}"
    return slug_free(slug=derived.strip("-") or "limesurvey")


def _content(file: IO[bytes]) -> bytes:
    limit = MAX_BYTES or settings.UPLOAD_MAX_BYTES
    file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _("The file is larger than %(limit)s MB.")
                    % {"limit": number_format(round(limit / MEGABYTE, 1))},
                )
            ]
        )
    if not content.strip():
        raise LimeSurveyError([Finding("", _("The file is empty."))])
    return content


def _checked(state: _State, data: dict[str, Any]) -> None:
    try:
        definition_check(data=data, draft=True)
    except DefinitionError as exc:
        for where, message in exc.problems:
            place = next(
                (
                    state.places[p]
                    for p in sorted(state.places, key=len, reverse=True)
                    if where.startswith(p)
                ),
                "",
            )
            state.problems.append(Finding(place, f"{where}: {message}" if not place else message))


def limesurvey_import(
    *,
    file: IO[bytes],
    user: AbstractBaseUser | None,
    slug: str | None = None,
    kk: str | None = None,
    ru: str | None = None,
    partial: bool = False,
) -> tuple[Survey, list[Finding]]:
    """A draft survey owned by `user` (None: no owner, as from a command) from a LimeSurvey
    structure file, and the report of what was changed or left out; or LimeSurveyError with every
    problem. `kk`/`ru` name the file's language for each of ours (default: by their names)."""
    survey_file = lss_read(content=_content(file))
    languages, default = _languages(survey_file, kk, ru)
    state = _State(survey=survey_file, languages=languages, partial=partial)
    state.report.extend(_language_notes(survey_file, languages))
    state.later = {q.title for g in survey_file.groups for q in g.questions}
    sections: list[dict[str, Any]] = []
    taken: set[str] = set()
    for group in survey_file.groups:
        # A group left with no question is left out: our sections hold at least one.
        section = _section(state, group, len(sections) + 1, taken)
        if section is not None:
            sections.append(section)
    data: dict[str, Any] = {
        "slug": _slug(survey_file, file, slug),
        "default_language": default,
        "status": "draft",
        "title": text_map(texts=survey_file.title, languages=languages),
        "sections": sections,
    }
    if any(survey_file.intro.values()):
        data["intro"] = text_map(texts=survey_file.intro, languages=languages)
    if not SLUG.match(data["slug"]):
        state.problems.append(Finding("", _("“%(slug)s” is not a valid slug") % data))
    elif data["slug"] in RESERVED_SLUGS or Survey.objects.filter(slug=data["slug"]).exists():
        state.problems.append(
            Finding(
                "",
                _(
                    "a survey with the slug “%(slug)s” already exists and is never "
                    "overwritten; import under a new slug"
                )
                % data,
            )
        )
    if not sections and not state.problems:
        state.problems.append(Finding("", _("no question of the file can be imported")))
    if not state.problems:
        _checked(state, data)
    if state.problems:
        raise LimeSurveyError(state.problems, survey_file.languages)
    try:
        with transaction.atomic():
            # The slug is claimed by an insert first: `questionnaire_load` rebuilds a survey it
            # finds, so one created by someone else since the check must fail here instead.
            Survey.objects.create(slug=data["slug"], owner=user, title_kk="", title_ru="")
            survey = questionnaire_load(data=data, draft=True)
    except IntegrityError as exc:
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _(
                        "a survey with the slug “%(slug)s” already exists and is never "
                        "overwritten; import under a new slug"
                    )
                    % data,
                )
            ]
        ) from exc
    return survey, state.report
