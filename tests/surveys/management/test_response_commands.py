"""`manage.py import_responses` and `manage.py export_responses`, as a researcher runs them."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Response
from surveys.schema import Text
from surveys.selectors import response_answers_get
from surveys.services import response_create
from surveys.validation import AnswerError

GOOD = {
    "level": "central",
    "body": "finance",
    "years": "12",
    "channels.meeting": "4",
    "channels.phone": "0",
    "barriers": "perception language",
    "general": "5",
}
SHORT = {
    "level": "local",
    "years": "3",
    "channels.meeting": "1",
    "channels.phone": "2",
    "barriers": "none",
    "general": "2",
}
OTHER = Text("Басқа", "Другое")  # the "other" option of `barriers` in tests/data/mini.yaml


def write_csv(path: Path, rows: list[dict]) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a command, as a shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def reported(err: str, row: int, column: str, message: str) -> bool:
    """Whether a report line names the row (its first number), the column and the reason."""
    return any(
        first_number(line) == row and column in line and message in line
        for line in err.splitlines()
    )


def first_number(line: str) -> int | None:
    match = re.search(r"\d+", line)
    return int(match.group()) if match else None


def summary(text: str) -> list[int]:
    """The numbers of the report's last line, e.g. [2, 3] for "2 stored, 3 rejected."."""
    return [int(n) for n in re.findall(r"\d+", text.strip().splitlines()[-1])]


def stored_languages(survey) -> list[str]:
    return list(Response.objects.filter(survey=survey).values_list("language", flat=True))


@pytest.fixture
def mixed_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "mixed.csv",
        [
            {"language": "kk", **GOOD},  # row 2
            {"language": "ru", **SHORT, "barriers": "perception language emotional gender"},
            {"language": "ru", **SHORT},  # row 4
            {"language": "kk", **SHORT, "barriers": "other"},  # row 5: "other" without its text
            {"language": "en", **SHORT, "general": "9"},  # row 6: two errors
        ],
    )


def test_a_good_file_is_stored_and_the_command_succeeds(mini_survey, tmp_path):
    path = write_csv(
        tmp_path / "good.csv", [{"language": "kk", **GOOD}, {"language": "ru", **SHORT}]
    )
    code, out, err = run("import_responses", "mini", str(path))
    assert (code, err) == (0, "")
    assert summary(out) == [2, 0]  # stored, rejected
    assert stored_languages(mini_survey) == ["kk", "ru"]
    assert set(Response.objects.values_list("source", flat=True)) == {"import"}


def test_good_rows_are_stored_bad_rows_reported_and_the_exit_code_is_1(mini_survey, mixed_file):
    code, _out, err = run("import_responses", "mini", str(mixed_file), "--language", "ru")
    assert code == 1
    assert stored_languages(mini_survey) == ["kk", "ru"]  # rows 2 and 4
    assert reported(err, 3, "barriers", AnswerError("max_choices", {"limit": 3}).message("ru"))
    other_required = AnswerError("other_text_required", {"value": OTHER}).message("ru")
    assert reported(err, 5, "barriers", other_required)
    assert reported(err, 6, "language", "en")
    assert reported(
        err, 6, "general", AnswerError("out_of_scale", {"min": 1, "max": 5}).message("ru")
    )
    rows_reported = {first_number(line) for line in err.splitlines()[:-1]}
    assert rows_reported == {3, 5, 6}
    assert summary(err) == [2, 3]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_reasons_are_written_in_the_language_asked_for(mini_survey, mixed_file, language):
    _code, _out, err = run("import_responses", "mini", str(mixed_file), "--language", language)
    reason = AnswerError("other_text_required", {"value": OTHER}).message(language)
    assert OTHER.get(language) in reason  # the option's own label, whatever gettext knows
    assert reported(err, 5, "barriers", reason)


@pytest.mark.parametrize(("locale", "language"), [("ru_RU.UTF-8", "ru"), ("C.UTF-8", "kk")])
def test_the_report_defaults_to_the_locale_language(
    mini_survey, mixed_file, monkeypatch, locale, language
):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", locale)
    _code, _out, err = run("import_responses", "mini", str(mixed_file))
    assert AnswerError("other_text_required", {"value": OTHER}).message(language) in err


def test_dry_run_reports_the_same_and_stores_nothing(mini_survey, mixed_file):
    code, _out, err = run("import_responses", "mini", str(mixed_file), "--dry-run")
    assert code == 1
    assert summary(err) == [2, 3]  # valid, rejected
    assert stored_languages(mini_survey) == []


