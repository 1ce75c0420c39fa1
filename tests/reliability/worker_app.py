"""The Celery app of the worker-kill test: the project's own, with a pause inside the results task.

    SAUALNAMA_TEST_MARKS=/tmp/marks SAUALNAMA_TEST_HOLD=60 \
        celery -A tests.reliability.worker_app worker --pool solo

Each run of the task appends the id of the process running it to the marks file once it has set
the snapshot running; the first run of all then holds for SAUALNAMA_TEST_HOLD seconds, so that
the test can kill the worker at a known point of the task. The hook lives here, under tests/:
nothing of it ships.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

import analytics.exporting  # noqa: E402
import analytics.snapshots  # noqa: E402
from config.celery import app  # noqa: E402

MARKS = Path(os.environ["SAUALNAMA_TEST_MARKS"])
HOLD = float(os.environ.get("SAUALNAMA_TEST_HOLD", "0"))
_counts_get = analytics.snapshots.answer_counts_get


def _counts_get_after_a_pause(**kwargs):
    first = not MARKS.exists()
    with MARKS.open("a") as marks:
        marks.write(f"{os.getpid()}\n")
    if first:
        time.sleep(HOLD)
    return _counts_get(**kwargs)


analytics.snapshots.answer_counts_get = _counts_get_after_a_pause

# The same for exports, with marks of their own: the first export of all holds once it has set
# its job running (SAUALNAMA_TEST_EXPORT_MARKS, SAUALNAMA_TEST_EXPORT_HOLD).
EXPORT_MARKS = Path(os.environ.get("SAUALNAMA_TEST_EXPORT_MARKS", str(MARKS) + ".exports"))
EXPORT_HOLD = float(os.environ.get("SAUALNAMA_TEST_EXPORT_HOLD", "0"))
_selected = analytics.exporting.responses_selected


def _selected_after_a_pause(**kwargs):
    first = not EXPORT_MARKS.exists()
    with EXPORT_MARKS.open("a") as marks:
        marks.write(f"{os.getpid()}\n")
    if first:
        time.sleep(EXPORT_HOLD)
    return _selected(**kwargs)


analytics.exporting.responses_selected = _selected_after_a_pause
# A message taken by a worker that died is handed out again once it is this old (1 hour by
# default); the test cannot wait that long.
app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "visibility_timeout": 1,
}

__all__ = ["app"]
