"""What the benchmark scripts share: the bench databases, Django set-up and timing.

Every size gets a database of its own, `saualnama_bench_<size>`, so a rerun reuses what an earlier
run generated. The scripts run as `python bench/<script>.py` from any directory: the project root
is put on `sys.path` here, and Django is pointed at the bench database before it is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
QUESTIONNAIRE = ROOT / "surveys" / "questionnaires" / "civil-service-communication-2022.yaml"
SIZES = (10_000, 100_000, 1_000_000)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_name(size: int) -> str:
    return f"saualnama_bench_{size}"


def database_url(size: int) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database_name(size)}"


def pg_connect(size: int | None = None, **kwargs: Any) -> psycopg.Connection:
    """A plain psycopg connection to the bench database of `size` (None: the `postgres` one)."""
    dbname = database_name(size) if size is not None else "postgres"
    return psycopg.connect(dbname=dbname, **PG, **kwargs)


def database_exists(size: int) -> bool:
    with pg_connect(autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(size)])
        return found.fetchone() is not None


def database_size_bytes(size: int) -> int:
    with pg_connect(autocommit=True) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [database_name(size)]).fetchone()
        return int(row[0]) if row else 0


def django_env(size: int) -> dict[str, str]:
    """The environment a bench process runs Django in: production-like, on the bench database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(size),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",  # no query log, as in production
        "REDIS_URL": "",  # nothing is queued: the benchmarks call services directly
        "PYTHONPATH": str(ROOT),
    }


def django_setup(size: int) -> None:
    os.environ.update(django_env(size))
    import django

    django.setup()


def bench_survey():
    """The benchmarked survey, reading only the columns the benchmarks use.

    `only()` keeps the benchmarks running while a colleague's new Survey field still waits for its
    migration; nothing here reads the other columns.
    """
    from surveys.management.seed import SLUG
    from surveys.models import Survey

    return Survey.objects.only("id", "slug", "min_cell_size").get(slug=SLUG)


def best_of(run: Callable[[], object], repeats: int = 3, warmup: int = 1) -> float:
    """The fastest of `repeats` timed runs (seconds), after `warmup` untimed ones."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown",
    )  # fmt: skip
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    with pg_connect(autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        settings = conn.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
            "FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit', "
            "'max_parallel_workers_per_gather')"
        ).fetchone()
    return {
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": memory[1].split()[1] if len(memory) > 1 else "unknown",
        "postgresql": f"{version[0] if version else '?'} ({settings[0] if settings else ''})",
        "python": sys.version.split()[0],
    }


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
