import pytest
from django.db import IntegrityError, transaction

from surveys.models import Answer, Response
from surveys.selectors import response_answers_get, survey_schema_get
from surveys.services import NewResponse, ResponseInvalid, response_create, responses_bulk_create
from surveys.validation import response_validate

VALID = {
    "level": "central",
    "body": "other",
    "body.other": "Высшая аудиторская палата",
    "years": "7",
    "channels.meeting": "5",
    "channels.phone": "2",
    "barriers": "perception other",
    "barriers.other": "Цифрлық сауатсыздық",
    "general": "4",
    "comment": "Жақсы сауалнама",
}


@pytest.mark.django_db
def test_a_response_is_stored_as_one_row_per_option_cell_and_value(mini_survey, mini_schema):
    response = response_create(survey=mini_survey, data=VALID, language="kk", source="web")
    rows = Answer.objects.filter(response=response)
    by_question = {}
    for row in rows.select_related("question", "option", "row"):
        by_question.setdefault(row.question.code, []).append(row)
    assert len(rows) == 9  # 5 single values, 2 matrix cells, 2 chosen barriers
    assert sorted(r.option.code for r in by_question["barriers"]) == ["other", "perception"]
    other = next(r for r in by_question["barriers"] if r.option.code == "other")
    assert other.value_text == "Цифрлық сауатсыздық"
    assert {r.row.code: r.value_int for r in by_question["channels"]} == {"meeting": 5, "phone": 2}
    assert by_question["years"][0].value_int == 7
    assert by_question["comment"][0].value_text == "Жақсы сауалнама"
    assert response.status == Response.Status.COMPLETE and response.submitted_at is not None


@pytest.mark.django_db
def test_stored_answers_read_back_equal_to_the_validated_ones(mini_survey, mini_schema):
    response = response_create(survey=mini_survey, data=VALID, language="ru", source="web")
    expected = response_validate(schema=mini_schema, data=VALID).answers
    assert response_answers_get(response=response, schema=mini_schema) == expected


@pytest.mark.django_db
def test_an_invalid_response_stores_nothing(mini_survey):
    data = {**VALID, "barriers": "perception language emotional gender", "barriers.other": ""}
    with pytest.raises(ResponseInvalid) as exc:
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    assert list(exc.value.result.errors) == ["barriers"]
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_draft_may_leave_required_questions_empty(mini_survey):
    response = response_create(
        survey=mini_survey, data={"general": "3"}, language="kk", source="web", complete=False
    )
    assert response.status == Response.Status.DRAFT and response.submitted_at is None


def test_new_response_cannot_be_made_from_an_invalid_result(mini_schema):
    result = response_validate(schema=mini_schema, data={"general": "8"})
    with pytest.raises(ResponseInvalid):
        NewResponse(language="kk", result=result)


@pytest.mark.django_db
def test_bulk_create_stores_many_responses_in_few_queries(
    mini_survey, mini_schema, django_assert_max_num_queries
):
    result = response_validate(schema=mini_schema, data=VALID)
    items = [NewResponse(language="kk", result=result) for _ in range(300)]
    # SQLite caps parameters per statement, so inserts come in chunks; never one per response.
    with django_assert_max_num_queries(40):
        count = responses_bulk_create(
            survey=mini_survey, schema=mini_schema, items=items, source="import"
        )
    assert count == 300
    assert Answer.objects.count() == 2700


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_for_the_same_option(mini_survey, mini_schema):
    response = response_create(survey=mini_survey, data=VALID, language="kk", source="web")
    barriers = mini_schema.questions["barriers"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(
            response=response,
            question_id=barriers.id,
            option_id=barriers.option_by_code["perception"].id,
        )


@pytest.mark.django_db
def test_the_database_refuses_a_complete_response_without_a_submission_time(mini_survey):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            survey=mini_survey, language="kk", source="web", status=Response.Status.COMPLETE
        )


@pytest.mark.django_db
def test_schema_is_read_in_a_fixed_number_of_queries(mini_survey, django_assert_num_queries):
    with django_assert_num_queries(7):
        schema = survey_schema_get(survey=mini_survey)
    assert [s.code for s in schema.sections] == ["one", "two"]
    assert schema.questions["body"].condition.question == "level"
    assert schema.questions["body"].condition.options == frozenset({"central"})
    assert schema.questions["channels"].scale_points() == [0, 1, 2, 3, 4, 5]
    assert schema.questions["channels"].scale_label(0).kk == "Бағалай алмаймын"


