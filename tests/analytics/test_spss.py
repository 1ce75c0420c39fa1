"""The raw responses as SPSS .sav (analytics/spss.py): names, values, labels in kk and ru."""

import math
from datetime import UTC, datetime

import pandas as pd
import pyreadstat
import pytest
from django.utils import timezone

from analytics.exports import (
    responses_sav,
    sav_variables,
    sav_write,
)
from surveys.answers import wide_columns
from surveys.formats.io import LANGUAGE, SUBMITTED_AT
from surveys.models import Response
from surveys.schema import OptionSpec, QuestionSpec, RowSpec, SectionSpec, SurveySchema, Text
from surveys.services import response_create


def t(kk: str, ru: str) -> Text:
    return Text(kk, ru)


def hand_schema() -> SurveySchema:
    other = OptionSpec(4, "other", t("Басқа", "Другое"), is_other=True)
    questions = [
        QuestionSpec(1, "level", "single", "one", t("Деңгей", "Уровень"), options=(
            OptionSpec(1, "central", t("Орталық", "Центральный")),
            OptionSpec(2, "local", t("Жергілікті", "Местный")),
        )),
        QuestionSpec(2, "barriers", "multiple", "one", t("Кедергілер", "Барьеры"), options=(
            OptionSpec(3, "language", t("Тіл", "Язык")), other,
        )),
        QuestionSpec(3, "channels", "matrix", "one", t("Арналар", "Каналы"), scale_min=1,
                     scale_max=5, scale_na=True,
                     rows=(RowSpec(1, "meeting", t("Кездесу", "Встреча")),),
                     scale_labels=((0, t("Бағалай алмаймын", "Не могу оценить")),
                                   (1, t("Төмен", "Низкая")))),
        QuestionSpec(4, "general", "rating", "one", t("Жалпы", "Общий"), scale_min=1, scale_max=5),
        QuestionSpec(5, "years", "number", "one", t("Өтілі", "Стаж")),
        QuestionSpec(6, "comment", "long_text", "one", t("Пікір", "Комментарий")),
        QuestionSpec(7, "by", "short_text", "one", t("Кім", "Кто")),
        QuestionSpec(8, "m" * 64, "matrix", "one", t("Ұзын", "Длинный"), scale_min=1, scale_max=3,
                     rows=(RowSpec(2, "a" * 10, t("А", "А")), RowSpec(3, "a" * 11, t("Б", "Б")))),
    ]  # fmt: skip
    codes = tuple(q.code for q in questions)
    return SurveySchema(
        survey_id=1,
        slug="hand",
        sections=(SectionSpec(1, "one", t("Бір", "Один"), codes),),
        questions={q.code: q for q in questions},
    )


def wide(schema, **cells) -> list[str]:
    language = cells.pop("language", "kk")
    submitted = cells.pop("submitted_at", "")
    return [
        language,
        submitted,
        *(cells.get(c.replace(".", "__"), "") for c in wide_columns(schema)),
    ]


def write_sav(tmp_path, schema, records, language):
    path = tmp_path / f"{language}.sav"
    count = sav_write(schema=schema, records=records, language=language, path=path)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    return count, frame, meta


RECORDS = [
    dict(level="local", barriers="language other", barriers__other="Уақыт & <жоқ>",
         channels__meeting="0", general="4", years="12", comment="=1+2", by="Мен",
         submitted_at="2022-11-10T10:30:00+06:00"),
    dict(language="ru", level="central", channels__meeting="5", general="1"),
]  # fmt: skip


def test_spss_names_follow_the_wide_columns_are_valid_and_unique():
    names = [v.name for v in sav_variables(schema=hand_schema(), language="kk")]
    assert names[:9] == [
        "language", "submitted_at", "level", "barriers_language", "barriers_other",
        "barriers_other_text", "channels_meeting", "general", "years",
    ]  # fmt: skip
    assert names[9:11] == ["comment", "by_"]  # BY is an SPSS keyword
    long_a, long_b = names[11:]
    assert len(long_a) == len(long_b) == 64 and long_a != long_b
    assert names == [v.name for v in sav_variables(schema=hand_schema(), language="ru")]


