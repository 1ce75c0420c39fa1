"""Settings of the gunicorn that `bench_submit.py` starts: the local settings, production-like
through the environment (no DEBUG), plus the floor view and a query count per response."""

from config.settings.local import *  # noqa: F403
from config.settings.local import MIDDLEWARE

ROOT_URLCONF = "bench.floor"
MIDDLEWARE = ["bench.floor.queries_counted", *MIDDLEWARE]
# The benchmark's respondents all start from 127.0.0.1: no start rate limit.
START_RATE_LIMIT = 0
