"""The languages of an XLSForm's texts, and which of them become the survey's kk and ru.

A workbook names its languages in its column headers (`label::English`, `hint::Russian (ru)`, a
plain `label`); the one rule mapping them to kk and ru is `surveys.formats.languages`. Counted
here from the rows as pyxform reads them, so that the upload page can show how many texts each
language holds before the researcher chooses.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from surveys.formats.languages import PLAIN, languages_choose
from surveys.formats.xlsform.problems import Problem

# The text columns of each sheet (pyxform's names); their languages are the file's.
_ROW_TEXTS = ("label", "hint")
_BIND_TEXTS = ("jr:constraintMsg", "jr:requiredMsg")
# form_title is left out: alone it would make a plain "language" of one text (see form_title).
_SETTINGS_TEXTS = ("saualnama_title", "saualnama_intro")
PLAIN_OPTION = "label"  # how the plain column is named on the page and the command line


def languages_count(
    *, settings: dict[str, Any], rows: list[dict[str, Any]], plain: str
) -> dict[str, int]:
    """{language name: number of texts}, in the order the workbook first uses them."""
    counts: Counter[str] = Counter()
    cells = [settings.get(key) for key in _SETTINGS_TEXTS]
    for row in rows:
        cells += [row.get(key) for key in _ROW_TEXTS]
        bind = row.get("bind") if isinstance(row.get("bind"), dict) else {}
        cells += [bind.get(key) for key in _BIND_TEXTS]
    for cell in cells:
        counts.update(name for name, _text in text_items(cell, plain))
    return dict(counts)


def text_items(value: Any, plain: str = PLAIN) -> list[tuple[str, str]]:
    """(language name, text) of a cell group as pyxform reads it: a plain column's text alone,
    or {language: text} where "default" is the plain column. The plain column is named `plain`:
    in XLSForm it is the settings' default_language, when there is one."""
    if value is None:
        return []
    if not isinstance(value, dict):
        value = {"default": value}
    return [
        (plain if key == "default" else str(key), text.strip())
        for key, text in value.items()
        if isinstance(text, str) and text.strip()
    ]


def language_label(name: str) -> str:
    """A language as the researcher sees it: its name, or the plain column."""
    return _("plain “label” column") if name == PLAIN else name


def language_option(value: str | None, *, plain: str) -> str | None:
    """A name given on the page or the command line: `label` is the plain column."""
    if value is None or value == "":
        return None
    return plain if value == PLAIN_OPTION else value


def languages_map(
    *,
    names: list[str],
    default: str,
    plain: str,
    chosen: dict[str, str | None] | None,
) -> dict[str, str | None]:
    """{"kk": name, "ru": name} (None: no language): the guess, or `chosen` over it.

    `chosen` maps kk/ru to a name, to "" for "none", or leaves a key out to keep the guess.
    Raises ValueError naming a language the workbook does not have or one chosen twice.
    """
    if not chosen:
        return languages_choose(names=names, default=default)
    picks = {code: language_option(chosen.get(code), plain=plain) for code in ("kk", "ru")}
    found = languages_choose(names=names, default=default, **picks)
    for code in ("kk", "ru"):
        if code in chosen and not chosen[code]:
            found[code] = None
    return found


def languages_ignored(*, counts: dict[str, int], mapping: dict[str, str | None]) -> list[Problem]:
    """A warning for each language whose texts are not imported."""
    kept = {name for name in mapping.values() if name is not None}
    return [
        Problem(
            "workbook",
            None,
            _("%(language)s texts were not imported (%(count)d)")
            % {"language": language_label(name), "count": count},
        )
        for name, count in counts.items()
        if name not in kept
    ]
