"""`import_responses --source kobo|limesurvey [--mapping FILE]`: another tool's export, as the
researcher downloads it, imports with the answers of the equivalent wide file."""

import csv
from pathlib import Path

import pytest

from surveys.models import Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.validation import AnswerError
from tests.surveys.management.test_response_commands import (
    first_number,
    reported,
    run,
    summary,
    write_csv,
)

# The equivalent wide file of both exports below, row for row.
WIDE = [
    {
        "language": "kk",
        "submitted_at": "2022-11-10T09:30:00+06:00",
        "level": "central",
        "body": "other",
        "body.other": "Әділет министрлігі",
        "years": "12",
        "channels.meeting": "4",
        "channels.phone": "0",
        "barriers": "perception other",
        "barriers.other": "Уақыт жоқ",
        "general": "5",
    },
    {
        "language": "kk",
        "submitted_at": "2022-11-11T15:00:00+06:00",
        "level": "local",
        "years": "3",
        "channels.meeting": "1",
        "channels.phone": "2",
        "barriers": "none",
        "general": "2",
        "comment": "Жоқ, рахмет",
    },
]
KOBO_META = {
    "start": "2022-11-10T09:10:00.000+06:00",
    "end": "2022-11-10T09:29:00.000+06:00",
    "today": "2022-11-10",
    "deviceid": "collect:abc",
    "meta/instanceID": "uuid:1",
    "_id": "101",
    "_uuid": "1",
    "_validation_status": "",
    "_index": "1",
    "__version__": "vX",
}
# Kobo's "XLS" export, XML values, groups in headers: sections and the matrix are groups; the
# multiple choice both as one column and as one 0/1 column per option; times in UTC.
KOBO = [
    {
        **KOBO_META,
        "one/level": "central",
        "one/body": "other",
        "one/body_other": "Әділет министрлігі",
        "one/years": "12",
        "two/channels/channels_meeting": "4",
        "two/channels/channels_phone": "0",
        "two/barriers": "perception other",
        "two/barriers/perception": "1",
        "two/barriers/none": "0",
        "two/barriers/other": "1",
        "two/barriers_other": "Уақыт жоқ",
        "two/general": "5",
        "two/comment": "",
        "_submission_time": "2022-11-10T03:30:00",
    },
    {
        **KOBO_META,
        "one/level": "local",
        "one/years": "3",
        "two/channels/channels_meeting": "1",
        "two/channels/channels_phone": "2",
        "two/barriers": "none",
        "two/barriers/perception": "0",
        "two/barriers/none": "1",
        "two/barriers/other": "0",
        "two/general": "2",
        "two/comment": "Жоқ, рахмет",
        "_submission_time": "2022-11-11T09:00:00",
    },
]
LIME_META = {"lastpage": "2", "seed": "123", "token": "", "startdate": "", "ipaddr": ""}
# LimeSurvey's CSV export, answer codes, question codes as headings (in capitals, as LimeSurvey
# users write them); row 3 was never submitted.
LIMESURVEY = [
    {
        "id": "1",
        "submitdate": "2022-11-10 09:30:00",
        **LIME_META,
        "startlanguage": "kk",
        "LEVEL": "CENTRAL",
        "BODY": "-oth-",
        "BODY[other]": "Әділет министрлігі",
        "YEARS": "12.0000000000",
        "CHANNELS[MEETING]": "4",
        "CHANNELS[PHONE]": "0",
        "BARRIERS[PERCEPTION]": "Y",
        "BARRIERS[NONE]": "",
        "BARRIERS[other]": "Уақыт жоқ",
        "GENERAL": "5",
        "COMMENT": "",
        "interviewtime": "81.5",
    },
    {"id": "2", "submitdate": "", **LIME_META, "startlanguage": "ru", "LEVEL": "LOCAL"},
    {
        "id": "3",
        "submitdate": "2022-11-11 15:00:00",
        **LIME_META,
        "startlanguage": "en",  # neither kk nor ru: the survey's default language
        "LEVEL": "LOCAL",
        "YEARS": "3",
        "CHANNELS[MEETING]": "1",
        "CHANNELS[PHONE]": "2",
        "BARRIERS[NONE]": "Y",
        "GENERAL": "2",
        "COMMENT": "Жоқ, рахмет",
    },
]


def stored(survey) -> list[tuple]:
    schema = survey_schema_get(survey=survey)
    return [
        (r.language, r.submitted_at, response_answers_get(response=r, schema=schema))
        for r in Response.objects.filter(survey=survey).order_by("submitted_at")
    ]


@pytest.fixture
def wide_answers(mini_survey, tmp_path):
    """What the equivalent wide file stores; the survey is left empty again."""
    assert run("import_responses", "mini", str(write_csv(tmp_path / "wide.csv", WIDE)))[0] == 0
    answers = stored(mini_survey)
    Response.objects.filter(survey=mini_survey).delete()
    return answers