@pytest.mark.django_db
def test_a_condition_naming_options_of_two_questions_keeps_one_questions_codes(mini_survey):
    from surveys.models import Option, Question

    body = Question.objects.get(survey=mini_survey, code="body")
    stray = Option.objects.get(question__code="barriers", code="perception")
    body.show_if_options.add(stray)
    condition = survey_schema_get(survey=mini_survey).questions["body"].condition
    assert condition.question == "level"
    assert condition.options == frozenset({"central"})


def _fresh(survey):
    """The survey as a new request reads it: the schema cache is keyed on its updated_at."""
    from surveys.models import Survey

    return Survey.objects.get(pk=survey.pk)


@pytest.mark.django_db
def test_the_cached_schema_is_read_once_while_the_survey_is_unchanged(
    mini_survey, django_assert_num_queries
):
    from surveys.selectors import survey_schema_cached

    first = survey_schema_cached(survey=_fresh(mini_survey))
    with django_assert_num_queries(1):  # the survey itself
        again = survey_schema_cached(survey=_fresh(mini_survey))
    assert again is first


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["option", "row", "question", "section", "scale label"])
def test_editing_any_structure_row_outside_the_builder_renews_the_cached_schema(mini_survey, part):
    """As the admin's section, question and option pages and their imports do: row.save()."""
    from surveys.models import Option, Question, Row, ScaleLabel, Section
    from surveys.selectors import survey_schema_cached

    survey_schema_cached(survey=_fresh(mini_survey))
    obj = {
        "option": lambda: Option.objects.filter(question__survey=mini_survey).first(),
        "row": lambda: Row.objects.filter(question__survey=mini_survey).first(),
        "question": lambda: Question.objects.filter(survey=mini_survey).first(),
        "section": lambda: Section.objects.filter(survey=mini_survey).first(),
        "scale label": lambda: ScaleLabel.objects.filter(question__survey=mini_survey).first(),
    }[part]()
    field = {"question": "text_ru", "section": "title_ru"}.get(part, "label_ru")
    setattr(obj, field, "Изменено")
    obj.save()
    schema = survey_schema_cached(survey=_fresh(mini_survey))
    texts = (
        [o.label.ru for q in schema.questions.values() for o in q.options]
        + [r.label.ru for q in schema.questions.values() for r in q.rows]
        + [q.text.ru for q in schema.questions.values()]
        + [s.title.ru for s in schema.sections]
        + [t.ru for q in schema.questions.values() for _v, t in q.scale_labels]
    )
    assert "Изменено" in texts


@pytest.mark.django_db
def test_a_deleted_option_or_a_changed_condition_renews_the_cached_schema(mini_survey):
    from surveys.models import Option, Question
    from surveys.selectors import survey_schema_cached

    survey_schema_cached(survey=_fresh(mini_survey))
    Option.objects.get(question__survey=mini_survey, code="perception").delete()
    schema = survey_schema_cached(survey=_fresh(mini_survey))
    assert "perception" not in schema.questions["barriers"].option_by_code
    body = Question.objects.get(survey=mini_survey, code="body")
    body.show_if_options.clear()
    assert survey_schema_cached(survey=_fresh(mini_survey)).questions["body"].condition is None


@pytest.mark.django_db
def test_completing_clears_the_key_and_the_tag_and_keeps_the_day(mini_survey, mini_schema):
    from django.utils import timezone

    from surveys.services import day_of, response_complete, response_save_page, response_start

    draft = response_start(survey=mini_survey, language="kk", invitation_tag="a" * 64)
    for section in mini_schema.sections:
        page = {k: v for k, v in VALID.items() if k.partition(".")[0] in section.questions}
        response_save_page(
            response=draft,
            schema=mini_schema,
            section=section.code,
            data=page,
            language="kk",
            enforce_required=True,
        )
    started = Response.objects.get(pk=draft.pk).started_at

    done = response_complete(response=draft, schema=mini_schema)

    stored = Response.objects.get(pk=draft.pk)
    assert stored.status == Response.Status.COMPLETE
    assert stored.key is None and stored.invitation_tag == ""
    today = day_of(timezone.now())
    assert stored.submitted_at == stored.updated_at == today == done.submitted_at
    assert stored.started_at == day_of(started)
    # A second call changes nothing.
    assert response_complete(response=draft, schema=mini_schema).submitted_at == today


@pytest.mark.django_db
def test_bulk_imported_complete_responses_have_no_key_and_the_day_only(mini_survey, mini_schema):
    from datetime import UTC, datetime

    from surveys.services import day_of

    at = datetime(2022, 11, 10, 12, 5, 7, tzinfo=UTC)
    result = response_validate(schema=mini_schema, data=VALID)
    items = [
        NewResponse(language="kk", result=result, submitted_at=at),
        NewResponse(language="kk", result=result, complete=False),
    ]
    responses_bulk_create(survey=mini_survey, schema=mini_schema, items=items, source="import")
    complete, draft = Response.objects.order_by("pk")
    assert complete.key is None and complete.submitted_at == complete.started_at == day_of(at)
    assert draft.key is not None and draft.submitted_at is None


