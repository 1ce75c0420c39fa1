"""The language a command speaks: `--language`, else the environment's locale, else Kazakh.

Commands run by an operator in a shell: LC_ALL, LC_MESSAGES or LANG (`ru_RU.UTF-8`, `kk_KZ`)
say which of the platform's two languages their messages and reports use.
"""

from __future__ import annotations

import os

LANGUAGES = ("kk", "ru")


def command_language(*, option: str | None = None) -> str:
    if option in LANGUAGES:
        return option
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        for part in value.split(":"):
            code = part[:2].lower()
            if code in LANGUAGES:
                return code
    return "kk"