def test_sav_holds_the_values_with_missing_as_missing(tmp_path):
    schema = hand_schema()
    count, frame, _ = write_sav(tmp_path, schema, [wide(schema, **r) for r in RECORDS], "kk")
    assert count == 2
    first, second = frame.to_dict("records")
    assert first["language"] == "kk" and second["language"] == "ru"
    assert first["submitted_at"] == datetime(2022, 11, 10, 10, 30)
    assert (first["level"], second["level"]) == (2, 1)
    assert (first["barriers_language"], first["barriers_other"]) == (1, 1)
    assert math.isnan(second["barriers_language"])  # not answered is not "not chosen"
    assert first["barriers_other_text"] == "Уақыт & <жоқ>"
    assert (first["channels_meeting"], second["channels_meeting"]) == (0, 5)
    assert (first["general"], first["years"]) == (4, 12)
    assert math.isnan(second["years"])
    assert first["comment"] == "=1+2" and second["comment"] == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", {"level": "Деңгей", "channels_meeting": "Арналар — Кездесу",
                "barriers_other": "Кедергілер — Басқа", "barriers_other_text": "Кедергілер — Басқа",
                "level_values": {1.0: "Орталық", 2.0: "Жергілікті"},
                "scale": {0.0: "Бағалай алмаймын", 1.0: "Төмен"},
                "languages": {"kk": "Қазақша", "ru": "Орысша"}}),
        ("ru", {"level": "Уровень", "channels_meeting": "Каналы — Встреча",
                "barriers_other": "Барьеры — Другое", "barriers_other_text": "Барьеры — Другое",
                "level_values": {1.0: "Центральный", 2.0: "Местный"},
                "scale": {0.0: "Не могу оценить", 1.0: "Низкая"},
                "languages": {"kk": "Казахский", "ru": "Русский"}}),
    ],
)  # fmt: skip
def test_sav_variable_and_value_labels_are_in_the_chosen_language(tmp_path, language, expected):
    schema = hand_schema()
    _, _, meta = write_sav(tmp_path, schema, [wide(schema, **r) for r in RECORDS], language)
    labels = meta.column_names_to_labels
    for name in ("level", "channels_meeting", "barriers_other", "barriers_other_text"):
        assert labels[name] == expected[name]
    values = meta.variable_value_labels
    assert values["level"] == expected["level_values"]
    assert values["channels_meeting"] == expected["scale"]
    assert values["language"] == expected["languages"]
    assert set(values["barriers_language"]) == {0.0, 1.0}
    assert "general" not in values  # a rating without scale labels has none
    assert meta.missing_ranges["channels_meeting"] == [{"lo": 0.0, "hi": 0.0}]
    assert meta.variable_measure["channels_meeting"] == "ordinal"


def test_sav_cuts_overlong_labels_between_characters(tmp_path):
    schema = hand_schema()
    long = "Ұ" * 200
    question = schema.questions["level"]
    schema.questions["level"] = QuestionSpec(**{**question.__dict__, "text": Text(long, long)})
    _, _, meta = write_sav(tmp_path, schema, [], "kk")
    label = meta.column_names_to_labels["level"]
    assert label.endswith("…") and len(label.encode()) <= 256


def test_a_record_of_the_wrong_width_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cells"):
        sav_write(schema=hand_schema(), records=[["kk"]], language="kk", path=tmp_path / "x")


