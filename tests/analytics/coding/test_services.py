"""The code book, the assignments, the texts list and the coded tables, through the services."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from analytics.coding.models import OpenCode, OpenCoding, text_hash
from analytics.coding.selectors import coded_tables_get, open_texts_list
from analytics.coding.services import (
    ERRORS,
    open_code_create,
    open_code_delete,
    open_codings_assign,
    open_codings_unassign,
)
from surveys.models import Answer, Response
from surveys.selectors import survey_schema_get
from tests.analytics.coding.conftest import SECRET

pytestmark = pytest.mark.django_db


def _texts(survey, **kwargs):
    schema = survey_schema_get(survey=survey)
    return open_texts_list(
        survey=survey, schema=schema, question=schema.questions["barriers"], filters={}, **kwargs
    )


def _coded(survey, exact=True, filters=None):
    schema = survey_schema_get(survey=survey)
    return coded_tables_get(
        survey=survey, schema=schema, filters=filters or {}, language="ru", exact=exact
    )


def _code(survey, **kwargs):
    return open_code_create(
        survey=survey, schema=survey_schema_get(survey=survey), question_code="barriers", **kwargs
    )


def _by_code(table):
    return {o["code"]: o for o in table["options"]}


def test_texts_are_grouped_normalised_and_counted(survey):
    texts = _texts(survey)
    assert [(t.text, t.respondents) for t in texts.texts] == [
        (SECRET, 3),
        ("медленно", 2),
        ("Тіл білмейді", 1),
    ]
    assert (texts.total, texts.coded) == (3, 0)
    assert [t.text for t in _texts(survey, search="МЕДЛ").texts] == ["медленно"]
    assert [t.text for t in _texts(survey, language="kk").texts] == ["Тіл білмейді"]


def test_a_new_code_needs_both_labels_with_clear_errors(survey):
    with pytest.raises(ValidationError) as caught:
        _code(survey, label_kk="", label_ru="Медленно")
    assert caught.value.message_dict.keys() == {"label_kk"}
    with translation.override("ru"):
        assert caught.value.messages == [str(ERRORS["label_kk"])]
    with pytest.raises(ValidationError) as caught:
        _code(survey, label_kk=" ", label_ru=" ")
    assert caught.value.message_dict.keys() == {"label_kk", "label_ru"}
    with pytest.raises(ValidationError):
        _code(survey, option_code="other")
    with pytest.raises(ValidationError):
        _code(survey, option_code="no_such")
    code = _code(survey, label_kk="Баяу", label_ru="Медленно")
    assert code.new_code and code.code == "медленно"
    with pytest.raises(ValidationError):
        _code(survey, label_kk="Баяу", label_ru="Медленно")
    option = _code(survey, option_code="language")
    assert (option.label_ru, option.new_code) == ("Язык", False)


def test_coding_a_text_codes_every_respondent_who_wrote_it(survey, researcher):
    _client, user = researcher
    slow = _code(survey, label_kk="Баяу", label_ru="Медленно", user=user)
    language = _code(survey, option_code="language")
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash("медленно"), text_hash(SECRET)],
        code_ids=[slow.pk],
        user=user,
    )
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash("Тіл білмейді")],
        code_ids=[language.pk],
        user=user,
    )
    coding = OpenCoding.objects.get(code=slow, text_hash=text_hash("медленно"))
    assert coding.coded_by == user and coding.coded_at is not None
    table = _coded(survey)["barriers"]
    entries = _by_code(table)
    # 5 texts coded slow (new); the Kazakh one coded "language", where 11 already were.
    assert (entries["slow" if "slow" in entries else "медленно"]["count"]) == 5
    assert entries["медленно"]["new_code"] is True
    assert entries["медленно"]["coded_from_other"] == 5
    assert (entries["language"]["count"], entries["language"]["coded_from_other"]) == (7, 1)
    assert entries["other"]["count"] == 0
    assert _texts(survey, uncoded_only=True).texts == []
    open_codings_unassign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash(SECRET)],
        code_ids=[slow.pk],
    )
    assert _by_code(_coded(survey)["barriers"])["other"]["count"] == 3
    open_code_delete(code=slow)
    assert not OpenCoding.objects.filter(code_id=slow.pk).exists()
    assert list(_coded(survey)) == ["barriers"]  # the option code remains


def test_no_codes_no_coded_tables(survey):
    assert _coded(survey) == {}


def test_the_coding_survives_a_re_import_of_the_same_responses(survey, tmp_path):
    slow = _code(survey, label_kk="Баяу", label_ru="Медленно")
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash("медленно"), text_hash(SECRET)],
        code_ids=[slow.pk],
    )
    before = _coded(survey)
    path = tmp_path / "responses.csv"
    call_command("export_responses", "mini", "-o", str(path))
    old_ids = set(Response.objects.filter(survey=survey).values_list("pk", flat=True))
    Answer.objects.filter(response__survey=survey).delete()
    Response.objects.filter(survey=survey).delete()
    assert _coded(survey)["barriers"]["respondents"] == 0
    call_command("import_responses", "mini", str(path))
    new_ids = set(Response.objects.filter(survey=survey).values_list("pk", flat=True))
    assert new_ids and not new_ids & old_ids
    assert _coded(survey) == before
    assert _texts(survey).coded == 2


def test_an_aggregates_only_table_is_perturbed_and_refused_for_a_small_selection(survey):
    slow = _code(survey, label_kk="Баяу", label_ru="Медленно")
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash("медленно")],
        code_ids=[slow.pk],
    )
    protected = _coded(survey, exact=False)["barriers"]
    k = survey.min_cell_size
    for entry in protected["options"]:
        assert entry["count"] == 0 or entry["count"] >= k  # never 1..k-1
        assert entry["coded_from_other"] == 0 or entry["coded_from_other"] >= k
    # A filter that leaves fewer than k respondents outside it: no coded table at all.
    assert _coded(survey, exact=False, filters={"level": ["central"]}) == {}


def test_the_same_coded_cell_gets_the_same_noise_every_time(survey):
    slow = _code(survey, label_kk="Баяу", label_ru="Медленно")
    open_codings_assign(
        survey=survey, question_code="barriers", text_hashes=[text_hash(SECRET)], code_ids=[slow.pk]
    )
    assert _coded(survey, exact=False) == _coded(survey, exact=False)
    assert OpenCode.objects.count() == 1


def test_the_results_json_gains_coded_only_when_the_survey_has_codes(survey):
    import json
    from io import StringIO

    def document():
        out = StringIO()
        call_command("results", "mini", "--language", "ru", stdout=out)
        return json.loads(out.getvalue())

    plain = document()
    assert "coded" not in plain
    slow = _code(survey, label_kk="Баяу", label_ru="Медленно")
    open_codings_assign(
        survey=survey, question_code="barriers", text_hashes=[text_hash(SECRET)], code_ids=[slow.pk]
    )
    with_codes = document()
    assert {k: v for k, v in with_codes.items() if k != "coded"} == plain
    table = with_codes["coded"]["barriers"]
    assert table["coded"] is True and table["type"] == "multiple"
    entries = _by_code(table)
    assert (entries["медленно"]["count"], entries["медленно"]["new_code"]) == (3, True)
    assert entries["медленно"]["label"] == "Медленно"
    assert entries["other"]["count"] == 3 and entries["other"]["coded_from_other"] == 0


def test_the_codebook_lists_the_coded_variable_and_its_codes(survey):
    from analytics.coding.selectors import codebook_coded_get
    from surveys.formats.codebook import codebook_rows

    schema = survey_schema_get(survey=survey)
    assert codebook_rows(schema=schema, coded=codebook_coded_get(survey=survey, schema=schema)) == (
        codebook_rows(schema=schema)
    )
    _code(survey, label_kk="Баяу", label_ru="Медленно")
    rows = codebook_rows(schema=schema, coded=codebook_coded_get(survey=survey, schema=schema))
    variables = [row["variable"] for row in rows]
    assert variables.index("barriers.coded") == variables.index("barriers.other") + 1
    row = rows[variables.index("barriers.coded")]
    assert row["type"] == "coded"
    assert row["values"][-1] == {"code": "медленно", "label": {"kk": "Баяу", "ru": "Медленно"}}
    assert [v["code"] for v in row["values"][:2]] == ["perception", "language"]


def test_the_coded_crosstab_counts_the_coded_entries_by_group(survey):
    from analytics.crosstab import crosstab_compute

    slow = _code(survey, label_kk="Баяу", label_ru="Медленно")
    open_codings_assign(
        survey=survey, question_code="barriers", text_hashes=[text_hash(SECRET)], code_ids=[slow.pk]
    )
    schema = survey_schema_get(survey=survey)
    table = crosstab_compute(
        survey=survey,
        schema=schema,
        filters={},
        question="barriers.coded",
        by="level",
        language="ru",
        exact=True,
    )
    rows = {row["code"]: row["counts"] for row in table["rows"]}
    columns = [column["code"] for column in table["columns"]]
    central = columns.index("central")
    assert rows["медленно"][central] == 3
    assert rows["other"][central] == 3  # "медленно" twice and the Kazakh text: not coded
    assert rows["perception"][central] == 9
    assert table["multiple_response"] is True
    assert "(" in table["question_text"]