@pytest.mark.django_db
def test_saving_a_page_returns_what_the_response_then_holds(mini_survey, mini_schema):
    """The page view finds the next page from these, without reading the answers again; a
    changed answer that hides a question must leave it out, as the database does."""
    from surveys.selectors import response_answers_get
    from surveys.services import response_save_page, response_start

    draft = response_start(survey=mini_survey, language="kk")
    first = mini_schema.sections[0]

    def save(data):
        return response_save_page(
            response=draft,
            schema=mini_schema,
            section=first.code,
            data=data,
            language="kk",
            enforce_required=False,
        )

    saved = save({"level": "central", "body": "finance", "years": "7"})
    assert saved.held == response_answers_get(response=draft, schema=mini_schema)
    assert "body" in saved.held
    # Local bodies are not asked which ministry: the answer goes, in the result as in the rows.
    saved = save({"level": "local", "years": "7"})
    assert saved.held == response_answers_get(response=draft, schema=mini_schema)
    assert "body" not in saved.held and saved.held["level"]


def _tab(response):
    """What a browser tab's request reads before it saves: the draft row, then its answers."""
    return Response.objects.get(pk=response.pk)


@pytest.mark.django_db
def test_a_page_saved_with_the_answers_just_read_skips_the_locked_reread(mini_survey, mini_schema):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from surveys.services import response_save_page, response_start

    draft = response_start(survey=mini_survey, language="kk")
    first = mini_schema.sections[0].code
    tab = _tab(draft)
    held = response_answers_get(response=tab, schema=mini_schema)
    # The stamp (which locks and checks the row), the insert; no SELECT ... FOR UPDATE, no reread.
    with CaptureQueriesContext(connection) as captured:
        response_save_page(
            response=tab,
            schema=mini_schema,
            section=first,
            data={"level": "central", "body": "finance", "years": "7"},
            language="ru",
            enforce_required=False,
            held=held,
        )
    verbs = [q["sql"].split()[0] for q in captured.captured_queries]
    assert [v for v in verbs if v not in ("SAVEPOINT", "RELEASE")] == ["UPDATE", "INSERT"]
    assert response_answers_get(response=draft, schema=mini_schema)["years"].number == 7
    assert Response.objects.get(pk=draft.pk).language == "ru"


@pytest.mark.django_db
def test_a_tab_whose_answers_are_stale_rereads_them_under_the_lock(mini_survey, mini_schema):
    """Two tabs read the draft; one saves the page; the other's save must not trust what it
    read: it would insert rows beside the first tab's (the unique index refuses) or keep a
    question the first tab's answer hid."""
    from surveys.services import response_save_page, response_start

    draft = response_start(survey=mini_survey, language="kk")
    first = mini_schema.sections[0].code
    one, two = _tab(draft), _tab(draft)
    held_one = response_answers_get(response=one, schema=mini_schema)
    held_two = response_answers_get(response=two, schema=mini_schema)

    def save(tab, held, data):
        return response_save_page(
            response=tab,
            schema=mini_schema,
            section=first,
            data=data,
            language="kk",
            enforce_required=False,
            held=held,
        )

    save(one, held_one, {"level": "central", "body": "finance", "years": "7"})
    saved = save(two, held_two, {"level": "central", "body": "finance", "years": "9"})
    assert saved.held == response_answers_get(response=draft, schema=mini_schema)
    assert saved.held["years"].number == 9
    assert Answer.objects.filter(response=draft, question__code="years").count() == 1


@pytest.mark.django_db
def test_a_tab_of_a_response_completed_meanwhile_saves_nothing(mini_survey, mini_schema):
    from surveys.services import ResponseClosed, response_save_page, response_start

    draft = response_start(survey=mini_survey, language="kk")
    tab = _tab(draft)
    held = response_answers_get(response=tab, schema=mini_schema)
    Response.objects.filter(pk=draft.pk).update(
        status=Response.Status.COMPLETE, submitted_at=draft.started_at
    )
    with pytest.raises(ResponseClosed):
        response_save_page(
            response=tab,
            schema=mini_schema,
            section=mini_schema.sections[0].code,
            data={"level": "local", "years": "3"},
            language="kk",
            enforce_required=False,
            held=held,
        )
    assert not Answer.objects.filter(response=draft).exists()
