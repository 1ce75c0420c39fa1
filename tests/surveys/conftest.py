import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.roles import RESEARCHER
from tests.surveys.admin_support import staff_client


@pytest.fixture
def researcher(mini_survey) -> Client:
    """A signed-in staff user of the researcher group who owns the mini survey, admin in Russian."""
    client = staff_client("rita", RESEARCHER)
    mini_survey.owner = get_user_model().objects.get(username="rita")
    mini_survey.save(update_fields=["owner"])
    return client
