"""The Celery app of the request-id worker test: the project's own, plus a task that logs a line.

    celery -A tests.config.worker_probe worker --pool solo

Lives under tests/: nothing of it ships.
"""

import logging
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

import config.tasks  # noqa: E402, F401  (the request-id receivers, as every task module imports)
from config.celery import app  # noqa: E402


@app.task(name="tests.config.worker_probe.probe")
def probe(marker: str) -> None:
    logging.getLogger("saualnama.probe").warning("probe %s ran", marker)