def test_a_kobo_export_stores_the_answers_of_the_wide_file(mini_survey, wide_answers, tmp_path):
    path = write_csv(tmp_path / "kobo.csv", KOBO)
    code, out, err = run("import_responses", "mini", str(path), "--source", "kobo")
    assert (code, err) == (0, "")
    assert summary(out) == [2, 0]
    assert stored(mini_survey) == wide_answers


def test_kobo_one_column_per_option_alone_is_read(mini_survey, wide_answers, tmp_path):
    rows = [{k: v for k, v in row.items() if k != "two/barriers"} for row in KOBO]
    path = write_csv(tmp_path / "kobo.csv", rows)
    assert run("import_responses", "mini", str(path), "--source", "kobo")[0] == 0
    assert stored(mini_survey) == wide_answers


def test_a_limesurvey_export_stores_the_answers_of_the_wide_file(
    mini_survey, wide_answers, tmp_path
):
    path = write_csv(tmp_path / "lime.csv", LIMESURVEY)
    code, out, err = run("import_responses", "mini", str(path), "--source", "limesurvey")
    assert (code, err) == (0, "")
    assert first_number(out.splitlines()[0]) == 1  # the unsubmitted response, left out
    assert summary(out) == [2, 0]
    assert stored(mini_survey) == wide_answers


def test_an_unsubmitted_limesurvey_response_is_imported_with_allow_partial(mini_survey, tmp_path):
    path = write_csv(tmp_path / "lime.csv", LIMESURVEY)
    args = ("import_responses", "mini", str(path), "--source", "limesurvey", "--allow-partial")
    code, out, _err = run(*args)
    assert code == 0 and summary(out) == [3, 0]
    languages = Response.objects.filter(survey=mini_survey).values_list("language", flat=True)
    assert sorted(languages) == ["kk", "kk", "ru"]


def test_row_errors_name_the_source_row_and_column(mini_survey, tmp_path):
    too_many = {f"BARRIERS[{code}]": "Y" for code in ("PERCEPTION", "LANGUAGE", "EMOTIONAL")}
    rows = [
        LIMESURVEY[0],  # row 2
        LIMESURVEY[1],  # row 3: never submitted, skipped
        {**LIMESURVEY[2], **too_many, "BARRIERS[GENDER]": "Y", "BARRIERS[NONE]": ""},  # row 4
        {**LIMESURVEY[2], "BARRIERS[NONE]": "X"},  # row 5: not a tick
        {**LIMESURVEY[2], "GENERAL": "9"},  # row 6
    ]
    path = write_csv(tmp_path / "lime.csv", rows)
    code, _out, err = run(
        "import_responses", "mini", str(path), "--source", "limesurvey", "--language", "ru"
    )
    assert code == 1
    max_choices = AnswerError("max_choices", {"limit": 3}).message("ru")
    assert reported(err, 4, "BARRIERS[PERCEPTION], BARRIERS[LANGUAGE]", max_choices)
    assert reported(err, 5, "BARRIERS[NONE]", "X")
    out_of_scale = AnswerError("out_of_scale", {"min": 1, "max": 5}).message("ru")
    assert reported(err, 6, "GENERAL:", out_of_scale)
    assert summary(err) == [1, 3]


def test_a_kobo_row_error_names_the_group_path(mini_survey, tmp_path):
    path = write_csv(tmp_path / "kobo.csv", [KOBO[0], {**KOBO[1], "two/general": "9"}])
    code, _out, err = run("import_responses", "mini", str(path), "--source", "kobo")
    assert code == 1
    out_of_scale = AnswerError("out_of_scale", {"min": 1, "max": 5}).message("kk")
    assert reported(err, 3, "two/general:", out_of_scale)


