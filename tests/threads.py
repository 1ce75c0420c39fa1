"""Running calls at the same moment, for the race tests (PostgreSQL only: SQLite serialises
every writer). Shared by the fault tests and the invitation concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

# Long enough for a slow CI runner to bring every thread to the barrier; short enough that a
# race that never meets fails the test instead of hanging it.
MEETING_TIMEOUT = 10
JOIN_TIMEOUT = 30


def meeting(parties: int = 2) -> threading.Barrier:
    """A point that `parties` threads pass together: each `wait()` returns when all have come."""
    return threading.Barrier(parties, timeout=MEETING_TIMEOUT)


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in a thread of its own; returns each result or the exception it raised.

    Each thread closes its database connections when done: Django opens one per thread, and a
    connection left open would keep the test database from being dropped."""
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results
