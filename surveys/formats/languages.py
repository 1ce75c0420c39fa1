"""Which language of an imported file becomes the survey's Kazakh and which its Russian.

Files name their languages in many ways: XLSForm columns `label::Russian (ru)`, `label::English`,
`label::Қазақша` or a plain `label`; LimeSurvey's `ru`, `kk`, `en`, `de-informal`. Every importer
asks here, so one rule holds: a name that says Kazakh goes to kk, one that says Russian to ru, and
an unnamed (plain) one to the survey's default language when that is still free. Anything else is
left for the researcher to map (the import page, `--kk NAME --ru NAME`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PLAIN = ""  # a plain `label` column, or a file with a single unnamed language
_WORDS = {
    "kk": "kk",
    "kaz": "kk",
    "kazakh": "kk",
    "қазақша": "kk",
    "қазақ тілі": "kk",
    "казахский": "kk",
    "ru": "ru",
    "rus": "ru",
    "russian": "ru",
    "русский": "ru",
    "орысша": "ru",
}
_CODE = re.compile(r"\((?P<code>[A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\)\s*$")


def language_code(name: str) -> str | None:
    """ "kk" or "ru" when `name` says so (`Russian (ru)`, `Қазақша`, `ru-RU`, `kk`), else None."""
    text = name.strip()
    if match := _CODE.search(text):
        code = _WORDS.get(match.group("code").lower())
        if code:
            return code
        text = text[: match.start()].strip()
    lowered = text.lower()
    if lowered in _WORDS:
        return _WORDS[lowered]
    base = re.split(r"[-_]", lowered, maxsplit=1)[0]
    return _WORDS.get(base) if base in ("kk", "ru", "kaz", "rus") else None


def languages_guess(*, names: Iterable[str], default: str) -> dict[str, str | None]:
    """{"kk": name or None, "ru": name or None}: the default mapping of a file's languages.

    A plain (unnamed) language goes to `default` unless a named one already took it; when
    nothing is named Kazakh or Russian and there is a single language, it goes to `default`.
    """
    found: dict[str, str | None] = {"kk": None, "ru": None}
    given = list(dict.fromkeys(names))
    for name in given:
        code = language_code(name) if name != PLAIN else None
        if code and found[code] is None:
            found[code] = name
    if PLAIN in given and found[default] is None:
        found[default] = PLAIN
    elif len(given) == 1 and found == {"kk": None, "ru": None}:
        found[default] = given[0]
    return found


def languages_choose(
    *, names: Iterable[str], default: str, kk: str | None = None, ru: str | None = None
) -> dict[str, str | None]:
    """The guess, with the researcher's choices (`kk`, `ru`: a name of the file) put over it.

    Raises ValueError naming a chosen language the file does not have, and when both are the
    same language.
    """
    given = list(dict.fromkeys(names))
    found = languages_guess(names=given, default=default)
    for code, chosen in (("kk", kk), ("ru", ru)):
        if chosen is None:
            continue
        if chosen not in given:
            raise ValueError(chosen)
        found[code] = chosen
        other = "ru" if code == "kk" else "kk"
        if found[other] == chosen and (kk if other == "kk" else ru) is None:
            found[other] = None
    if found["kk"] is not None and found["kk"] == found["ru"]:
        raise ValueError(found["kk"])
    return found
