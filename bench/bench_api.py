"""Every response of a large survey paged through the API, against the CSV export of the same run.

    python bench/bench_api.py --size 100000 [--page-size 1000] [--database NAME] [--no-api-export]

One gunicorn (one sync worker, so that one process serves every request and its memory is the
server's) serves the real site on a loopback port, with the production-like local settings and
no Redis. A client follows `next` from `GET /api/v1/surveys/{slug}/responses/?page_size=1000`
to the last page, as docs/examples/responses_to_pandas.py does, and checks that it got every
complete response once. Measured: the wall time of the whole pull, and the worker's peak
resident set size while it served it (`VmHWM` of /proc/<pid>/status, reset after a warm-up
request by writing 5 to /proc/<pid>/clear_refs, so it is the paging's own peak), with its RSS
after the first and the last page (memory that grows per page would show there).

Against it, measured in the same run on the same database:
- **CSV export**: `responses_export(fmt="csv")` to a file in a child process of its own, exactly
  as bench_export.py measures it (peak RSS from `os.wait4`'s `ru_maxrss`);
- **CSV export through the API** (unless --no-api-export): `POST .../exports/ {"format": "csv"}`
  to the same worker, which builds the job in the request (no Redis: Celery runs eagerly), then
  `GET` its file; the worker's peak RSS is read as for the paging.

The database is `saualnama_bench_api_<size>` unless --database names another; it is made by
generate.py's code (the seed responses replicated to N), and reused while it holds N of them.
`bench/run.py` passes the database it has just generated for the size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import httpx
from common import ROOT, markdown_table

DEFAULT_PAGE_SIZE = 1000
TARGET = 2.0  # the paging's time, x the CSV export's (issue 18)


def database_use(name: str) -> None:
    """Point the shared helpers (pg_connect, django_env, generate.py) at database `name`.

    They name a database after its size; this benchmark keeps one of its own, so that another
    benchmark regenerating `saualnama_bench_<size>` at the same time cannot pull it away.
    """
    common.database_name = lambda size: name
    import generate

    generate.database_name = common.database_name


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def peak_reset(pid: int) -> bool:
    """Start the peak RSS afresh from the current RSS (Linux 4.0+); False where not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise SystemExit("gunicorn started no worker")


def serve(url: str, media: Path, log: Path) -> tuple[subprocess.Popen, str, int]:
    from load import port_free

    port = port_free()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false",
           "DATABASE_URL": url, "REDIS_URL": "", "PYTHONPATH": str(ROOT),
           "MEDIA_ROOT": str(media), "API_THROTTLE_RATE": "1000000/minute"}  # fmt: skip
    # One sync worker: every request in one process. The timeout covers an export built in the
    # request (no Redis, so Celery runs it eagerly).
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
               f"127.0.0.1:{port}", "--workers", "1", "--timeout", "3600",
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
            return process, base, worker_pid(process.pid)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.terminate()
                raise SystemExit("gunicorn did not answer within 180 s") from None
            time.sleep(0.2)


def token_make(size: int) -> tuple[str, str, int]:
    """A superuser's API token on the bench database, the survey's slug and its responses."""
    common.django_setup(size)
    from django.contrib.auth import get_user_model

    from accounts.tokens import api_token_create
    from surveys.models import Response

    users = get_user_model().objects
    user = users.filter(username="bench-api").first() or users.create_superuser("bench-api")
    _token, text = api_token_create(user=user, name=f"bench {time.strftime('%Y-%m-%d %H:%M')}")
    survey = common.bench_survey()
    count = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).count()
    return text, survey.slug, count


def paged(base: str, token: str, slug: str, page_size: int, worker: int) -> dict:
    """Follow `next` to the end; time, pages, rows, bytes, and the worker's memory."""
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        warm = client.get(f"/api/v1/surveys/{slug}/responses/", params={"page_size": 1})
        warm.raise_for_status()  # imports, the schema cache, the token: not part of the figures
        before = status_kb(worker)
        reset = peak_reset(worker)
        url: str | None = f"/api/v1/surveys/{slug}/responses/?page_size={page_size}"
        ids: set[str] = set()
        rows = pages = size = 0
        count = None
        rss: list[int] = []  # the worker's RSS after each page (kB)
        times: list[float] = []  # each page's request, reading included (s)
        started = time.perf_counter()
        while url:
            page_started = time.perf_counter()
            reply = client.get(url)
            times.append(time.perf_counter() - page_started)
            if reply.status_code != 200:
                raise SystemExit(f"page {pages + 1}: {reply.status_code} {reply.text[:300]}")
            size += len(reply.content)
            body = reply.json()
            if count is None:
                count = body["count"]
            pages += 1
            rows += len(body["results"])
            ids.update(record["_id"] for record in body["results"])
            rss.append(status_kb(worker)["VmRSS"])
            url = body["next"]
        seconds = time.perf_counter() - started
    after = status_kb(worker)
    if rows != count or len(ids) != count:
        raise SystemExit(f"paged {rows} rows, {len(ids)} distinct, of {count}")
    return {"seconds": seconds, "pages": pages, "rows": rows, "mb": size / 1e6,
            "slowest_page": max(times), "page_seconds": [round(t, 3) for t in times],
            "rss_before_mb": before["VmRSS"] / 1024,
            "rss_first_mb": rss[0] / 1024, "rss_last_mb": rss[-1] / 1024,
            "rss_pages_mb": [round(r / 1024, 1) for r in rss],
            "peak_mb": after["VmHWM"] / 1024, "peak_reset": reset}  # fmt: skip


