"""The one rule for mapping a file's languages to Kazakh and Russian, and a command's language."""

import pytest

from surveys.formats.languages import PLAIN, language_code, languages_choose, languages_guess
from surveys.management.language import command_language


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russian (ru)", "ru"),
        ("Kazakh (kk)", "kk"),
        ("Қазақша", "kk"),
        ("Русский", "ru"),
        ("russian", "ru"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("kk_KZ", "kk"),
        ("English", None),
        ("English (en)", None),
        ("de-informal", None),
        ("rural", None),
    ],
)
def test_language_code(name, code):
    assert language_code(name) == code


def test_guess_from_named_and_plain_columns():
    assert languages_guess(names=["English", "Russian"], default="kk") == {
        "kk": None,
        "ru": "Russian",
    }
    assert languages_guess(names=[PLAIN], default="ru") == {"kk": None, "ru": PLAIN}
    assert languages_guess(names=[PLAIN, "Russian (ru)"], default="kk") == {
        "kk": PLAIN,
        "ru": "Russian (ru)",
    }
    # The default language is taken by a named column: a plain one is left unmapped.
    assert languages_guess(names=[PLAIN, "Kazakh"], default="kk") == {"kk": "Kazakh", "ru": None}
    # One language of any name goes to the default language.
    assert languages_guess(names=["en"], default="ru") == {"kk": None, "ru": "en"}


def test_choices_override_the_guess_and_are_checked():
    names = ["English", "Russian"]
    assert languages_choose(names=names, default="kk", kk="English") == {
        "kk": "English",
        "ru": "Russian",
    }
    assert languages_choose(names=names, default="kk", kk="Russian") == {
        "kk": "Russian",
        "ru": None,
    }
    with pytest.raises(ValueError, match="German"):
        languages_choose(names=names, default="kk", kk="German")
    with pytest.raises(ValueError):
        languages_choose(names=names, default="kk", kk="English", ru="English")


def test_command_language(monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    assert command_language() == "kk"
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert command_language() == "ru"
    assert command_language(option="kk") == "kk"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert command_language() == "ru"
