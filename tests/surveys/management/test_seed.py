"""`manage.py seed_paper_dataset` and its generator: the paper's tables, counted from answer rows.

The full data set (4790 responses, about 400,000 answer rows) is seeded once for the module, by the
command itself, on the real 2022 questionnaire, and removed at the end.
"""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import Count, Max, Min

from surveys.formats.definitions import definition_parse, questionnaire_load
from surveys.management.commands import seed_paper_dataset
from surveys.management.seed import (
    OTHER_TEXTS,
    ResponseFiller,
    SeedError,
    apportion,
    deal_exact,
    paper_responses_build,
    paper_responses_generate,
)
from surveys.models import Answer, Response, Survey
from surveys.selectors import survey_schema_get
from surveys.services import day_of
from surveys.validation import response_validate

SLUG = "civil-service-communication-2022"
WEST = ("aktobe", "west_kazakhstan", "mangystau", "atyrau")
# The paper's figures, restated here rather than imported from the generator.
TABLE_1 = {
    "meeting": (54, 57, 205, 456, 1290),
    "phone": (46, 64, 356, 652, 944),
    "email": (49, 103, 377, 575, 958),
    "written": (56, 91, 294, 559, 1062),
}
TABLE_2 = {
    "perception": 1122,
    "citizen_behaviour": 1241,
    "servant_behaviour": 310,
    "language": 374,
    "emotional": 686,
    "cultural": 487,
    "gender": 79,
    "other": 99,
}

SMALL = """
slug: small-paper
title: {kk: "Шағын", ru: "Малая"}
sections:
  - code: profile
    title: {kk: "Профиль", ru: "Профиль"}
    questions:
      - code: region
        type: single
        text: {kk: "Өңір", ru: "Регион"}
        options:
          - {code: astana, label: {kk: "Астана", ru: "Астана"}}
          - {code: aktobe, label: {kk: "Ақтөбе", ru: "Актобе"}}
          - {code: west_kazakhstan, label: {kk: "БҚО", ru: "ЗКО"}}
          - {code: mangystau, label: {kk: "Маңғыстау", ru: "Мангистау"}}
          - {code: atyrau, label: {kk: "Атырау", ru: "Атырау"}}
          - {code: kostanay, label: {kk: "Қостанай", ru: "Костанай"}}
      - code: body_level
        type: single
        text: {kk: "Деңгей", ru: "Уровень"}
        options:
          - {code: central, label: {kk: "Орталық", ru: "Центральный"}}
          - {code: local, label: {kk: "Жергілікті", ru: "Местный"}}
  - code: central
    title: {kk: "Орталық", ru: "Центр"}
    show_if: {question: body_level, options: [central]}
    questions:
      - code: rate_central
        type: matrix
        text: {kk: "Бағалаңыз", ru: "Оцените"}
        rows:
          - {code: heads, label: {kk: "Басшылар", ru: "Руководители"}}
        scale: {min: 1, max: 5, na: true}
  - code: channels
    title: {kk: "Арналар", ru: "Каналы"}
    questions:
      - code: channel_effectiveness
        type: matrix
        text: {kk: "Тиімділік", ru: "Эффективность"}
        rows:
          - {code: meeting, label: {kk: "Кездесу", ru: "Встреча"}}
          - {code: phone, label: {kk: "Телефон", ru: "Телефон"}}
          - {code: email, label: {kk: "Пошта", ru: "Почта"}}
          - {code: written, label: {kk: "Жазбаша", ru: "Письменно"}}
        scale: {min: 1, max: 5}
      - code: barriers
        type: multiple
        text: {kk: "Кедергілер", ru: "Барьеры"}
        min_choices: 1
        max_choices: 3
        options:
          - {code: perception, label: {kk: "Қабылдау", ru: "Восприятие"}}
          - {code: citizen_behaviour, label: {kk: "Азаматтар", ru: "Граждане"}}
          - {code: servant_behaviour, label: {kk: "Қызметшілер", ru: "Служащие"}}
          - {code: language, label: {kk: "Тіл", ru: "Язык"}}
          - {code: emotional, label: {kk: "Эмоция", ru: "Эмоции"}}
          - {code: cultural, label: {kk: "Мәдени", ru: "Культура"}}
          - {code: gender, label: {kk: "Гендер", ru: "Гендер"}}
          - {code: other, label: {kk: "Басқа", ru: "Другое"}, other: true}
      - code: comment
        type: long_text
        required: false
        text: {kk: "Пікір", ru: "Комментарий"}
"""


def schema_of(text):
    return survey_schema_get(survey=questionnaire_load(data=definition_parse(text=text)))


def west_tables(items):
    """Table 1 and Table 2 recounted from generated wide data."""
    west = [item.data for item in items if item.data["region"] in WEST]
    cells = Counter((r, d[f"channel_effectiveness.{r}"]) for d in west for r in TABLE_1)
    table_1 = {r: tuple(cells[r, s] for s in range(1, 6)) for r in TABLE_1}
    return len(west), table_1, dict(Counter(c for d in west for c in d["barriers"]))


