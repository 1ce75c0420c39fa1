"""The compiled wide decoder (surveys/formats/io/decode.py) gives exactly the records of
`answers_from_rows` + `answers_to_wide`, on valid responses and on rows no validation would store.
"""

from decimal import Decimal
from io import StringIO
from itertools import groupby
from operator import itemgetter

import pytest
from django.core.management import call_command
from django.db import connection

from surveys.answers import answers_to_wide, wide_columns
from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.formats.io import wide_records
from surveys.formats.io.decode import WideDecoder, answer_cells, cells_from_rows, wide_decoder
from surveys.formats.io.decode import _cells_from_row_tuples as row_tuple_cells
from surveys.formats.io.pages import (
    ResponseRow,
    column_kinds,
    response_public_id,
    response_public_ids,
    wide_cells_for,
    wide_columns_all,
    wide_rows_for,
    wide_typed,
    wide_typer,
)
from surveys.models import Answer, Response, Survey
from surveys.selectors import ANSWER_FIELDS, answers_from_rows, survey_schema_get
from surveys.services import response_create
from tests.conftest import DATA

SLUG = "civil-service-communication-2022"
POSTGRES = connection.vendor == "postgresql"


def old_records(schema, responses) -> dict[int, list[str]]:
    """Every response's answer cells the way wide_records built them before the decoder."""
    columns = wide_columns(schema)
    rows = (
        Answer.objects.filter(response__in=responses.values("pk"))
        .order_by("response_id")
        .values_list("response_id", *ANSWER_FIELDS)
    )
    found = {response_id: [] for response_id in responses.values_list("pk", flat=True)}
    for response_id, group in groupby(rows, key=itemgetter(0)):
        found[response_id] = [row[1:] for row in group]
    out = {}
    for response_id, answers in found.items():
        wide = answers_to_wide(schema, answers_from_rows(schema, answers))
        out[response_id] = ["", "", *(wide.get(column, "") for column in columns)]
    return out


def assert_every_way_equal(survey, responses) -> int:
    schema = survey_schema_get(survey=survey)
    decoder = wide_decoder(schema)
    expected = old_records(schema, responses)
    empty = decoder.empty()
    ways = {"default": dict(answer_cells(decoder=decoder, responses=responses))}
    ways["ids"] = dict(answer_cells(decoder=decoder, ids=list(expected)))
    ways["row tuples"] = dict(row_tuple_cells(decoder, connection, responses, None))
    for name, found in ways.items():
        for response_id, cells in expected.items():
            assert found.get(response_id, empty) == cells, (name, response_id)
    records = list(wide_records(survey=survey, schema=schema, responses=responses))
    assert [record[2:] for record in records] == [
        cells[2:] for _, cells in sorted(expected.items())
    ]
    return len(expected)


# The seeded paper dataset ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_paper_dataset", stdout=StringIO())
        yield Survey.objects.get(slug=SLUG)
        Response.objects.filter(survey__slug=SLUG).delete()
        Survey.objects.filter(slug=SLUG).delete()


@pytest.mark.django_db
def test_every_seeded_response_decodes_as_before(seeded, monkeypatch):
    responses = Response.objects.filter(survey=seeded)
    assert assert_every_way_equal(seeded, responses) == responses.count() > 4000
    assert old_path_taken(seeded, responses, monkeypatch) == 0


def old_path_taken(survey, responses, monkeypatch) -> int:
    """How many records the decoder handed to the old functions, read both ways."""
    taken = []
    monkeypatch.setattr(WideDecoder, "old_cells", lambda self, rows: taken.append(rows) or [])
    decoder = wide_decoder(survey_schema_get(survey=survey))
    list(answer_cells(decoder=decoder, responses=responses))
    list(row_tuple_cells(decoder, connection, responses, None))
    monkeypatch.undo()
    return len(taken)


# Hand-made rows ----------------------------------------------------------------------------------


def ids(schema, code: str, option: str | None = None, row: str | None = None) -> dict:
    question = schema.questions[code]
    found = {"question_id": question.id}
    if option is not None:
        found["option_id"] = question.option_by_code[option].id
    if row is not None:
        found["row_id"] = question.row_by_code[row].id
    return found