def test_survey_responses_export_to_sav_from_the_database(tmp_path, mini_survey, mini_schema):
    # Time formats are what this checks: a named survey keeps the time (anonymous ones the day).
    mini_survey.anonymous = False
    mini_survey.save(update_fields=["anonymous"])
    kwargs = {"survey": mini_survey, "schema": mini_schema, "source": Response.Source.WEB}
    data = {
        "level": "central", "body": "other", "body.other": "Әділет", "years": "12",
        "channels.meeting": "4", "channels.phone": "0", "barriers": "perception other",
        "barriers.other": "Уақыт жоқ", "general": "5",
    }  # fmt: skip
    when = datetime(2022, 11, 10, 4, 30, tzinfo=UTC)
    response_create(data=data, language="kk", submitted_at=when, **kwargs)
    response_create(data={"level": "local"}, language="ru", complete=False, **kwargs)
    path = tmp_path / "mini.sav"
    assert responses_sav(survey=mini_survey, language="ru", path=path) == 1
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    row = frame.to_dict("records")[0]
    assert row["submitted_at"] == datetime(2022, 11, 10, 10, 30)  # Almaty time
    assert (row["level"], row["body"], row["body_other_text"]) == (1, 2, "Әділет")
    chosen = [row[f"barriers_{code}"] for code in ("perception", "language", "other")]
    assert chosen == [1, 0, 1]
    assert (row["channels_meeting"], row["channels_phone"]) == (4, 0)
    assert meta.column_names_to_labels["barriers_other_text"] == "Барьеры (не более трех) — Другое"
    assert meta.variable_value_labels["channels_phone"][5.0] == "Отлично"
    assert meta.file_label == "Мини-анкета"
    seen: list[int] = []
    count = responses_sav(
        survey=mini_survey, language="kk", path=path, include_drafts=True, on_record=seen.append
    )
    assert count == 2 and seen == [1, 2]


def reference_sav(schema, records, language, path) -> None:
    """The .sav as written before the compact columns: float64 numbers, a datetime64 time."""
    variables = sav_variables(schema=schema, language=language)
    columns = [LANGUAGE, SUBMITTED_AT, *wide_columns(schema)]
    rows = [dict(zip(columns, record, strict=True)) for record in records]
    zone = timezone.get_default_timezone()
    data = {}
    for v in variables:
        cells = [row[v.column] for row in rows]
        if v.kind == "code":
            data[v.name] = [float(v.codes.get(x, math.nan)) for x in cells]
        elif v.kind == "dummy":
            data[v.name] = [float(v.option in x.split()) if x else math.nan for x in cells]
        elif v.kind == "number":
            data[v.name] = [float(x) if x else math.nan for x in cells]
        elif v.kind == "datetime":
            times = [
                datetime.fromisoformat(x).astimezone(zone).replace(tzinfo=None) if x else None
                for x in cells
            ]
            data[v.name] = pd.Series(times, dtype="datetime64[us]")
        else:
            data[v.name] = pd.Series(cells, dtype=object)
    frame = pd.DataFrame({k: pd.Series(x, dtype=None) for k, x in data.items()})
    for v in variables:
        if v.kind in ("code", "dummy", "number"):
            frame[v.name] = frame[v.name].astype("float64")
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label="Сауалнама",
        column_labels={v.name: v.label for v in variables},
        variable_value_labels={v.name: dict(v.value_labels) for v in variables if v.value_labels},
        missing_ranges={v.name: list(v.missing) for v in variables if v.missing},
        variable_measure={v.name: v.measure for v in variables},
        variable_format={
            v.name: "F8.0" for v in variables if v.kind in ("code", "dummy", "number")
        },
    )


@pytest.mark.parametrize("rows", [0, 1, 3000])
def test_sav_reads_back_the_same_as_a_plain_float64_frame_would(tmp_path, rows):
    schema = hand_schema()
    more = dict(RECORDS[0], submitted_at="2022-11-10T10:30:00.123457+06:00", years="2.5")
    samples = [*RECORDS, more, dict(language="ru", years="123456789012")]
    records = [wide(schema, **samples[i % len(samples)]) for i in range(rows)]
    mine, theirs = tmp_path / "mine.sav", tmp_path / "reference.sav"
    sav_write(schema=schema, records=records, language="ru", path=mine, file_label="Сауалнама")
    reference_sav(schema, records, "ru", theirs)
    frame, meta = pyreadstat.read_sav(str(mine), user_missing=True)
    expected, expected_meta = pyreadstat.read_sav(str(theirs), user_missing=True)
    pd.testing.assert_frame_equal(frame, expected)
    assert len(frame) == rows
    for key in (
        "column_names", "column_names_to_labels", "variable_value_labels", "missing_ranges",
        "variable_measure", "original_variable_types", "readstat_variable_types",
        "variable_storage_width", "variable_display_width",
    ):  # fmt: skip
        assert getattr(meta, key) == getattr(expected_meta, key), key
    assert meta.file_label == expected_meta.file_label == "Сауалнама"