# The generator alone, on small questionnaires.


def test_dealing_keeps_every_count_and_never_repeats_a_code_in_a_hand():
    import random

    sizes = [3] * 600 + [2] * 600 + [1] * 500
    hands = deal_exact(random.Random(1), {"a": 1500, "b": 900, "c": 700, "d": 300, "e": 100}, sizes)
    assert sorted(len(hand) for hand in hands) == sorted(sizes)
    assert Counter(code for hand in hands for code in hand) == {
        "a": 1500, "b": 900, "c": 700, "d": 300, "e": 100,
    }  # fmt: skip


def test_apportioning_sums_to_the_total_in_proportion():
    assert apportion({"x": 1, "y": 1, "z": 1}, 10) == {"x": 4, "y": 3, "z": 3}
    assert sum(apportion({"a": 520, "b": 40, "c": 130}, 2728).values()) == 2728


@pytest.mark.django_db
def test_small_questionnaire_gets_the_exact_tables_and_valid_responses():
    schema = schema_of(SMALL)
    items = paper_responses_generate(schema=schema)
    assert len(items) == 4790
    assert west_tables(items) == (2062, TABLE_1, TABLE_2)
    built = paper_responses_build(schema=schema)
    assert [b.result.answers["region"].options[0] for b in built] == [
        i.data["region"] for i in items
    ]
    central = [i.data for i in items if i.data["body_level"] == "central"]
    local = [i.data for i in items if i.data["body_level"] == "local"]
    assert all("rate_central.heads" in d for d in central)
    assert central and local and not any("rate_central.heads" in d for d in local)


@pytest.mark.django_db
def test_another_seed_gives_other_data_with_the_same_tables():
    schema = schema_of(SMALL)
    first, other = (paper_responses_generate(schema=schema, seed=s) for s in (1, 2))
    assert [i.data for i in first] != [i.data for i in other]
    assert west_tables(first) == west_tables(other) == (2062, TABLE_1, TABLE_2)


@pytest.mark.django_db
def test_a_questionnaire_without_the_paper_codes_is_refused(mini_schema):
    with pytest.raises(SeedError, match="region"):
        paper_responses_generate(schema=mini_schema)


def test_filler_respects_conditions_exclusive_options_and_other_texts(mini_schema):
    import random

    filler = ResponseFiller(schema=mini_schema, rng=random.Random(5))
    data = [filler.data(language="kk" if n % 2 else "ru") for n in range(600)]
    for d in data:
        assert response_validate(schema=mini_schema, data=d).is_valid, d
        assert ("body" in d) == (d["level"] == "central")
        assert "none" not in d["barriers"] or d["barriers"] == ["none"]
        assert ("barriers.other" in d) == ("other" in d["barriers"])
    assert any(d["barriers"] == ["none"] for d in data)
    assert any("barriers.other" in d for d in data)


# The command, once, on the real questionnaire.


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert not Survey.objects.filter(slug=SLUG).exists()
        out = StringIO()
        call_command("seed_paper_dataset", stdout=out)
        survey = Survey.objects.get(slug=SLUG)
        yield survey, out.getvalue()
        Answer.objects.filter(response__survey=survey).delete()
        survey.responses.all().delete()
        survey.delete()


def answers(survey, code, **filters):
    return Answer.objects.filter(question__survey=survey, question__code=code, **filters)


def west_responses(survey):
    return answers(survey, "region", option__code__in=WEST).values("response_id")


@pytest.mark.django_db
def test_command_loads_the_questionnaire_and_reports_what_it_stored(seeded):
    survey, output = seeded
    assert f"Loaded {SLUG}" in output
    assert "4790 responses (2062 in the four western regions)" in output
    responses = survey.responses.all()
    assert responses.count() == 4790
    assert set(responses.values_list("source", "status").distinct()) == {("seed", "complete")}


@pytest.mark.django_db
def test_stored_regions_match_the_paper(seeded):
    survey, _output = seeded
    by_region = dict(
        answers(survey, "region").values_list("option__code").annotate(n=Count("id")).order_by()
    )
    assert sum(by_region.values()) == 4790
    assert by_region["aktobe"] + by_region["west_kazakhstan"] == 1506
    assert (by_region["mangystau"], by_region["atyrau"]) == (371, 185)
    assert sum(by_region[r] for r in WEST) == 2062
    assert len(by_region) == 20


@pytest.mark.django_db
def test_table_1_counted_from_the_answer_rows(seeded):
    survey, _output = seeded
    rows = (
        answers(survey, "channel_effectiveness", response__in=west_responses(survey))
        .values_list("row__code", "value_int")
        .annotate(n=Count("id"))
        .order_by()
    )
    counted = {(row, score): n for row, score, n in rows}
    expected = {(r, s): n for r, counts in TABLE_1.items() for s, n in enumerate(counts, start=1)}
    assert counted == expected