def write_mapping(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mapping_file_renames_and_skips_columns(mini_survey, wide_answers, tmp_path):
    # `end` replaces `_submission_time` (here emptied) as the time of submission.
    rows = [
        {
            **{("Q_YEARS" if k == "one/years" else k): v for k, v in row.items()},
            "enumerator_note": "checked",
            "_submission_time": "",
            "end": row["_submission_time"] + "Z",
        }
        for row in KOBO
    ]
    path = write_csv(tmp_path / "kobo.csv", rows)
    mapping = write_mapping(
        tmp_path / "map.yaml",
        "columns:\n  Q_YEARS: years\n  enumerator_note: skip\n  end: submitted_at\n",
    )
    args = ("import_responses", "mini", str(path), "--source", "kobo", "--mapping", str(mapping))
    code, _out, err = run(*args)
    assert (code, err) == (0, "")
    assert stored(mini_survey) == wide_answers


def test_a_mapping_can_name_an_option_column(mini_survey, tmp_path):
    rows = [{**{k: v for k, v in WIDE[1].items() if k != "barriers"}, "language": "ru"}]
    rows[0].update({"нет барьеров": "1", "язык": "0"})
    path = write_csv(tmp_path / "paper.csv", rows)
    mapping = write_mapping(
        tmp_path / "map.yaml",
        "columns:\n  нет барьеров: barriers[none]\n  язык: barriers[language]\n",
    )
    code, _out, err = run("import_responses", "mini", str(path), "--mapping", str(mapping))
    assert (code, err) == (0, "")
    ((language, _at, answers),) = stored(mini_survey)
    assert language == "ru"
    assert answers["barriers"].options == ("none",)


@pytest.mark.parametrize(
    ("mapping", "extra", "expected"),
    [
        ("columns:\n  A: level\n  B: level\n", {"A": "local", "B": "local"}, ["A", "B", "level"]),
        ("columns:\n  A: colour\n", {"A": "red"}, ["A", "colour"]),
        ("columns:\n  A: years\n", {"A": "3"}, ["one/years, A", "years"]),
        ("columns: [A]\n", {}, ["columns:"]),
        ("columns:\n  A: skip\n", {"mystery": "1"}, ["mystery", "skip"]),
    ],
)
def test_a_bad_mapping_or_header_stores_nothing(mini_survey, tmp_path, mapping, extra, expected):
    path = write_csv(tmp_path / "kobo.csv", [{**KOBO[1], **extra}])
    mapping_path = write_mapping(tmp_path / "map.yaml", mapping)
    code, _out, err = run(
        "import_responses", "mini", str(path), "--source", "kobo", "--mapping", str(mapping_path)
    )
    assert code == 2
    assert all(word in err for word in expected)
    assert not Response.objects.filter(survey=mini_survey).exists()


def test_two_kobo_columns_for_one_question_are_refused_with_both_names(mini_survey, tmp_path):
    row = {**KOBO[1], "level": "local"}  # `one/level` and `level` both become `level`
    path = write_csv(tmp_path / "kobo.csv", [row])
    code, _out, err = run("import_responses", "mini", str(path), "--source", "kobo")
    assert code == 2 and "one/level, level" in err


def test_an_unknown_column_is_refused_without_a_preset(mini_survey, tmp_path):
    path = write_csv(tmp_path / "kobo.csv", KOBO)
    code, _out, err = run("import_responses", "mini", str(path))
    assert code == 2 and "one/level" in err


def test_a_semicolon_limesurvey_file_reads_too(mini_survey, tmp_path):
    path = tmp_path / "lime.csv"
    columns = list(dict.fromkeys(k for row in LIMESURVEY for k in row))
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, restval="", delimiter=";")
        writer.writeheader()
        writer.writerows(LIMESURVEY)
    assert run("import_responses", "mini", str(path), "--source", "limesurvey")[0] == 0


def test_a_limesurvey_export_imports_into_the_survey_made_from_its_lss(db, tmp_path):
    """Numeric LimeSurvey codes (`1`, `2`, `SQ001`) became `a1`, `a2`, `sq001` when the .lss was
    imported; the response export's values and headers find them again."""
    from surveys.formats.limesurvey.convert import limesurvey_import
    from tests.surveys.formats.limesurvey_support import group, lss, lss_file, question

    both = {"ru": "Вопрос", "kk": "Сұрақ"}
    answers = [("1", {"ru": "Да", "kk": "Иә"}), ("2", {"ru": "Нет", "kk": "Жоқ"})]
    rows = [("SQ001", {"ru": "Строка", "kk": "Жол"}), ("SQ002", {"ru": "Ещё", "kk": "Тағы"})]
    content = lss(
        [
            group(
                {"ru": "Раздел", "kk": "Бөлім"},
                [
                    question("Q1", "L", both, answers=answers),
                    question("Q2", "M", both, subquestions=[("1", both), ("2", both)]),
                    question("Q3", "A", both, subquestions=rows),
                ],
            )
        ],
        languages=("kk", "ru"),
    )
    survey, _report = limesurvey_import(file=lss_file(content), user=None, slug="lime")
    schema = survey_schema_get(survey=survey)
    assert set(schema.questions["q1"].option_by_code) == {"a1", "a2"}
    export = write_csv(
        tmp_path / "lime.csv",
        [
            {
                "id": "1",
                "submitdate": "2024-03-01 10:00:00",
                "startlanguage": "ru",
                "Q1": "2",
                "Q2[1]": "Y",
                "Q2[2]": "",
                "Q3[SQ001]": "4",
                "Q3[SQ002]": "5",
            }
        ],
    )
    code, _out, err = run("import_responses", "lime", str(export), "--source", "limesurvey")
    assert code == 0, err
    response = Response.objects.get(survey=survey)
    answers_got = response_answers_get(response=response, schema=schema)
    assert answers_got["q1"].options == ("a2",)
    assert answers_got["q2"].options == ("a1",)
    assert dict(answers_got["q3"].cells) == {"sq001": 4, "sq002": 5}
