"""XLSForm in and out: the services behind the upload page and the two commands.

Import reads the workbook (`xlsform.read`), checks it with pyxform as every XLSForm tool would
(without the Java ODK Validate step), and stores it through `questionnaire_load`, the service the
definition files use, so that every structural rule lives in `surveys.formats.definitions`. Every
problem is reported at once, by sheet and row, and nothing is stored unless there are none.

A text lacking its Kazakh or Russian version does not refuse the workbook: the survey is stored
as a draft (the builder's parity view lists what is missing; publishing waits for it), as it
would be when built in the builder. So is a partial import, with what it left out listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from surveys.formats.definitions import (
    DefinitionError,
    definition_check,
    questionnaire_export,
    questionnaire_load,
)
from surveys.formats.xlsform.read import workbook_read
from surveys.formats.xlsform.sheets import SETTINGS, SURVEY, Problem
from surveys.formats.xlsform.write import workbook_write
from surveys.formats.xlsx_guard import xlsx_bounds_check
from surveys.models import Survey

RESERVED_SLUGS = {"new", "import"}
# What the workbook's parts may add up to once unpacked; None is settings.XLSX_MAX_UNPACKED_BYTES
# (50 MB by default: an XLSForm of real text unpacks to well under 1 MB, a "zip bomb" to far more).
MAX_UNPACKED_BYTES: int | None = None
_ROW = re.compile(r"^\[row : (?P<row>\d+)\]\s*")
_SHEET = re.compile(r"On the '(?P<sheet>\w+)' sheet")


@dataclass
class XLSFormImport:
    """An imported survey, with what the researcher should know: warnings (metadata rows,
    languages not imported, texts lacking a translation) and what a partial import left out."""

    survey: Survey
    draft: bool = False  # stored by the draft rules: something to complete before publishing
    warnings: list[Problem] = field(default_factory=list)
    left_out: list[Problem] = field(default_factory=list)


@dataclass
class XLSFormLanguages:
    """The languages of a workbook's texts and how they would be mapped (`texts.languages_map`)."""

    counts: dict[str, int]  # language name -> texts
    mapping: dict[str, str | None]  # kk/ru -> language name
    plain: str  # the name of the plain `label` column's language


class XLSFormError(Exception):
    """A workbook that was not imported; `problems` holds every (sheet, row, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _pyxform_problems(content: bytes) -> list[Problem]:
    """pyxform's own verdict; it stops at its first error, which names its row when it can."""
    try:
        convert(xlsform=BytesIO(content), file_type=".xlsx", validate=False, warnings=[])
    except PyXFormError as exc:
        text = str(exc).strip()
        context = getattr(exc, "context", None) or {}
        match = _ROW.match(text)
        row = context.get("row") or (int(match.group("row")) if match else None)
        sheet = context.get("sheet") or (m.group("sheet") if (m := _SHEET.search(text)) else SURVEY)
        message = _ROW.sub("", text).split("\n")[0]
        return [Problem(str(sheet), row, _("XLSForm check: %(message)s") % {"message": message})]
    except Exception as exc:
        return [Problem(SURVEY, None, _("XLSForm check: %(message)s") % {"message": exc})]
    return []


def _bounds_problems(file: IO[bytes]) -> list[Problem]:
    """The workbook refused before pyxform or openpyxl unpack it (surveys.formats.xlsx_guard): both
    hold every part and every cell's text in memory, a shared string once per cell using it."""
    try:
        xlsx_bounds_check(file=file, max_unpacked_bytes=MAX_UNPACKED_BYTES)
    except ValidationError as exc:
        if exc.code == "unpacked":
            return [Problem("workbook", None, _("the workbook is too large once unpacked"))]
        return [Problem("workbook", None, message) for message in exc.messages]
    return []


def _merge(mine: list[Problem], more: list[Problem], by_row: bool = False) -> list[Problem]:
    """`mine` and the new problems of `more`; `by_row` skips any at a row already reported
    (pyxform's one error is usually one of ours, in its own words)."""
    seen = {(p.sheet, p.row) if by_row else p for p in mine}
    out = list(mine)
    for problem in more:
        key = (problem.sheet, problem.row) if by_row else problem
        if key in seen or (by_row and problem.row is None and mine):
            continue
        seen.add(key)
        out.append(problem)
    return out