def exported_through_api(base: str, token: str, slug: str, worker: int) -> dict:
    """POST a CSV export (built in the request, no Redis), then GET its file."""
    headers = {"Authorization": f"Token {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=3600) as client:
        client.get(f"/api/v1/surveys/{slug}/exports/").raise_for_status()  # warm-up
        before = status_kb(worker)
        reset = peak_reset(worker)
        started = time.perf_counter()
        reply = client.post(f"/api/v1/surveys/{slug}/exports/", json={"format": "csv"})
        if reply.status_code != 202:
            raise SystemExit(f"export: {reply.status_code} {reply.text[:300]}")
        job = client.get(reply.headers["Location"]).json()
        while job["status"] not in ("complete", "error", "broker_unavailable"):
            time.sleep(1)
            job = client.get(reply.headers["Location"]).json()
        built = time.perf_counter() - started
        if job["status"] != "complete":
            raise SystemExit(f"export ended {job['status']}")
        size = 0
        with client.stream("GET", job["file"]) as download:
            download.raise_for_status()
            for chunk in download.iter_bytes():
                size += len(chunk)
        seconds = time.perf_counter() - started
    after = status_kb(worker)
    return {"seconds": seconds, "build_seconds": built, "rows": job["done"], "mb": size / 1e6,
            "rss_before_mb": before["VmRSS"] / 1024, "peak_mb": after["VmHWM"] / 1024,
            "peak_reset": reset}  # fmt: skip


def exported_in_child(database: str, size: int, out: Path) -> dict:
    """bench_export.py's measurement of the CSV export, in a child on this database."""
    command = [sys.executable, __file__, "--size", str(size), "--database", database,
               "--child-export", str(out)]  # fmt: skip
    process = subprocess.Popen(command, env=common.django_env(size), stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    output = process.stdout.read() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("The CSV export failed.")
    result = json.loads(output.strip().splitlines()[-1])
    result.update(peak_mb=usage.ru_maxrss / 1024, mb=out.stat().st_size / 1e6)
    return result


def served(url: str, media: Path, measure) -> dict:
    """`measure(base, worker)` against a fresh gunicorn, which is stopped afterwards."""
    log = Path(tempfile.gettempdir()) / "saualnama-bench-api-gunicorn.log"
    process, base, worker = serve(url, media, log)
    try:
        return measure(base, worker)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def bench(size: int, database: str, page_size: int, api_export: bool) -> dict:
    from generate import generate

    generate(size)
    token, slug, count = token_make(size)
    url = common.database_url(size)
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="saualnama-bench-api-") as folder:
        media = Path(folder)
        # Each measurement in a fresh worker, so that none inherits another's heap.
        api = served(url, media, lambda base, pid: paged(base, token, slug, page_size, pid))
        loads.append(os.getloadavg()[0])
        through_api = None
        if api_export:
            through_api = served(
                url, media, lambda base, pid: exported_through_api(base, token, slug, pid)
            )
            loads.append(os.getloadavg()[0])
        export = exported_in_child(database, size, media / "responses.csv")
        loads.append(os.getloadavg()[0])
    return {"responses": count, "database": database, "page_size": page_size, "api": api,
            "export": export, "api_export": through_api,
            "time_ratio": api["seconds"] / export["seconds"], "target": TARGET,
            "pass": api["seconds"] / export["seconds"] <= TARGET,
            "peak_ratio": api["peak_mb"] / export["peak_mb"],
            "load": max(loads)}  # fmt: skip


def report(results: list[dict]) -> str:
    rows = []
    for r in results:
        api, export, via = r["api"], r["export"], r["api_export"]
        n = f"{r['responses']:,}"
        rows.append([n, f"API, {api['pages']} pages of {r['page_size']} (gunicorn worker)",
                     f"{api['seconds']:.1f}", f"{api['peak_mb']:.0f}",
                     f"{api['rss_before_mb']:.0f}",
                     f"{api['rss_first_mb']:.0f} -> {api['rss_last_mb']:.0f}",
                     f"{api['mb']:.0f} MB JSON", f"{r['time_ratio']:.2f}x",
                     f"{r['peak_ratio']:.2f}x", f"{r['load']:.1f}"])  # fmt: skip
        rows.append([n, "CSV export, responses_export (child process)",
                     f"{export['seconds']:.1f}", f"{export['peak_mb']:.0f}",
                     f"{export['baseline_mb']:.0f}", "", f"{export['mb']:.0f} MB CSV", "1x",
                     "1x", f"{r['load']:.1f}"])  # fmt: skip
        if via:
            rows.append([n, "CSV export through the API (POST, built in the worker, GET file)",
                         f"{via['seconds']:.1f}", f"{via['peak_mb']:.0f}",
                         f"{via['rss_before_mb']:.0f}", "", f"{via['mb']:.0f} MB zip",
                         f"{via['seconds'] / export['seconds']:.2f}x",
                         f"{via['peak_mb'] / export['peak_mb']:.2f}x",
                         f"{r['load']:.1f}"])  # fmt: skip
    return markdown_table(
        ["responses", "what", "time (s)", "peak RSS (MB)", "RSS before (MB)",
         "RSS after page 1 -> last (MB)", "transferred", "time / CSV export",
         "peak / CSV export", "load avg"], rows
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, required=True, help="responses (e.g. 10000, 100000)")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--database", help="default: saualnama_bench_api_<size>")
    parser.add_argument("--no-api-export", action="store_true", help="skip POST .../exports/")
    parser.add_argument("--child-export", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    database = args.database or f"saualnama_bench_api_{args.size}"
    database_use(database)
    if args.child_export:
        from bench_export import child

        child(args.size, "csv", args.child_export)
        return
    result = bench(args.size, database, args.page_size, api_export=not args.no_api_export)
    print("\nAll responses paged through the API against the CSV export of the same survey:")
    print(report([result]))
    print("RESULT api " + json.dumps(result))


if __name__ == "__main__":
    main()
