# The mini survey with seven responses, its researcher and an aggregates-only analyst.
from tests.analytics.test_views import analyst, owner, survey  # noqa: F401

# The API's world: survey A with twelve responses, users of every access level with tokens.
from tests.api.conftest import as_, on_commit_now, world  # noqa: F401
