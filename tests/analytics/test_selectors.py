import pytest

from analytics.selectors import (
    answer_counts_get,
    pair_counts_get,
    responses_selected,
    responses_watermark,
)
from surveys.services import response_create

pytestmark = pytest.mark.django_db

BASE = {
    "level": "central",
    "body": "finance",
    "years": "7",
    "channels.meeting": "5",
    "channels.phone": "0",
    "barriers": "perception language",
    "general": "4",
}


@pytest.fixture
def answered(mini_survey):
    response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    response_create(
        survey=mini_survey,
        data={**BASE, "level": "local", "body": None, "barriers": "language", "years": "20"},
        language="ru",
        source="web",
    )
    response_create(
        survey=mini_survey, data={"general": "2"}, language="kk", source="web", complete=False
    )
    return mini_survey


def test_counts_come_from_complete_responses_only(answered, mini_schema):
    counts = answer_counts_get(survey=answered, schema=mini_schema, filters={})
    assert counts.respondents == 2
    frame = counts.counts
    barriers = frame[frame.question == "barriers"].set_index("option")["count"].to_dict()
    assert barriers == {"perception": 1, "language": 2}
    cells = frame[frame.question == "channels"]
    assert set(zip(cells.row, cells.value, cells["count"], strict=True)) == {
        ("meeting", 5.0, 2),
        ("phone", 0.0, 2),
    }
    assert counts.answered["barriers"] == 2 and counts.answered["body"] == 1
    assert sorted(counts.numbers["years"]) == [7, 20]


def test_counts_take_few_queries_whatever_the_size(
    answered, mini_schema, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        answer_counts_get(survey=answered, schema=mini_schema, filters={})
    # The filter is evaluated once, into a temporary table: a savepoint, create, fill, analyze
    # (PostgreSQL), the three reads, drop, release.
    with django_assert_max_num_queries(9):
        answer_counts_get(survey=answered, schema=mini_schema, filters={"level": ["central"]})


def test_filtered_counts_match_the_filter_and_can_be_repeated(answered, mini_schema):
    for _ in range(2):  # the temporary table of the first call is gone
        counts = answer_counts_get(
            survey=answered, schema=mini_schema, filters={"level": ["local"]}
        )
        assert counts.respondents == 1
        assert counts.answered == {"level": 1, "channels": 1, "barriers": 1, "general": 1}
        assert counts.numbers == {"years": [20]}


def test_a_failed_computation_leaves_no_temporary_table(answered, mini_schema, monkeypatch):
    from analytics import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("lost")

    monkeypatch.setattr(selectors, "_answered_sum", broken)
    with pytest.raises(RuntimeError):
        answer_counts_get(survey=answered, schema=mini_schema, filters={"level": ["local"]})
    monkeypatch.undo()
    counts = answer_counts_get(survey=answered, schema=mini_schema, filters={"level": ["local"]})
    assert counts.respondents == 1


def test_number_summaries_keep_every_repeated_value(mini_survey, mini_schema):
    for years in ("7", "7", "20"):
        response_create(
            survey=mini_survey, data={**BASE, "years": years}, language="kk", source="web"
        )
    counts = answer_counts_get(survey=mini_survey, schema=mini_schema, filters={})
    assert sorted(counts.numbers["years"]) == [7, 7, 20]


def test_a_filter_keeps_respondents_with_any_of_its_options(answered, mini_schema):
    def count(filters):
        return responses_selected(survey=answered, schema=mini_schema, filters=filters).count()

    assert count({"level": ["central"]}) == 1
    assert count({"level": ["central", "local"]}) == 2
    assert count({"level": ["local"], "barriers": ["perception"]}) == 0


def test_pair_counts_cross_an_option_list_with_a_group(answered, mini_schema):
    pairs = pair_counts_get(
        survey=answered, schema=mini_schema, filters={}, question="barriers", by="level"
    )
    assert pairs.cells == {
        ("perception", "central"): 1,
        ("language", "central"): 1,
        ("language", "local"): 1,
    }
    assert pairs.group_sizes == {"central": 1, "local": 1}
    assert pairs.respondents == 2


def test_watermark_moves_with_each_completed_response(answered):
    count, last = responses_watermark(survey=answered)
    assert count == 2 and last is not None


def _distinct_pairs(survey, schema) -> dict[str, int]:
    """Respondents per question the slow, obvious way: distinct (response, question) pairs."""
    from django.db.models import Count

    from analytics.selectors import CLOSED_TYPES
    from surveys.models import Answer, Response

    closed = [q.id for q in schema.questions.values() if q.type in CLOSED_TYPES]
    rows = (
        Answer.objects.filter(
            response__survey=survey,
            response__status=Response.Status.COMPLETE,
            question_id__in=closed,
        )
        .values_list("question__code")
        .annotate(n=Count("response", distinct=True))
    )
    return dict(rows)


def test_respondents_per_question_from_the_marked_rows_equal_the_distinct_pairs(
    mini_survey, mini_schema
):
    """Answers written every way a row is written: whole responses, page saves that change
    options, empty a matrix row or hide a question, then completion; every marked row is the
    only one of its (response, question)."""
    import random

    from surveys.models import Answer
    from surveys.services import response_complete, response_save_page, response_start

    rng = random.Random(7)
    for _ in range(6):
        response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    for _ in range(12):
        draft = response_start(survey=mini_survey, language="ru")
        for _save in range(3):
            level = rng.choice(["central", "local"])
            response_save_page(
                response=draft,
                schema=mini_schema,
                section="one",
                data={"level": level, "body": "finance" if level == "central" else None,
                      "years": str(rng.randint(0, 50))},
                language="ru",
                enforce_required=False,
            )  # fmt: skip
            chosen = rng.sample(
                ["perception", "language", "emotional", "gender"], rng.randint(1, 3)
            )
            response_save_page(
                response=draft,
                schema=mini_schema,
                section="two",
                data={"channels.meeting": str(rng.randint(0, 5)),
                      "channels.phone": str(rng.randint(0, 5)) if _save == 2 else "",
                      "barriers": " ".join(chosen), "general": str(rng.randint(1, 5))},
                language="ru",
                enforce_required=False,
            )  # fmt: skip
        response_complete(response=draft, schema=mini_schema)
    counts = answer_counts_get(survey=mini_survey, schema=mini_schema, filters={})
    assert counts.answered == _distinct_pairs(mini_survey, mini_schema)
    assert counts.answered["barriers"] == 18 and counts.answered["body"] < 18
    marked = Answer.objects.filter(marks_respondent=True)
    pairs = Answer.objects.values("response", "question").distinct()
    assert marked.count() == pairs.count()
    assert marked.values("response", "question").distinct().count() == marked.count()
