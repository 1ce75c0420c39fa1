import pytest

from accounts.models import MicrodataGrant
from accounts.roles import RESEARCHER, RESULTS_ADMIN
from surveys.services import response_create
from tests.analytics.test_views import client_for

BASE = {
    "level": "central",
    "body": "finance",
    "years": "7",
    "channels.meeting": "5",
    "channels.phone": "4",
    "barriers": "perception language",
    "general": "4",
}
SECRET = "Начальник не отвечает на письма"


@pytest.fixture
def survey(mini_survey):
    """12 respondents: 6 plain, 3 with an "other" barrier SECRET, 2 "медленно", 1 in Kazakh."""
    for _ in range(6):
        response_create(survey=mini_survey, data=BASE, language="kk", source="web")
    for _ in range(3):
        data = {**BASE, "barriers": "perception other", "barriers.other": SECRET}
        response_create(survey=mini_survey, data=data, language="ru", source="web")
    for _ in range(2):
        data = {**BASE, "barriers": "other", "barriers.other": "  медленно  "}
        data["comment"] = "Всё долго"
        response_create(survey=mini_survey, data=data, language="ru", source="web")
    data = {**BASE, "barriers": "other", "barriers.other": "Тіл білмейді", "comment": "Ұзақ"}
    response_create(survey=mini_survey, data=data, language="kk", source="web")
    return mini_survey


@pytest.fixture
def researcher(survey):
    client, user = client_for("rita", RESEARCHER, is_staff=True)
    survey.owner = user
    survey.save()
    return client, user


@pytest.fixture
def analyst(survey):
    """Aggregates only: a results-admin share."""
    return client_for("analyst", RESULTS_ADMIN, share=survey, is_staff=True)[0]


@pytest.fixture
def stranger(survey):
    """A researcher of another survey only."""
    from surveys.formats.definitions import definition_parse, questionnaire_load
    from tests.conftest import DATA

    text = (DATA / "mini.yaml").read_text().replace("slug: mini", "slug: other-mini", 1)
    other = questionnaire_load(data=definition_parse(text=text))
    client, user = client_for("stan", RESEARCHER, is_staff=True)
    other.owner = user
    other.save()
    return client


@pytest.fixture
def granted(survey):
    """A results admin the owner granted microdata by name."""
    client, user = client_for("gina", RESULTS_ADMIN, share=survey, is_staff=True)
    MicrodataGrant.objects.create(survey=survey, user=user)
    return client