def test_allow_partial_accepts_missing_answers_but_not_a_bad_value(mini_survey, tmp_path):
    path = write_csv(
        tmp_path / "paper.csv",
        [
            {"language": "kk", "level": "local"},
            {"language": "ru", "level": "local", "years": "51"},
        ],
    )
    assert run("import_responses", "mini", str(path))[0] == 1
    assert stored_languages(mini_survey) == []

    code, _out, err = run("import_responses", "mini", str(path), "--allow-partial")

    assert code == 1
    assert stored_languages(mini_survey) == ["kk"]
    assert reported(err, 3, "years", AnswerError("number_above_max", {"max": 50}).message("kk"))


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"language": "kk", **SHORT, "colour": "red"}, "colour"),
        ({**SHORT}, "language"),
    ],
)
def test_a_bad_header_stores_nothing_and_exits_2(mini_survey, tmp_path, row, expected):
    path = write_csv(tmp_path / "r.csv", [row, row])
    code, _out, err = run("import_responses", "mini", str(path))
    assert code == 2
    assert expected in err
    assert stored_languages(mini_survey) == []


def test_an_unknown_survey_or_file_exits_2(mini_survey, tmp_path):
    assert run("import_responses", "nope", str(tmp_path / "r.csv"))[0] == 2
    assert run("import_responses", "mini", str(tmp_path / "missing.csv"))[0] == 2


def test_an_xlsx_file_with_numeric_cells_is_imported(mini_survey, mini_schema, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    columns = ["language", "submitted_at", *SHORT]
    sheet.append(columns)
    sheet.append(["ru", "2022-11-10T09:30:00+06:00", "local", 3.0, 1, 0, "none", 2])
    sheet.append(["kk", None, "local", 3.5, 1, 0, "none", 2])
    workbook.save(tmp_path / "paper.xlsx")

    code, _out, err = run("import_responses", "mini", str(tmp_path / "paper.xlsx"))

    assert code == 1
    assert reported(err, 3, "years", AnswerError("not_a_whole_number").message("kk"))
    response = Response.objects.get(survey=mini_survey)
    answers = response_answers_get(response=response, schema=mini_schema)
    assert (response.language, answers["years"].number, answers["general"].number) == ("ru", 3, 2)
    assert answers["channels"].cells == (("meeting", 1), ("phone", 0))


@pytest.fixture
def answered(mini_survey, mini_schema):
    for language, data in (("kk", GOOD), ("ru", SHORT)):
        response_create(
            survey=mini_survey, schema=mini_schema, data=data, language=language, source="web"
        )


def test_export_writes_csv_to_stdout_by_default(mini_survey, answered):
    code, out, _err = run("export_responses", "mini")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["language", "submitted_at", "level", "body"]
    assert [row[0] for row in rows[1:]] == ["kk", "ru"]
    assert rows[1][rows[0].index("barriers")] == "perception language"


def test_export_format_follows_the_output_extension(mini_survey, answered, tmp_path):
    target = str(tmp_path / "all.xlsx")
    code, out, _err = run("export_responses", "mini", "-o", target)
    # The path has digits of its own; the count is what is left ("Wrote 2 responses to ...").
    assert code == 0 and target in out and first_number(out.replace(target, "")) == 2
    sheet = openpyxl.load_workbook(tmp_path / "all.xlsx").active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["language", "kk", "ru"]


def test_xlsx_export_to_stdout_is_refused(mini_survey):
    code, out, err = run("export_responses", "mini", "--format", "xlsx")
    assert code == 1 and out == ""
    assert "-o" in err


@pytest.mark.parametrize("name", ["export.csv", "export.xlsx"])
def test_export_then_import_gives_back_the_same_responses(
    mini_survey, mini_schema, answered, tmp_path, name
):
    def snapshot() -> list[tuple]:
        return [
            (r.language, r.submitted_at, response_answers_get(response=r, schema=mini_schema))
            for r in Response.objects.filter(survey=mini_survey)
        ]

    before = snapshot()
    assert run("export_responses", "mini", "-o", str(tmp_path / name))[0] == 0
    Response.objects.filter(survey=mini_survey).delete()

    code, out, _err = run("import_responses", "mini", str(tmp_path / name))

    assert code == 0 and summary(out) == [2, 0]
    assert snapshot() == before
