"""Interactive results: the results page of an unchanged survey, and a new filter's snapshot.

    python bench/bench_interactive.py --size 1000000 [--requests 20] [--repeats 3] [--profile]

**(a) The results page** (target: under 100 ms, absolute). `GET /results/<slug>/` with no filter,
the survey unchanged and its snapshot already computed (computed here first if it is not
current, not timed), by a signed-in aggregates-only user (a results-admin share: protected
tables) and by a researcher (a researcher share: exact tables). Each request goes through
Django's test client in this process: the whole middleware stack, session and user read, the
view (`results_request`'s freshness check, the snapshot read, localising, charts) and the
render, with the local settings, DEBUG off and the database connection kept between requests;
no HTTP and no new connection per request (gunicorn with `CONN_MAX_AGE` 0 adds about 10 ms to
every request, bench/README.md). Figure: the median of `--requests` requests after three
warm-up ones. Against it, the same way: **the floor**, a signed-in GET of `bench/floor.py`'s
`floor_signed_in` view (the same middleware, session and user, no work), and for scale the
unauthenticated health probe `/health/live`.

**(b) A new filter's snapshot** (target: under 10 s at 1M). The four western regions' snapshot,
computed as a worker computes it: the snapshot row is set back to pending and the Celery task
`compute_results` is applied in this process (`snapshot_compute`: the watermark, the counts, the
exact and the protected tables, the row's write). The floor is the one-pass GROUP BY of
bench_tables.py with the same filter and the record keys' sum (the least a protected snapshot
needs). Median of `--repeats` after a warm-up, each.

The benchmark writes to the bench database only what it measures with: two users, their shares
and sessions, and the two snapshots.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

from common import bench_survey, django_setup, markdown_table, pg_connect

PAGE_TARGET_MS = 100.0
SNAPSHOT_TARGET_S = 10.0
PENDING_MARK = b"spinner-border"  # only results_pending.html shows the spinner


def users_ready(survey) -> dict[str, object]:
    """An aggregates-only viewer and a researcher of the survey (created once)."""
    from django.contrib.auth import get_user_model

    from accounts.models import SurveyShare

    users = {}
    for who, role in (("aggregates", SurveyShare.Role.RESULTS_ADMIN),
                      ("researcher", SurveyShare.Role.RESEARCHER)):  # fmt: skip
        user, _ = get_user_model().objects.get_or_create(username=f"bench-{who}")
        SurveyShare.objects.update_or_create(survey=survey, user=user, defaults={"role": role})
        users[who] = user
    return users


def timed_gets(client, url: str, requests: int) -> dict:
    """Median and spread of `requests` GETs after three warm-up ones; each must be a 200 page."""
    from django.db import connection

    for _ in range(3):
        reply = client.get(url)
        if reply.status_code != 200 or PENDING_MARK in reply.content:
            raise SystemExit(f"GET {url}: {reply.status_code}, pending or failed")
    # Counted and timed by a wrapper: the query log is reset at every request's start.
    statements: list[tuple[float, str]] = []

    def timed(execute, sql, *args):
        started = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            statements.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get(url)
    slowest = max(statements, default=(0.0, ""))
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        reply = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"GET {url}: {reply.status_code}")
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "queries": len(statements), "sql_ms": sum(ms for ms, _sql in statements),
            "slowest_sql_ms": slowest[0], "slowest_sql": slowest[1][:120],
            "bytes": len(reply.content)}  # fmt: skip


def page_profile(client, url: str) -> None:
    """A cProfile of five requests of the page, by cumulative time (`--profile`)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(lambda: [client.get(url) for _ in range(5)])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def page_bench(survey, requests: int, profile: bool = False) -> list[dict]:
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from analytics.models import JobStatus
    from analytics.services import results_request

    started = time.perf_counter()
    # No Redis: Celery runs eagerly, so a stale snapshot is computed within this call.
    snapshot = results_request(survey=survey, filters={})
    if snapshot.status != JobStatus.COMPLETE:
        raise SystemExit(f"The unfiltered snapshot is {snapshot.status}: {snapshot.error}")
    print(f"unfiltered snapshot current after {time.perf_counter() - started:.1f} s", flush=True)
    users = users_ready(survey)
    # whitenoise's notice that staticfiles/ was never collected: the page links, never reads them.
    warnings.filterwarnings("ignore", message="No directory at")
    results = []
    load = os.getloadavg()[0]
    with override_settings(ROOT_URLCONF="bench.floor"):
        floors = {}
        for who, user in users.items():
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            page = timed_gets(client, reverse("analytics:results", args=[survey.slug]), requests)
            floors.setdefault("signed_in", timed_gets(client, "/bench/floor-signed-in/", requests))
            results.append({"who": who, **page})
            if profile:
                print(f"\nThe results page for the {who} viewer, five requests:")
                page_profile(client, reverse("analytics:results", args=[survey.slug]))
        health = timed_gets(Client(HTTP_HOST="localhost"), "/health/live", requests)
    load = max(load, os.getloadavg()[0])
    for result in results:
        floor = floors["signed_in"]["median_ms"]
        result.update(kind="page", floor_ms=floor, ratio=result["median_ms"] / floor,
                      health_ms=health["median_ms"], target_ms=PAGE_TARGET_MS,
                      floor_queries=floors["signed_in"]["queries"],
                      load=load, **{"pass": result["median_ms"] < PAGE_TARGET_MS})  # fmt: skip
    return results


