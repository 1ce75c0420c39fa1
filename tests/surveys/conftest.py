import pytest
from django.test import Client

from accounts.roles import RESEARCHER
from tests.surveys.admin_support import staff_client


@pytest.fixture
def researcher() -> Client:
    """A signed-in staff user of the researcher group, admin in Russian."""
    return staff_client("rita", RESEARCHER)
