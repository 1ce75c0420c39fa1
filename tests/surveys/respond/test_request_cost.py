"""What one respondent request costs in SQL: the page's own reads and writes, nothing per visit.

Cheap requests are an accessibility matter too (issue 17: old phones, slow networks, a busy
server at a ministry's deadline). These counts are exact and machine-independent, unlike times.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import answers_fill
from tests.surveys.respond.test_views import Respondent, schema, survey  # noqa: F401

pytestmark = pytest.mark.django_db


def tables(queries) -> list[str]:
    return [q["sql"] for q in queries]


def test_a_section_page_reads_no_session_and_no_user(survey, schema):  # noqa: F811
    respondent = Respondent(schema)
    respondent.start()
    with CaptureQueriesContext(connection) as read:
        assert respondent.client.get(respondent.page_url(2)).status_code == 200
    sql = tables(read.captured_queries)
    # The draft (with its survey) and its answers; the questionnaire comes from the cache.
    assert not [s for s in sql if "django_session" in s or "auth_user" in s], sql
    assert len(sql) <= 3, sql


def test_a_saved_page_reads_the_answers_once_and_locks_by_its_stamp(survey, schema):  # noqa: F811
    respondent = Respondent(schema)
    respondent.start()
    data = respondent.page_data(answers_fill(schema), 1)
    with CaptureQueriesContext(connection) as posted:
        assert respondent.post(1, data).status_code == 302
    answer_reads = [
        s for s in tables(posted.captured_queries) if s.startswith("SELECT") and "_answer" in s
    ]
    # Once, before the save (to show the page's state). The save's conditional stamp of the draft
    # row proves nobody saved since, so it trusts that read; the next page is found from what the
    # save returns.
    assert len(answer_reads) == 1, answer_reads
    sql = [s for s in tables(posted.captured_queries) if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert not [s for s in sql if "FOR UPDATE" in s], sql
    # The draft, its answers, the stamp, the page's new rows (nothing held on it to delete yet).
    assert len(sql) == 4, sql
