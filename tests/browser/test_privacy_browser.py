"""Disclosure control in the browser: the analyst is refused a tiny group, the researcher is not.

The 2022 survey holds a part of the demonstration data (every respondent of Atyrau region and
the first others, as `manage.py seed_paper_dataset` generates them: storing all 4790 takes
a minute). The tiny group is found in the database, not written down: a region and a position
that together hold 1..k-1 respondents (in the full demo data Atyrau + A-2 holds one official).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation

from analytics.disclosure import SMALL_GROUP, Parameters, refusal_message
from surveys.management.seed import SeedItem, paper_responses_generate
from surveys.models import Answer, Response, Survey
from surveys.schema import SurveySchema
from surveys.selectors import survey_schema_get
from surveys.services import NewResponse, responses_bulk_create
from surveys.validation import response_validate
from tests.factories import survey_2022_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "privacy-demo-42"
SLUG = "civil-service-communication-2022"
REGION = "atyrau"  # the example; any region with a tiny position group would do
OTHERS = 100  # respondents of the other regions, so that the rest of the survey is large


_generated: list[SeedItem] = []


def _demo_items(schema: SurveySchema) -> list[SeedItem]:
    """The demo data's respondents of REGION and OTHERS more, as codes: generated once."""
    if not _generated:
        items = paper_responses_generate(schema=schema)
        _generated.extend(item for item in items if item.data.get("region") == REGION)
        _generated.extend([item for item in items if item.data.get("region") != REGION][:OTHERS])
    return _generated


@pytest.fixture
def demo(monkeypatch) -> Survey:
    """The 2022 survey with part of the demo data, owned by `researcher`, shared with `analyst`."""
    survey = survey_2022_load()
    schema = survey_schema_get(survey=survey)
    built = []
    for item in _demo_items(schema):
        result = response_validate(schema=schema, data=item.data)
        built.append(NewResponse(item.language, result, submitted_at=item.submitted_at))
    responses_bulk_create(survey=survey, schema=schema, items=built, source=Response.Source.SEED)
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("demo_accounts", stdout=io.StringIO())
    survey.refresh_from_db()
    return survey


def _complete(survey: Survey):
    return Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)


def _with_option(survey: Survey, question: str, option: str):
    """Ids of the complete responses that chose `option` of `question`."""
    return Answer.objects.filter(
        response__in=_complete(survey), question__code=question, option__code=option
    ).values("response_id")


def tiny_group(survey: Survey) -> tuple[list[str], int]:
    """Filter values (`region:x`, `position:y`) of a group of 1..k-1 respondents, and its size.

    Counted straight from the answer rows; REGION is tried first, then every other region.
    """
    k = survey.min_cell_size
    schema = survey_schema_get(survey=survey)
    regions = [REGION] + [o.code for o in schema.questions["region"].options if o.code != REGION]
    positions = [o.code for o in schema.questions["position"].options]
    found = []
    for region in regions:
        sizes = dict(
            Answer.objects.filter(
                response_id__in=_with_option(survey, "region", region), question__code="position"
            )
            .values_list("option__code")
            .annotate(n=Count("response_id", distinct=True))
        )
        found += [
            (sizes[p], [f"region:{region}", f"position:{p}"])
            for p in positions
            if 1 <= sizes.get(p, 0) < k
        ]
        if found:  # the smallest group of the first region that has one
            size, values = min(found, key=lambda pair: pair[0])
            return values, size
    raise AssertionError("the demo data has no group of 1..k-1 respondents")


def _group(survey: Survey, values: list[str]):
    responses = _complete(survey)
    for value in values:
        question, _sep, option = value.partition(":")
        responses = responses.filter(pk__in=_with_option(survey, question, option))
    return responses


def group_size(survey: Survey, values: list[str]) -> int:
    return _group(survey, values).count()


def group_answers(survey: Survey, values: list[str], question: str) -> dict[str, int]:
    """Russian option label -> respondents of the group who chose it, from the answer rows."""
    return dict(
        Answer.objects.filter(response__in=_group(survey, values), question__code=question)
        .values_list("option__label_ru")
        .annotate(n=Count("response_id", distinct=True))
    )


def table_counts(page, code: str) -> dict[str, int]:
    """Answer label -> count as the page's table of a choice question shows it."""
    counts = {}
    for row in page.locator(f"#t-{code} table tbody tr").all():
        label = row.locator("th").inner_text().strip()
        counts[label] = int(row.locator("td").first.inner_text().strip())
    return counts


@pytest.fixture
def sign_in(browser, live_server) -> Iterator[object]:
    """sign_in(login, language) -> a page signed in through the site's sign-in page."""
    contexts = []

    def open_as(login: str, language: str):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale={"kk": "kk-KZ", "ru": "ru-RU"}[language],
            extra_http_headers={"Accept-Language": language},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/results/{SLUG}/")
        page.fill("#id_username", login)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/results/{SLUG}/$"))
        return page

    yield open_as
    for context in contexts:
        context.close()


