"""Time a complete web submission against a floor view that inserts one row, both under gunicorn.

    python bench/bench_submit.py [--responses 20] [--floor 300] [--clients 4] [--workers 4]

One gunicorn on a loopback port serves the real site and, from the bench-only URLconf
(`bench/floor.py`, `bench/bench_settings.py`), `POST /bench/floor/`, which inserts one response row
and nothing else. A complete submission is what a respondent's browser does (bench/load.py's
`respondent_run`): the welcome page, "start" (resume, page 1), then each of the five section pages
posted with valid answers and the next page read, down to the thank-you page: 14 requests. It is
run by one client in turn (sequential) and by `--clients` at once (concurrent); the floor the same
way. Reported: responses/s, requests/s, time per complete response, SQL statements per submission
(counted by a middleware in the server), and the ratio of a complete response to one floor insert.
The database, `saualnama_bench_submit`, is created afresh, migrated and loaded each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import ROOT, markdown_table
from load import (
    SLUG,
    Browser,
    Respondent,
    answers_generate,
    database_prepare,
    port_free,
    respondent_run,
)

DATABASE = "saualnama_bench_submit"
TARGET = 3.0
REQUEST_TARGET = 1.5  # issue 17: a respondent page request against a one-row floor request
QUERIES_HEADER = "X-Bench-Queries"


def serve(url: str, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = port_free()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bench_settings", "DEBUG": "false",
           "DATABASE_URL": url, "REDIS_URL": "", "PYTHONPATH": str(ROOT)}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
               f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            httpx.get(base + "/", timeout=10)
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.terminate()
                raise SystemExit("gunicorn did not answer within 180 s") from None
            time.sleep(0.2)


def client_for(base: str, queries: list[int]) -> httpx.AsyncClient:
    async def counted(reply: httpx.Response) -> None:
        queries.append(int(reply.headers.get(QUERIES_HEADER, 0)))

    headers = {"Origin": base, "Accept-Language": "kk"}
    return httpx.AsyncClient(base_url=base, headers=headers, timeout=120,
                             event_hooks={"response": [counted]})  # fmt: skip


async def responses_run(base: str, answers: list, clients: int, each: int) -> dict:
    samples: list[tuple[str, int, float]] = []
    times: list[float] = []
    per_response_queries: list[int] = []
    problems: list[str] = []

    async def seat(number: int) -> None:
        queries: list[int] = []
        async with client_for(base, queries) as client:
            for i in range(each):
                client.cookies.clear()  # a new browser
                queries.clear()
                respondent = Respondent(answers=answers[(number * each + i) % len(answers)])
                started = time.perf_counter()
                await respondent_run(Browser(client, samples, math.inf), SLUG, respondent)
                times.append(time.perf_counter() - started)
                per_response_queries.append(sum(queries))
                if not respondent.thanked:
                    problems.append(respondent.problem or "no thank-you page")

    started = time.perf_counter()
    await asyncio.gather(*(seat(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    if problems:
        raise SystemExit(f"{len(problems)} submissions failed, e.g. {problems[0]}")
    return {
        "count": len(times), "elapsed": elapsed, "per_second": len(times) / elapsed,
        "requests": len(samples), "requests_per_second": len(samples) / elapsed,
        "mean": statistics.fmean(times), "median": statistics.median(times),
        "queries": statistics.fmean(per_response_queries),
        # Each request's own time, send to last byte: the server's cost seen from the client,
        # without the client's work between requests (finding the form fields in the page).
        "latency": statistics.fmean(s[2] for s in samples),
        "latency_by_kind": {
            kind: statistics.median(s[2] for s in samples if s[0] == kind)
            for kind in sorted({s[0] for s in samples})
        },
        "errors": sum(1 for s in samples if s[1] >= 500 or s[1] == 0),
    }  # fmt: skip


async def floor_run(base: str, survey_id: int, clients: int, each: int) -> dict:
    times: list[float] = []
    queries: list[int] = []

    async def seat() -> None:
        async with client_for(base, queries) as client:
            for _ in range(each):
                started = time.perf_counter()
                reply = await client.post("/bench/floor/", data={"survey": str(survey_id)})
                times.append(time.perf_counter() - started)
                if reply.status_code != 200:
                    raise SystemExit(f"the floor view answered {reply.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(seat() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"count": len(times), "elapsed": elapsed, "per_second": len(times) / elapsed,
            "mean": statistics.fmean(times), "median": statistics.median(times),
            "queries": statistics.fmean(queries)}  # fmt: skip


def bench(responses: int, floors: int, clients: int, workers: int) -> list[dict]:
    url = database_prepare(DATABASE, reuse=False)
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
                       "DEBUG": "false", "REDIS_URL": ""})  # fmt: skip
    import django

    django.setup()
    from surveys.models import Survey
    from surveys.selectors import survey_schema_get

    survey = Survey.objects.get(slug=SLUG)
    answers = answers_generate(schema=survey_schema_get(survey=survey), count=200)
    log = Path(tempfile.gettempdir()) / "saualnama-bench-submit-gunicorn.log"
    process, base = serve(url, workers, log)
    results = []
    try:
        # Every worker imports the URLconf and fills its caches first: not part of the figures.
        asyncio.run(floor_run(base, survey.id, workers * 2, 5))
        asyncio.run(responses_run(base, answers, workers, 1))
        for mode, n_clients in (("sequential", 1), (f"{clients} concurrent", clients)):
            load = os.getloadavg()[0]
            real = asyncio.run(
                responses_run(base, answers, n_clients, max(responses // n_clients, 1))
            )
            floor = asyncio.run(floor_run(base, survey.id, n_clients, max(floors // n_clients, 1)))
            # Per response against per insert: time in turn, throughput at once.
            ratio = (real["mean"] / floor["mean"] if n_clients == 1
                     else floor["per_second"] / real["per_second"])  # fmt: skip
            per_request = (real["elapsed"] / real["requests"]) / (floor["elapsed"] / floor["count"])
            latency = real["latency"] / floor["mean"]
            results.append({"mode": mode, "clients": n_clients, "workers": workers, "real": real,
                            "floor": floor, "ratio": ratio, "per_request_ratio": per_request,
                            "latency_ratio": latency, "latency_pass": latency <= REQUEST_TARGET,
                            "pass": ratio <= TARGET,
                            "load": max(load, os.getloadavg()[0])})  # fmt: skip
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return results


def report(results: list[dict]) -> str:
    return markdown_table(
        ["clients", "responses", "responses/s", "requests/s", "s per response", "queries per "
         "submission", "floor inserts/s", "s per floor insert", "response/floor", "target",
         "result", "wall per request/floor", "request latency (ms)", "floor latency (ms)",
         "request/floor", f"≤ {REQUEST_TARGET:g}x", "5xx", "load avg"],
        [[r["mode"], r["real"]["count"], f"{r['real']['per_second']:.2f}",
          f"{r['real']['requests_per_second']:.1f}", f"{r['real']['mean']:.3f}",
          f"{r['real']['queries']:.0f}", f"{r['floor']['per_second']:.0f}",
          f"{r['floor']['mean']:.4f}", f"{r['ratio']:.0f}x", f"≤ {TARGET:g}x",
          "pass" if r["pass"] else "FAIL", f"{r['per_request_ratio']:.1f}x",
          f"{r['real']['latency'] * 1000:.1f}", f"{r['floor']['mean'] * 1000:.1f}",
          f"{r['latency_ratio']:.2f}x", "pass" if r["latency_pass"] else "FAIL",
          r["real"]["errors"],
          f"{r['load']:.1f}"] for r in results],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=20, help="complete responses per mode")
    parser.add_argument("--floor", type=int, default=300, help="floor inserts per mode")
    parser.add_argument("--clients", type=int, default=4, help="clients in the concurrent mode")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    results = bench(args.responses, args.floor, args.clients, args.workers)
    print("\nA complete web submission against the floor view (one INSERT), under gunicorn:")
    print(report(results))
    for r in results:
        kinds = ", ".join(f"{k} {v * 1000:.1f}" for k, v in r["real"]["latency_by_kind"].items())
        floor = r["floor"]["median"] * 1000
        print(f"{r['mode']}: median ms by request: {kinds}; floor {floor:.1f}")
    for result in results:
        print("RESULT submit " + json.dumps(result))


if __name__ == "__main__":
    main()