@pytest.fixture
def odd(mini_survey, mini_schema):
    """Responses of the mini survey, valid ones and rows stored behind validation's back."""
    schema = mini_schema
    common = {"survey": mini_survey, "language": "ru", "source": Response.Source.IMPORT}
    made = [
        response_create(
            data={
                "level": "central",
                "body": "other",
                "body.other": "Министерство: 2 бөлім\nжәне: «тағы»",
                "years": "0",
                "channels.phone": "3",
                "barriers": "other gender perception",
                "barriers.other": "  : a b :  ",
                "general": "5",
                "comment": "көп  бос орын ",
            },
            partial=True,  # complete with a matrix half answered
            **common,
        ),
        response_create(data={"level": "local"}, complete=False, **common),  # a draft
        response_create(data={}, complete=False, **common),  # no answer at all
    ]

    def extra(*rows: dict, data: dict | None = None) -> None:
        data = {"level": "local"} if data is None else data
        response = response_create(data=data, complete=False, **common)
        Answer.objects.bulk_create(Answer(response=response, **row) for row in rows)
        made.append(response)

    extra(  # two options of a single choice; a text on an option that is not "other"
        {**ids(schema, "body", "finance")},
        {**ids(schema, "body", "other"), "value_text": "x"},
        {**ids(schema, "barriers", "language"), "value_text": "said on language"},
    )
    extra(  # a matrix cell with no value, a number below zero, an option with a number
        {**ids(schema, "channels", row="meeting")},
        {**ids(schema, "channels", row="phone"), "value_int": 17, "value_text": "ignored"},
        {**ids(schema, "years"), "value_int": -12},
        {**ids(schema, "barriers", "none"), "value_int": 4},
    )
    extra(  # a choice's own value, a number with a text, an empty text
        {**ids(schema, "barriers"), "value_int": 3, "value_text": "t"},
        {**ids(schema, "general"), "value_int": 99, "value_text": "99?"},
        {**ids(schema, "comment"), "value_text": ""},
        {**ids(schema, "years"), "value_decimal": Decimal("1.5")},
    )
    extra(  # an option of another question, a row of a question that has none
        {"question_id": schema.questions["level"].id, **_only_option(schema, "body", "finance")},
        {"question_id": schema.questions["years"].id, **_only_row(schema, "channels", "phone")},
        data={},  # with a second option of "level" the old path raised, and so does the new
    )
    extra(  # an option of a question on a cell of a matrix
        {**ids(schema, "channels", row="meeting"), "value_int": 2},
        {**ids(schema, "channels", row="phone"), **_only_option(schema, "barriers", "gender")},
    )
    return mini_survey


def _only_option(schema, code: str, option: str) -> dict:
    return {"option_id": schema.questions[code].option_by_code[option].id}


def _only_row(schema, code: str, row: str) -> dict:
    return {"row_id": schema.questions[code].row_by_code[row].id}


@pytest.mark.django_db
def test_hand_made_rows_decode_as_before(odd, monkeypatch):
    responses = Response.objects.filter(survey=odd)
    assert assert_every_way_equal(odd, responses) == 8
    # two options of a single choice, an option of another question, an option on a cell
    assert old_path_taken(odd, responses, monkeypatch) == 2 * 3


@pytest.mark.django_db
def test_drafts_and_a_narrowed_selection_decode_as_before(odd):
    assert assert_every_way_equal(odd, Response.objects.filter(survey=odd, status="draft")) == 7
    schema = survey_schema_get(survey=odd)
    complete = list(wide_records(survey=odd, schema=schema))
    everything = list(wide_records(survey=odd, schema=schema, include_drafts=True))
    assert len(complete) == 1 and len(everything) == 8
    assert complete[0] in everything


