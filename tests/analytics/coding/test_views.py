"""The coding pages as a researcher uses them, and every way round them that must fail."""

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from analytics.coding.models import OpenCode, OpenCoding, text_hash
from analytics.coding.services import open_code_create, open_codings_assign
from surveys.selectors import survey_schema_get
from tests.analytics.coding.conftest import SECRET

# Transactional: the results task runs on commit, as after a real request.
pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = (SECRET, "медленно", "Тіл білмейді")


def _urls(code_id=0):
    return [
        ("get", reverse("coding:index", args=["mini"]), {}),
        ("get", reverse("coding:question", args=["mini", "barriers"]), {}),
        ("get", reverse("coding:question", args=["mini", "barriers"]) + "?q=медл&uncoded=1", {}),
        (
            "post",
            reverse("coding:question", args=["mini", "barriers"]),
            {"text": text_hash(SECRET), "code": code_id, "action": "assign"},
        ),
        (
            "post",
            reverse("coding:question", args=["mini", "barriers"]),
            {"text": text_hash(SECRET), "code": code_id, "action": "unassign"},
        ),
        (
            "post",
            reverse("coding:code_create", args=["mini", "barriers"]),
            {"label_kk": "Жаңа", "label_ru": "Новый"},
        ),
        ("post", reverse("coding:code_delete", args=["mini", "barriers", code_id]), {}),
    ]


@pytest.fixture
def coded(survey, researcher):
    """A code book of one new code and one option, SECRET's text coded with the new code."""
    schema = survey_schema_get(survey=survey)
    slow = open_code_create(
        survey=survey, schema=schema, question_code="barriers", label_kk="Баяу", label_ru="Баяу"
    )
    open_code_create(survey=survey, schema=schema, question_code="barriers", option_code="language")
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash(SECRET), text_hash("медленно")],
        code_ids=[slow.pk],
    )
    return slow


def _state():
    return (
        sorted(OpenCode.objects.values_list("pk", "code")),
        sorted(OpenCoding.objects.values_list("code_id", "text_hash")),
    )


