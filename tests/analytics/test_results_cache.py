"""The results page's body comes from the cache for an unchanged snapshot (issue 18: under 100
ms at a million responses), and the cache never hands one viewer what another kind should see."""

import re

import pytest
from django.core.cache import cache

from accounts.roles import RESEARCHER, RESULTS_ADMIN
from analytics import views
from analytics.coding.models import OpenCoding
from analytics.models import ResultSnapshot
from surveys.services import response_create
from tests.analytics.test_views import BASE, client_for, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(mini_survey):
    for level in ("central",) * 6 + ("local",) * 2:
        data = {**BASE, "level": level} | ({"body": None} if level == "local" else {})
        response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


@pytest.fixture
def built(monkeypatch):
    """How many times the body's tables and charts were worked out."""
    calls = []
    original = views._results_body_context

    def counted(**kwargs):
        calls.append(kwargs["exact"])
        return original(**kwargs)

    monkeypatch.setattr(views, "_results_body_context", counted)
    return calls


def body(page: bytes) -> str:
    html = page.decode()
    return html[html.index('<div class="row g-4">') :]


def respondents(page: str) -> int:
    return int(re.search(r'id="respondents">\s*(\d+)', page).group(1))


def researcher(survey, language="ru"):
    client, user = client_for(f"rita-{language}", RESEARCHER, language=language, is_staff=True)
    survey.owner = user
    survey.save()
    return client


def test_an_unchanged_snapshot_renders_its_body_once(survey, built):
    client = researcher(survey)
    first = client.get(url("results"))
    second = client.get(url("results"))
    assert first.status_code == second.status_code == 200
    assert built == [True]
    assert body(second.content) == body(first.content)
    assert 'id="t-channels"' in body(second.content)


def test_an_aggregates_only_viewer_never_gets_the_exact_body(survey, built):
    rita = researcher(survey)
    exact = rita.get(url("results")).content
    client, _user = client_for("anna", RESULTS_ADMIN, share=survey, is_staff=True)
    protected = client.get(url("results")).content
    assert built == [True, False]
    assert body(protected) != body(exact)
    assert 'id="protection"' in protected.decode()
    # Both kinds again: each from its own entry.
    assert body(client.get(url("results")).content) == body(protected)
    assert body(rita.get(url("results")).content) == body(exact)
    assert built == [True, False]


def test_the_language_and_the_interval_level_have_their_own_bodies(survey, built):
    client = researcher(survey)
    client.get(url("results"))
    client.get(url("results") + "?ci=95")
    kazakh = researcher(survey, language="kk").get(url("results")).content.decode()
    assert len(built) == 3
    assert 'lang="kk"' in kazakh


def test_a_recomputed_snapshot_is_rendered_anew(survey, built):
    client = researcher(survey)
    client.get(url("results"))
    response_create(survey=survey, data=BASE, language="kk", source="web")
    page = client.get(url("results")).content.decode()
    assert len(built) == 2
    assert respondents(page) == 9


def test_a_coding_change_shows_at_once(survey, built):
    from analytics.coding.services import open_code_create, open_codings_assign
    from surveys.selectors import survey_schema_get

    client = researcher(survey)
    client.get(url("results"))
    schema = survey_schema_get(survey=survey)
    code = open_code_create(
        survey=survey, schema=schema, question_code="barriers", label_kk="Уақыт", label_ru="Время"
    )
    client.get(url("results"))
    open_codings_assign(
        survey=survey, question_code="barriers", text_hashes=["0" * 64], code_ids=[code.pk]
    )
    client.get(url("results"))
    assert OpenCoding.objects.count() == 1
    assert len(built) == 3  # each change, a new body


def test_the_freshness_count_is_read_at_most_every_few_seconds(survey, settings, built):
    settings.RESULTS_FRESHNESS_SECONDS = 60
    cache.clear()
    client = researcher(survey)
    client.get(url("results"))
    computed = ResultSnapshot.objects.get(survey=survey).computed_at
    response_create(survey=survey, data=BASE, language="kk", source="web")
    # Within the minute the page stays on the snapshot it has, which still says it covers 8.
    page = client.get(url("results")).content.decode()
    assert ResultSnapshot.objects.get(survey=survey).computed_at == computed
    assert respondents(page) == 8
    cache.clear()  # the minute is over
    page = client.get(url("results")).content.decode()
    assert respondents(page) == 9