@pytest.mark.django_db
def test_table_2_counted_from_the_answer_rows(seeded):
    survey, _output = seeded
    rows = (
        answers(survey, "barriers", response__in=west_responses(survey))
        .values_list("option__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert dict(rows) == TABLE_2
    assert sum(TABLE_2.values()) == 4398


@pytest.mark.django_db
def test_each_western_respondent_named_one_to_three_barriers(seeded):
    survey, _output = seeded
    per_response = (
        answers(survey, "barriers", response__in=west_responses(survey))
        .values("response_id")
        .annotate(n=Count("id"))
        .order_by()
        .aggregate(people=Count("response_id"), low=Min("n"), high=Max("n"))
    )
    assert per_response == {"people": 2062, "low": 1, "high": 3}


@pytest.mark.django_db
def test_other_barriers_carry_a_text_in_the_response_language(seeded):
    survey, _output = seeded
    others = list(
        answers(
            survey, "barriers", option__code="other", response__in=west_responses(survey)
        ).values_list("response__language", "value_text")
    )
    assert len(others) == 99
    pool = {"kk": {kk for kk, _ru in OTHER_TEXTS["barriers"]},
            "ru": {ru for _kk, ru in OTHER_TEXTS["barriers"]}}  # fmt: skip
    assert all(text.strip() and text in pool[language] for language, text in others)
    assert {language for language, _text in others} == {"kk", "ru"}
    assert not answers(survey, "barriers", value_text="").filter(option__code="other").exists()


@pytest.mark.django_db
def test_conditional_questions_are_answered_exactly_when_shown(seeded):
    survey, _output = seeded
    schema = survey_schema_get(survey=survey)
    conditional = [q for q in schema.questions.values() if q.condition is not None]
    assert {"rate_central", "rate_local", "personal_channel_effectiveness"} <= {
        q.code for q in conditional
    }
    for q in conditional:
        shown = answers(survey, q.condition.question, option__code__in=q.condition.options).values(
            "response_id"
        )
        answered = answers(survey, q.code).values("response_id").distinct()
        assert not answered.exclude(response_id__in=shown).exists(), q.code
        if q.required:
            assert answered.count() == shown.count(), q.code
    assert not answers(
        survey, "rate_central", response__in=answers(survey, "body_level", option__code="local")
        .values("response_id")
    ).exists()  # fmt: skip


@pytest.mark.django_db
def test_a_mix_of_languages_and_mostly_local_bodies(seeded):
    survey, _output = seeded
    languages = Counter(survey.responses.values_list("language", flat=True))
    assert 0.45 < languages["kk"] / 4790 < 0.65
    local = answers(survey, "body_level", option__code="local").count()
    assert 0.7 < local / 4790 < 0.82


@pytest.mark.django_db
def test_generator_is_deterministic_and_is_what_the_command_stored(seeded):
    survey, _output = seeded
    schema = survey_schema_get(survey=survey)
    items = paper_responses_generate(schema=schema)
    assert [i.data for i in items] == [i.data for i in paper_responses_generate(schema=schema)]
    assert all(response_validate(schema=schema, data=i.data).is_valid for i in items)
    stored = list(survey.responses.order_by("id").values_list("language", "submitted_at"))
    # The 2022 survey is anonymous: only the day of each submission is kept.
    assert stored == [(i.language, day_of(i.submitted_at)) for i in items]


@pytest.mark.django_db
def test_running_the_command_again_changes_nothing(seeded):
    survey, _output = seeded
    out = StringIO()
    call_command("seed_paper_dataset", stdout=out)
    assert "already seeded" in out.getvalue()
    assert survey.responses.count() == 4790
    assert Survey.objects.filter(slug=SLUG).count() == 1


@pytest.mark.django_db
def test_force_replaces_the_responses(seeded, monkeypatch):
    survey, _output = seeded
    real = seed_paper_dataset.paper_responses_build
    # Store only a few of the generated responses, to keep the test quick.
    monkeypatch.setattr(seed_paper_dataset, "paper_responses_build", lambda **kw: real(**kw)[:5])
    Response.objects.filter(pk=survey.responses.first().pk).update(source=Response.Source.WEB)
    out = StringIO()
    call_command("seed_paper_dataset", "--force", "--seed", "7", stdout=out)
    assert "Deleted 4790 responses: 4789 seed, 1 web." in out.getvalue()
    assert survey.responses.count() == 5
    assert set(survey.responses.values_list("source", flat=True)) == {"seed"}


def test_seeded_responses_start_before_they_are_submitted_in_2022(seeded):
    times = Response.objects.aggregate(first=Min("started_at"), last=Max("submitted_at"))
    assert times["first"].year == 2022 and times["last"].year == 2022
    # Days only (anonymous survey): a start may fall on its submission's day, never after it.
    assert not Response.objects.filter(started_at__gt=models.F("submitted_at")).exists()