def slug_free(*, slug: str) -> str:
    """`slug` if no survey has it, else the first of slug-2, slug-3, ... that is free."""
    taken = set(Survey.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    candidate, n = slug, 1
    while candidate in taken or candidate in RESERVED_SLUGS:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _slug_taken(slug: str) -> Problem:
    return Problem(
        SETTINGS,
        2,
        _(
            "form_id: a survey with the slug “%(slug)s” already exists and is never overwritten; "
            "import under a new slug such as “%(free)s”"
        )
        % {"slug": slug, "free": slug_free(slug=slug)},
    )


def _missing_texts(data: dict[str, Any]) -> list[Problem]:
    """One warning per language: how many texts lack it (the parity view lists them)."""
    try:
        definition_check(data=data, draft=True, translations=True)
    except DefinitionError as exc:
        messages = [message for _where, message in exc.problems]
    else:
        return []
    kk = sum(m == _("the Kazakh text is missing") for m in messages)
    ru = sum(m == _("the Russian text is missing") for m in messages)
    out = []
    if kk:
        out.append(
            ngettext(
                "%(count)d text has no Kazakh version: the survey is a draft, the builder lists "
                "what is missing, and it can be published once that is written",
                "%(count)d texts have no Kazakh version: the survey is a draft, the builder lists "
                "what is missing, and it can be published once that is written",
                kk,
            )
            % {"count": kk}
        )
    if ru:
        out.append(
            ngettext(
                "%(count)d text has no Russian version: the survey is a draft, the builder lists "
                "what is missing, and it can be published once that is written",
                "%(count)d texts have no Russian version: the survey is a draft, the builder lists "
                "what is missing, and it can be published once that is written",
                ru,
            )
            % {"count": ru}
        )
    return [Problem("workbook", None, message) for message in out]


def _content(file: IO[bytes]) -> bytes:
    refused = _bounds_problems(file)
    if refused:
        raise XLSFormError(refused)
    file.seek(0)
    return file.read()


def xlsform_languages_get(*, file: IO[bytes]) -> XLSFormLanguages:
    """The languages of the workbook's texts, for the researcher to map before importing."""
    reading = workbook_read(content=_content(file), fallback_slug="xlsform")
    if not reading.languages and reading.problems:
        raise XLSFormError(reading.problems)
    return XLSFormLanguages(reading.languages, reading.mapping, reading.plain)


def xlsform_import(
    *,
    file: IO[bytes],
    user: AbstractBaseUser | None,
    slug: str | None = None,
    languages: dict[str, str | None] | None = None,
    partial: bool = False,
) -> XLSFormImport:
    """Create a draft survey owned by `user` (None: no owner, as from a command) from an XLSForm
    workbook, or raise XLSFormError listing every problem.

    The slug is `slug` if given, else the settings' form_id (normalised), else the file name.
    `languages` maps kk/ru to the file's languages (`texts.languages_map`; None: the guess);
    `partial` leaves out what is not supported instead of refusing it, and lists it.
    """
    content = _content(file)
    stem = PurePath(getattr(file, "name", "") or "").stem
    reading = workbook_read(
        content=content,
        fallback_slug=stem or "xlsform",
        slug=slug,
        languages=languages,
        partial=partial,
    )
    problems = list(reading.problems)
    if not reading.data:
        raise XLSFormError(problems)
    data: dict[str, Any] = reading.data
    if data["slug"] in RESERVED_SLUGS or Survey.objects.filter(slug=data["slug"]).exists():
        problems.append(_slug_taken(data["slug"]))
    try:
        # The structure in full; the languages below, as the builder's draft rules allow.
        definition_check(data=data, draft=partial, translations=False)
    except DefinitionError as exc:
        problems = _merge(problems, reading.locate(exc.problems))
    # pyxform's verdict on a row that was left out does not concern what is imported.
    left = {(p.sheet, p.row) for p in reading.left_out}
    verdict = [p for p in _pyxform_problems(content) if (p.sheet, p.row) not in left]
    problems = _merge(problems, verdict, by_row=True)
    if problems:
        raise XLSFormError(problems)
    missing = _missing_texts(data)
    draft = bool(missing) or partial
    try:
        with transaction.atomic():
            # The slug is claimed by an insert first: `questionnaire_load` rebuilds a survey it
            # finds, so a survey created by someone else since the check must make this fail
            # on the unique slug rather than be overwritten.
            Survey.objects.create(slug=data["slug"], owner=user, title_kk="", title_ru="")
            survey = questionnaire_load(data=data, draft=draft)
    except IntegrityError as exc:
        raise XLSFormError([_slug_taken(data["slug"])]) from exc
    return XLSFormImport(survey, draft, [*reading.warnings, *missing], list(reading.left_out))


def xlsform_export(*, survey: Survey) -> bytes:
    """The survey as an XLSForm workbook (.xlsx) that `xlsform_import` reads back unchanged."""
    return workbook_write(data=questionnaire_export(survey=survey))
