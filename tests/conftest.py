import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
QUESTIONNAIRE = (
    Path(__file__).parent.parent / "surveys/questionnaires/civil-service-communication-2022.yaml"
)

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI every service and the browser are there: a skip means a check silently did not run.
    if os.environ.get("CI") == "true" and _skipped:
        print(f"\nCI=true: {len(_skipped)} skipped test(s) count as failures:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def mini_survey(db):
    from surveys.formats.definitions import definition_parse, questionnaire_load

    return questionnaire_load(data=definition_parse(text=(DATA / "mini.yaml").read_text()))


@pytest.fixture
def mini_schema(mini_survey):
    from surveys.selectors import survey_schema_get

    return survey_schema_get(survey=mini_survey)
