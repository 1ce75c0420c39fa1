# The mini survey with seven responses, its researcher and an aggregates-only analyst.
from tests.analytics.test_views import analyst, owner, survey  # noqa: F401
