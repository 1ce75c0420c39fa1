"""The Redis databases of the tests that talk to Redis directly (keys, queues, a real worker).

Under pytest-xdist every worker process takes a pair of its own (15 and 14 for the first, 13 and
12 for the second, ...), so that two workers never read each other's keys or consume each other's
tasks. `REDIS_URL` gives the server (CI sets it); the database number is ours.
"""

from __future__ import annotations

import os

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_INDEX = int(_WORKER[2:]) if _WORKER.startswith("gw") and _WORKER[2:].isdigit() else 0
_SERVER = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


def redis_test_url(kind: str) -> str:
    """`broker`: a database for a real worker's queue; `keys`: one for plain keys."""
    database = 15 - 2 * (_INDEX % 8) - (0 if kind == "broker" else 1)
    return (
        os.environ.get("REDIS_TEST_URL", f"{_SERVER}/{database}")
        if kind == "keys"
        else (f"{_SERVER}/{database}")
    )