def snapshot_bench(survey, size: int, repeats: int) -> dict:
    from bench_tables import floor_one_pass
    from django.utils import timezone

    from analytics.models import JobStatus, ResultSnapshot
    from analytics.selectors import CLOSED_TYPES, filter_key, filters_normalize
    from analytics.tasks import compute_results
    from surveys.management.seed import WEST_REGIONS
    from surveys.selectors import survey_schema_get

    schema = survey_schema_get(survey=survey)
    filters = filters_normalize(schema=schema, raw={"region": list(WEST_REGIONS)})
    closed = [q.id for q in schema.ordered_questions() if q.type in CLOSED_TYPES]
    region = schema.questions["region"]
    west = (region.id, [region.option_by_code[code].id for code in filters["region"]])
    floor_args = {"survey_id": survey.id, "questions": closed, "scheme_id": None, "keys": True,
                  "region": west}  # fmt: skip

    def computed() -> float:
        snapshot, _ = ResultSnapshot.objects.update_or_create(
            survey=survey, filter_key=filter_key(filters),
            defaults={"filters": filters, "status": JobStatus.PENDING, "error": "",
                      "requested_at": timezone.now()},
        )  # fmt: skip
        started = time.perf_counter()
        compute_results.apply(args=[snapshot.pk], throw=True)
        seconds = time.perf_counter() - started
        snapshot.refresh_from_db()
        if snapshot.status != JobStatus.COMPLETE or snapshot.protected is None:
            raise SystemExit(f"The filter's snapshot ended {snapshot.status}: {snapshot.error}")
        return seconds

    def floor() -> float:
        with pg_connect(size, autocommit=True) as conn:
            started = time.perf_counter()
            floor_one_pass(conn, **floor_args)
            return time.perf_counter() - started

    load = os.getloadavg()[0]
    computed(), floor()  # warm-up
    ours = statistics.median(computed() for _ in range(repeats))
    floor_s = statistics.median(floor() for _ in range(repeats))
    return {"kind": "snapshot", "case": "4 western regions", "seconds": ours, "floor": floor_s,
            "ratio": ours / floor_s, "target_s": SNAPSHOT_TARGET_S,
            "pass": ours < SNAPSHOT_TARGET_S, "load": max(load, os.getloadavg()[0])}  # fmt: skip


def bench(size: int, requests: int, repeats: int, profile: bool = False) -> list[dict]:
    django_setup(size)
    from analytics.selectors import responses_watermark

    survey = bench_survey()
    complete, _last = responses_watermark(survey=survey)
    results = [*page_bench(survey, requests, profile), snapshot_bench(survey, size, repeats)]
    for result in results:
        result.update(size=size, responses=complete)
    return results


def report(results: list[dict]) -> str:
    rows = []
    for r in results:
        if r["kind"] == "page":
            rows.append([f"{r['responses']:,}", f"results page, {r['who']}",
                         f"{r['median_ms']:.1f} ms ({r['min_ms']:.0f}-{r['max_ms']:.0f})",
                         f"{r['floor_ms']:.1f} ms signed-in floor view", f"{r['ratio']:.1f}x",
                         f"< {r['target_ms']:g} ms", "pass" if r["pass"] else "FAIL",
                         f"{r['queries']} queries (floor {r['floor_queries']}) in "
                         f"{r['sql_ms']:.0f} ms, the slowest {r['slowest_sql_ms']:.0f} ms: "
                         f"{r['slowest_sql'][:60]}; {r['bytes'] / 1000:.0f} kB; "
                         f"/health/live {r['health_ms']:.1f} ms",
                         f"{r['load']:.1f}"])  # fmt: skip
        else:
            rows.append([f"{r['responses']:,}", f"new filter's snapshot, {r['case']}",
                         f"{r['seconds']:.2f} s", f"{r['floor']:.2f} s one-pass SQL",
                         f"{r['ratio']:.1f}x", f"< {r['target_s']:g} s",
                         "pass" if r["pass"] else "FAIL", "compute_results applied in process",
                         f"{r['load']:.1f}"])  # fmt: skip
    return markdown_table(
        ["responses", "what", "ours (median)", "floor (median)", "ours/floor", "target", "result",
         "also", "load avg"], rows
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--requests", type=int, default=20, help="timed GETs per page")
    parser.add_argument("--repeats", type=int, default=3, help="timed snapshot computations")
    parser.add_argument("--profile", action="store_true", help="cProfile the page too")
    args = parser.parse_args()
    results = bench(args.size, args.requests, args.repeats, args.profile)
    print("\nInteractive results: the page of an unchanged survey, a new filter's snapshot:")
    print(report(results))
    for result in results:
        print("RESULT interactive " + json.dumps(result))


if __name__ == "__main__":
    main()
