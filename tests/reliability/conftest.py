"""What the reliability tests share: the test database's URL, a private Redis, the Celery broker.

These tests start real servers (gunicorn, redis-server, Celery workers) as subprocesses that must
see the rows a test writes, so the database is PostgreSQL and every test is transactional.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app


@pytest.fixture(autouse=True)
def _no_start_limit(monkeypatch) -> None:
    # The servers these tests start (gunicorn, config.settings.local) read the start rate limit
    # from the environment; their respondents all start from 127.0.0.1.
    monkeypatch.setenv("START_RATE_LIMIT", "0")


def postgres_required() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1/…")


def servers_database_url() -> str:
    """The URL of the database this test run uses, for the servers a test starts."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def port_free() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self) -> None:
        self.port = port_free()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.reachable():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def reachable(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH (apt-get install redis-server)")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def broker_connections_reset() -> None:
    # The app keeps its connection and producer pools; after a broker change they must go.
    from kombu import pools

    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools outlive the app's


@contextlib.contextmanager
def broker_use(url: str) -> Iterator[None]:
    """Queue tasks on `url` instead of running them in-process, as production does."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    broker_connections_reset()
    try:
        yield
    finally:
        app.conf.update(saved)
        broker_connections_reset()