@pytest.fixture
def decimals_survey(db):
    survey = questionnaire_load(
        data=definition_parse(text=(DATA / "notes_decimals.yaml").read_text())
    )
    schema = survey_schema_get(survey=survey)
    common = {"survey": survey, "language": "kk", "source": Response.Source.IMPORT}
    for data in (
        {"level": "central", "rate": "0.5", "hours": "12", "share": "0,125"},
        {"level": "local", "rate": "1", "hours": "0.1"},
        {"level": "local", "rate": "1.5"},
    ):
        response_create(data=data, **common)
    response = response_create(data={"level": "local"}, complete=False, **common)
    Answer.objects.bulk_create(
        Answer(response=response, **row)
        for row in (
            {**ids(schema, "rate"), "value_decimal": Decimal("123456789012.123456")},
            {**ids(schema, "hours"), "value_decimal": Decimal("-0.000001"), "value_text": "x"},
            {**ids(schema, "share"), "value_int": 3},
            {**ids(schema, "welcome"), "value_text": "a note has no column"},
        )
    )
    return survey


@pytest.mark.django_db
def test_decimals_and_notes_decode_as_before(decimals_survey):
    responses = Response.objects.filter(survey=decimals_survey)
    assert assert_every_way_equal(decimals_survey, responses) == 4
    schema = survey_schema_get(survey=decimals_survey)
    records = list(wide_records(survey=decimals_survey, schema=schema))
    rate = 2 + wide_columns(schema).index("rate")
    assert [record[rate] for record in records] == ["0.50", "1.00", "1.50"]


def test_a_record_takes_the_old_path_when_the_tables_do_not_foresee_a_row(mini_schema):
    decoder = wide_decoder(mini_schema)
    with pytest.raises(KeyError):  # a question of no schema: as answers_from_rows did
        cells_from_rows(decoder, [(10**9, None, None, 1, "", None)])
    body = mini_schema.questions["body"]
    options = [(body.id, option.id, None, None, "", None) for option in body.options]
    expected = answers_to_wide(mini_schema, answers_from_rows(mini_schema, options[::-1]))
    cells = cells_from_rows(decoder, options[::-1])
    assert cells[decoder.columns.index("body")] == expected["body"] == "finance other"


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL reads the answers aggregated")
@pytest.mark.django_db
def test_postgresql_reads_one_row_per_response(odd, django_assert_max_num_queries):
    schema = survey_schema_get(survey=odd)
    with django_assert_max_num_queries(4):
        records = list(wide_records(survey=odd, schema=schema, include_drafts=True))
    assert len(records) == 8


@pytest.mark.parametrize("labels", [None, "kk", "ru"])
@pytest.mark.django_db
def test_api_values_are_typed_as_before(odd, labels):
    schema = survey_schema_get(survey=odd)
    responses = Response.objects.filter(survey=odd).order_by("id")
    rows = [ResponseRow(r.id, r.language, r.submitted_at, r.updated_at) for r in responses]
    columns = wide_columns_all(schema=schema)
    kinds = column_kinds(schema=schema)
    cells = wide_cells_for(schema=schema, rows=rows)
    dicts = wide_rows_for(schema=schema, rows=rows)
    for row, record, as_dict in zip(rows, cells, dicts, strict=True):
        answers = Answer.objects.filter(response_id=row.id).values_list(*ANSWER_FIELDS)
        old = {
            "language": row.language,
            "submitted_at": record[1],
            **answers_to_wide(schema, answers_from_rows(schema, list(answers))),
        }
        assert {c: as_dict[c] for c in columns} == {c: old.get(c, "") for c in columns}
        for chosen in (columns, ["barriers", "channels.phone", "level", "body.other", "years"]):
            typer = wide_typer(schema=schema, columns=chosen, labels=labels)
            try:
                before = wide_typed(
                    schema=schema, record=old, columns=chosen, kinds=kinds, labels=labels
                )
            except ValueError:  # a matrix cell stored without a value reads "None"
                with pytest.raises(ValueError):
                    typer(record)
                continue
            assert list(typer(record).items()) == list(before.items())


def test_public_ids_keyed_once_are_the_same():
    ids = [1, 2, 99, 10**12]
    assert response_public_ids(response_ids=ids) == [response_public_id(response_id=i) for i in ids]