def filter_apply(page, values: list[str]) -> None:
    """Tick each `code:option` box in the page's filter form and apply it."""
    if page.locator("#filter-panel[open]").count() == 0:
        page.locator("#filter-panel > summary").click()
    for value in values:
        box = page.locator(f"input[name=f][value='{value}']")
        if not box.is_visible():
            page.locator("#filter-panel details", has=box).locator("summary").click()
        box.check()
    page.locator("#filter-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"[?&]f=.*position"))


def shown_count(page) -> int:
    """The respondent count that the page states (its first number)."""
    return int(re.search(r"\d+", page.locator("#respondents").inner_text()).group())


def refusal_seen(page) -> str:
    """The refusal's text, after checking that nothing of the group is shown with it."""
    refusal = page.locator("#refusal")
    assert refusal.is_visible()
    assert page.locator("#respondents").count() == 0
    assert page.locator("table").count() == 0
    assert page.locator("#composition, section[id^='t-'], svg, #protection").count() == 0
    assert page.locator("#download-xlsx, a[href*='/tables.']").count() == 0
    return refusal.inner_text().strip()


def test_the_analyst_is_refused_a_tiny_group_in_kazakh_and_in_russian(
    demo, sign_in, live_server, artifacts: Path
):
    survey, k = demo, demo.min_cell_size
    values, size = tiny_group(survey)
    assert 1 <= size < k and group_size(survey, values) == size

    analyst = sign_in("analyst", "kk")
    assert analyst.locator("html").get_attribute("lang") == "kk"

    # The whole survey: perturbed tables with the note, downloads, and no raw export.
    protection = analyst.locator("#protection")
    stated = Parameters(k=k)  # the note states the largest change and the smallest shown count
    assert protection.is_visible()
    assert {str(stated.max_change), str(stated.k + stated.max_change)} <= set(
        re.findall(r"\d+", protection.inner_text())
    )
    assert analyst.locator("#respondents").is_visible()
    assert analyst.locator("section[id^='t-'] table").count() > 0
    assert analyst.locator("#export-format").count() == 0
    assert analyst.locator("form[action$='/exports/']").count() == 0
    analyst.screenshot(path=str(artifacts / "analyst-0-protected-kk.png"), full_page=False)
    with analyst.expect_download() as download:
        analyst.locator("#download-xlsx").click()
    path = artifacts / "tables.xlsx"
    download.value.save_as(path)
    assert len(openpyxl.load_workbook(path).sheetnames) > 1
    with analyst.expect_download() as download:
        analyst.locator(f"a[href^='/results/{SLUG}/tables.csv']").click()
    path = artifacts / "tables.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) > 10

    # The tiny group, through the filter form: refused, with no figure at all.
    filter_apply(analyst, values)
    kazakh = refusal_seen(analyst)
    assert str(k) in kazakh
    query = analyst.url.partition("?")[2]
    for fmt in ("csv", "xlsx"):  # nor by the download's address
        tables = analyst.request.get(f"{live_server.url}/results/{SLUG}/tables.{fmt}?{query}")
        assert tables.status == 403
    analyst.screenshot(path=str(artifacts / "analyst-1-refusal-kk.png"), full_page=False)

    # The same page in Russian, through the language switcher.
    url = analyst.url
    analyst.locator("button[name=language][value=ru]").click()
    analyst.wait_for_function("document.documentElement.lang === 'ru'")
    assert analyst.url == url
    russian = refusal_seen(analyst)
    assert str(k) in russian
    analyst.screenshot(path=str(artifacts / "analyst-2-refusal-ru.png"), full_page=False)

    # The catalogues' own sentences (locale/kk, locale/ru), which must differ: translated.
    for language, seen in (("kk", kazakh), ("ru", russian)):
        with translation.override(language):
            assert seen == refusal_message(SMALL_GROUP, k=k)
    assert kazakh != russian, f"the refusal is not translated: {kazakh!r}"


def test_the_researcher_sees_the_tiny_group_exactly_and_exports(
    demo, sign_in, live_server, artifacts: Path
):
    survey = demo
    values, size = tiny_group(survey)

    researcher = sign_in("researcher", "ru")
    assert researcher.locator("#protection").count() == 0
    filter_apply(researcher, values)
    assert researcher.locator("#refusal").count() == 0
    assert researcher.locator("#protection").count() == 0
    assert shown_count(researcher) == size == group_size(survey, values)
    assert researcher.locator("section[id^='t-'] table").count() > 0
    for question in ("gender", "age"):  # exact: no count withheld, none perturbed
        shown = {label: n for label, n in table_counts(researcher, question).items() if n}
        assert shown == group_answers(survey, values, question)
    assert researcher.locator("#export-format").is_visible()
    researcher.screenshot(path=str(artifacts / "researcher-1-exact-ru.png"), full_page=False)
    researcher.locator("#composition").scroll_into_view_if_needed()
    researcher.screenshot(path=str(artifacts / "researcher-2-exact-tables-ru.png"))

    # The raw export, of the region (the tiny group itself is below the export's own floor).
    region = values[0]
    researcher.goto(f"{live_server.url}/results/{SLUG}/?f={region}")
    expected = group_size(survey, [region])
    assert shown_count(researcher) == expected
    researcher.select_option("#export-format", "csv")
    researcher.locator("form[action$='/exports/'] button[type=submit]").click()
    link = researcher.locator("#export-download")
    link.wait_for()
    researcher.screenshot(path=str(artifacts / "researcher-3-export-ru.png"), full_page=False)
    with researcher.expect_download() as download:
        link.click()
    path = artifacts / "responses-csv.zip"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"{SLUG}-responses-csv.zip"
    with zipfile.ZipFile(path) as archive:  # the responses and the codebook
        text = archive.read(f"{SLUG}-responses.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) - 1 == expected
