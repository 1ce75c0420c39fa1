"""What a report holds, decided before any layout: the reader's tables, the method's facts, and
the tables as text (hand-made tables)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Invitation, InvitationUse
from analytics.report.content import Block, ReportError, report_content, report_tables
from analytics.report.grids import block_rows, table_1_rows, table_2_rows
from surveys.services import response_create
from tests.analytics.test_views import BASE


@pytest.fixture
def survey(mini_survey):
    for i in range(12):
        level = "central" if i % 3 else "local"
        data = {**BASE, "level": level, "body": "finance" if level == "central" else None}
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


def content(survey, schema, *, exact, language="ru"):
    return report_content(survey=survey, schema=schema, filters={}, language=language, exact=exact)


@pytest.mark.django_db
def test_an_unknown_weighting_scheme_is_refused_in_the_active_language(survey, mini_schema):
    with translation.override("kk"), pytest.raises(ReportError) as error:
        report_tables(survey=survey, schema=mini_schema, filters={}, exact=True, weights="x")
    with translation.override("kk"):
        expected = gettext("This survey has no weighting scheme named “%(name)s”.")
    assert str(error.value) == expected % {"name": "x"}


@pytest.mark.django_db
def test_the_response_rate_is_exact_for_researchers_and_rounded_for_the_others(survey, mini_schema):
    invitations = [
        Invitation.objects.create(survey=survey, external_id=f"e{i}", organisation="Org")
        for i in range(30)
    ]
    for invitation in invitations[:11]:
        InvitationUse.objects.create(invitation=invitation)
    exact = content(survey, mini_schema, exact=True).invitations
    assert (exact.sent, exact.used, exact.rate) == (30, 11, 36.7)
    protected = content(survey, mini_schema, exact=False).invitations
    assert (protected.sent, protected.used, protected.rate) == (30, None, 35.0)


@pytest.mark.django_db
def test_without_invitations_there_is_no_response_rate(survey, mini_schema):
    assert content(survey, mini_schema, exact=True).invitations is None


@pytest.mark.django_db
def test_submission_dates_are_given_to_researchers_only(survey, mini_schema):
    start, end = content(survey, mini_schema, exact=True).fieldwork
    assert start is not None and end is not None
    assert content(survey, mini_schema, exact=False).fieldwork == (None, None)


@pytest.mark.django_db
def test_the_barriers_are_crossed_by_the_first_profile_question(survey, mini_schema):
    crosstabs = content(survey, mini_schema, exact=True).crosstabs
    assert [(t["question"], t["by"]) for t in crosstabs] == [("barriers", "level")]
    perception = next(r for r in crosstabs[0]["rows"] if r["code"] == "perception")
    assert perception["counts"] == [8, 4]  # central, local: exact


@pytest.mark.django_db
def test_the_protected_content_holds_the_protected_tables(survey, mini_schema):
    from analytics.models import ResultSnapshot

    protected = content(survey, mini_schema, exact=False)
    snapshot = ResultSnapshot.objects.get(survey=survey, filters={})
    shown = {block.code: block.table for block in protected.blocks}
    for code, table in snapshot.protected["tables"].items():
        if code in shown:
            counts = [o.get("count") for o in table.get("options") or []]
            assert [o.get("count") for o in shown[code].get("options") or []] == counts
    assert protected.respondents == snapshot.protected["respondents"]
    assert protected.protection and not protected.exact


def block(table, **extra):
    return Block(code="q", title="Q", table=table, svg="", scale_labels=extra.pop("labels", {}),
                 **extra)  # fmt: skip


def test_table_1_has_a_column_per_scale_point_and_cannot_assess_last():
    table = {"type": "matrix", "rows": [
        {"code": "a", "label": "A", "counts": {"0": 3, "1": 5, "2": 7}, "n": 12, "mean": 1.58},
        {"code": "b", "label": "B", "counts": {"0": None, "1": None, "2": None}, "n": None},
    ]}  # fmt: skip
    with translation.override("ru"):
        header, rows, note = table_1_rows(block(table, labels={"1": "Низко", "2": "Высоко"}))
        assert header == [gettext("Item"), "1", "2", gettext("Cannot assess")]
    assert rows == [["A", "5", "7", "3"], ["B", "—", "—", "—"]]
    assert "1 — Низко" in note and "2 — Высоко" in note


def test_table_2_ends_with_the_total_of_answers_marked_with_the_note():
    table = {"type": "multiple", "respondents": 10, "answers": 16, "options": [
        {"code": "x", "label": "X", "count": 9, "percent_of_answers": 56.25,
         "percent_of_respondents": 90.0},
        {"code": "y", "label": "Y", "count": 7, "percent_of_answers": 43.75,
         "percent_of_respondents": 70.0},
    ]}  # fmt: skip
    with translation.override("ru"):
        _header, rows, note = table_2_rows(block(table, max_choices=3))
        total = gettext("Total")
    assert [row[:2] for row in rows] == [["X", "9"], ["Y", "7"], [total, "16*"]]
    assert note.startswith("*") and "3" in note and "10" in note


def test_a_rating_gives_each_points_share_of_those_who_rated():
    table = {"type": "rating", "counts": {"1": 1, "2": 3}, "n": 4, "mean": 1.75, "sd": 0.5}
    with translation.override("ru"):
        _header, rows, note = block_rows(block(table, labels={"1": "Плохо"}))
    assert [row[1] for row in rows] == ["1", "3"]
    assert rows[0][0] == "1 — Плохо" and rows[1][2].replace(",", ".") == "75.0"
    assert "1" in note and "4" in note