def test_a_researcher_codes_texts_through_the_pages(survey, researcher):
    client, user = researcher
    page = client.get(reverse("coding:question", args=["mini", "barriers"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert all(text in html for text in TEXTS)
    assert 'data-uncoded="3"' in html
    back = client.post(
        reverse("coding:code_create", args=["mini", "barriers"]),
        {"label_kk": "Баяу", "label_ru": "Медленно"},
    )
    assert back.status_code == 302
    code = OpenCode.objects.get()
    assert (code.created_by, code.new_code) == (user, True)
    client.post(
        reverse("coding:question", args=["mini", "barriers"]),
        {"text": [text_hash("медленно"), text_hash(SECRET)], "code": [code.pk]},
    )
    assert OpenCoding.objects.filter(code=code, coded_by=user).count() == 2
    html = client.get(reverse("coding:question", args=["mini", "barriers"])).content.decode()
    assert 'data-coded="2"' in html and 'data-uncoded="1"' in html
    uncoded = client.get(reverse("coding:question", args=["mini", "barriers"]) + "?uncoded=1")
    assert "Тіл білмейді" in uncoded.content.decode()
    assert "медленно" not in uncoded.content.decode().split('id="texts"')[1].split("</table>")[0]


def test_a_code_without_its_russian_label_is_refused_with_the_reason(survey, researcher):
    client, _user = researcher
    page = client.post(
        reverse("coding:code_create", args=["mini", "barriers"]),
        {"label_kk": "Баяу", "label_ru": ""},
        follow=True,
    )
    assert not OpenCode.objects.exists()
    assert 'role="alert"' in page.content.decode()


def test_a_granted_results_admin_may_code(survey, granted, coded):
    assert granted.get(reverse("coding:question", args=["mini", "barriers"])).status_code == 200


def test_the_results_page_shows_the_coded_table_to_the_researcher(survey, researcher, coded):
    client, _user = researcher
    html = client.get(reverse("analytics:results", args=["mini"])).content.decode()
    assert 'id="coded-barriers"' in html
    section = html.split('id="coded-barriers"')[1].split("</table>")[0]
    assert 'data-code="медленно"' in section or "Баяу" in section


def test_every_coding_url_refuses_whoever_may_not_read_the_texts(survey, coded, analyst, stranger):
    before = _state()
    for method, target, data in _urls(coded.pk):
        anonymous = getattr(Client(), method)(target, data)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"], target
        assert getattr(analyst, method)(target, data).status_code == 403, (method, target)
        assert getattr(stranger, method)(target, data).status_code == 404, (method, target)
    assert _state() == before
    # Another method than the view's: refused before anything is read.
    assert analyst.put(reverse("coding:question", args=["mini", "barriers"])).status_code in (
        403,
        405,
    )


def _no_text(body: str, where: str) -> None:
    for text in TEXTS:
        assert text not in body, (where, text)


def test_an_aggregates_only_viewer_never_meets_a_text(survey, coded, analyst):
    results = analyst.get(reverse("analytics:results", args=["mini"]))
    assert results.status_code == 200
    html = results.content.decode()
    _no_text(html, "results")
    assert 'id="coded-barriers"' in html  # the coded table is there, protected
    assert reverse("coding:question", args=["mini", "barriers"]) not in html
    csv_body = analyst.get(reverse("analytics:tables", args=["mini", "csv"])).content.decode()
    _no_text(csv_body, "csv")
    assert "\r\nбаяу,Баяу," in csv_body  # the coded table, its new code
    xlsx = analyst.get(reverse("analytics:tables", args=["mini", "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    cells = " ".join(str(c) for row in rows for c in row)
    _no_text(cells, "xlsx")
    assert "barriers.coded" in book.sheetnames
    crosstab = analyst.get(
        reverse("analytics:crosstab", args=["mini"]), {"q": "barriers.coded", "by": "level"}
    )
    assert crosstab.status_code == 200
    _no_text(crosstab.content.decode(), "crosstab")
    for path in (
        "/api/v1/surveys/mini/",
        "/api/v1/surveys/mini/results/",
        "/api/v1/surveys/mini/codebook/",
        "/api/v1/surveys/mini/responses/",
        "/api/v1/surveys/mini/codebook.csv",
    ):
        response = analyst.get(path)
        _no_text(response.content.decode(), path)
    assert analyst.get("/api/v1/surveys/mini/responses/").status_code in (403, 404)
    coded_api = analyst.get("/api/v1/surveys/mini/results/").json()["coded"]["barriers"]
    k = survey.min_cell_size
    assert all(o["count"] == 0 or o["count"] >= k for o in coded_api["options"])


def test_the_tables_download_lists_the_coded_table_after_the_others(survey, researcher, coded):
    client, _user = researcher
    body = client.get(reverse("analytics:tables", args=["mini", "csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    titles = [row[0] for row in rows if len(row) == 1 and row[0]]
    assert titles[-1].endswith(")")  # "(coded: ...)" closes the last title
    coded_lines = rows[[r[:1] for r in rows].index([titles[-1]]) :]
    counts = {r[0]: r[2] for r in coded_lines if len(r) > 2 and r[0]}
    # 5 respondents' texts coded "Баяу"; the Kazakh text alone stays in "other".
    assert counts["баяу"] == "5" and counts["other"] == "1"
    assert counts["language"] == "6"


def test_the_crosstab_takes_the_coded_question_as_rows(survey, researcher, coded):
    client, _user = researcher
    page = client.get(
        reverse("analytics:crosstab", args=["mini"]), {"q": "barriers.coded", "by": "level"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="crosstab"' in html
    assert "Баяу" in html


def test_the_coding_page_speaks_kazakh(survey, coded):
    from django.contrib.auth import get_user_model
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    client.force_login(get_user_model().objects.get(username="rita"))
    html = client.get(reverse("coding:question", args=["mini", "barriers"])).content.decode()
    assert '<html lang="kk"' in html or 'lang="kk"' in html
    assert "Тіл білмейді" in html
    with translation.override("kk"):
        assert translation.gettext("Code book") in html


def test_a_change_of_the_coding_shows_at_once_on_the_results_page(survey, researcher, coded):
    client, _user = researcher

    def other_count():
        html = client.get(reverse("analytics:results", args=["mini"])).content.decode()
        section = html.split('id="coded-barriers"')[1]
        row = section.split('data-code="other"')[1]
        return int(row.split('<td class="text-end">')[1].split("<")[0])

    assert other_count() == 1
    language = OpenCode.objects.get(code="language")
    open_codings_assign(
        survey=survey,
        question_code="barriers",
        text_hashes=[text_hash("Тіл білмейді")],
        code_ids=[language.pk],
    )
    assert other_count() == 0


def test_the_coding_page_reads_a_fixed_number_of_queries(survey, researcher, coded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from surveys.services import response_create
    from tests.analytics.coding.conftest import BASE

    client, _user = researcher
    target = reverse("coding:question", args=["mini", "barriers"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(target).status_code == 200
        return len(captured)

    before = queries()
    for n in range(15):
        data = {**BASE, "barriers": "other", "barriers.other": f"Текст номер {n}"}
        response_create(survey=survey, data=data, language="ru", source="web")
    assert queries() == before
